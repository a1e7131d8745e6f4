// CSV/TSV parsing with Python csv semantics: quoting on ('"', doubled to escape) or off
// (QUOTE_NONE, needed for GLUE TSVs whose text contains stray quotes); blank lines skipped
// as csv.DictReader does; every record keeps its line number, and a record with the wrong
// number of fields is an error naming file and line.
import { DataFileError } from '../io/errors.js';

export interface DelimitedOptions {
  delimiter: string;
  quoting: boolean;
  quoteChar?: string;
  /** Whether the first record names the columns. */
  header: boolean;
  /** Column names to use (replaces a header row, or names a file without one). */
  columnNames?: string[];
}

export interface DelimitedTable {
  columnNames: string[];
  /** columns[c][r]: the raw text of field c in record r. */
  columns: string[][];
  /** 1-based line on which each record starts. */
  lines: number[];
}

function splitRecords(text: string, file: string, o: DelimitedOptions): { fields: string[]; line: number }[] {
  const records: { fields: string[]; line: number }[] = [];
  const quote = o.quoteChar ?? '"';
  // Quoted fields may contain delimiters, quotes ("") and newlines.
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (text[i] === '\n') { i++; line++; continue; }
    if (text[i] === '\r') { i += text[i + 1] === '\n' ? 2 : 1; line++; continue; }
    const start = line;
    const fields: string[] = [];
    let field = '';
    let atFieldStart = true;
    for (;;) {
      if (i >= n) { fields.push(field); break; }
      const c = text[i];
      if (atFieldStart && c === quote) {
        i++;
        let closed = false;
        while (i < n) {
          const d = text[i];
          if (d === quote) {
            if (text[i + 1] === quote) { field += quote; i += 2; continue; }
            i++;
            closed = true;
            break;
          }
          if (d === '\n' || (d === '\r' && text[i + 1] !== '\n')) line++;
          field += d;
          i++;
        }
        if (!closed) throw new DataFileError(file, start, `unterminated quoted field (opened with ${quote} and never closed)`);
        atFieldStart = false;
        continue;
      }
      atFieldStart = false;
      if (c === o.delimiter) { fields.push(field); field = ''; atFieldStart = true; i++; continue; }
      if (c === '\n' || c === '\r') {
        fields.push(field);
        i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        break;
      }
      field += c;
      i++;
    }
    records.push({ fields, line: start });
  }
  return records;
}

export function parseDelimited(text: string, file: string, o: DelimitedOptions): DelimitedTable {
  // Old Mac line endings (a lone CR) end records too, as in Python's csv module and pandas.
  if (!o.quoting || !text.includes(o.quoteChar ?? '"')) return parseUnquoted(/\r(?!\n)/.test(text) ? text.replace(/\r(?!\n)/g, '\n') : text, file, o);
  if (!o.quoting || !text.includes(o.quoteChar ?? '"')) return parseUnquoted(text, file, o);
  const records = splitRecords(text, file, o);
  let names = o.columnNames;
  let body = records;
  if (o.header) {
    if (records.length === 0) throw new DataFileError(file, null, 'empty file; expected a header row');
    const header = records[0].fields;
    names = names ?? dedupe(header);
    body = records.slice(1);
    if (names.length !== header.length) {
      throw new DataFileError(file, records[0].line, `the header has ${header.length} fields but ${names.length} column names were given`);
    }
  }
  if (!names) {
    const width = records[0]?.fields.length ?? 0;
    names = Array.from({ length: width }, (_, k) => String(k));
  }
  const width = names.length;
  const columns: string[][] = names.map(() => new Array(body.length));
  const lines = new Array<number>(body.length);
  for (let r = 0; r < body.length; r++) {
    const { fields, line } = body[r];
    if (fields.length !== width) throw fieldCountError(file, line, names, fields.length, o);
    for (let c = 0; c < width; c++) columns[c][r] = fields[c];
    lines[r] = line;
  }
  return { columnNames: names, columns, lines };
}

function fieldCountError(file: string, line: number, names: string[], found: number, o: DelimitedOptions): DataFileError {
  return new DataFileError(file, line, `expected ${names.length} fields (${names.join(', ')}) separated by ${JSON.stringify(o.delimiter)}, found ${found}` +
    (o.quoting ? '' : ' (quoting is off)'));
}

/** The common case (no quote handling): fields cut straight out of the text, no per-line arrays. */
function parseUnquoted(text: string, file: string, o: DelimitedOptions): DelimitedTable {
  const d = o.delimiter;
  let names = o.columnNames;
  let columns: string[][] | null = null;
  const lines: number[] = [];
  let pos = 0;
  let lineNo = 0;
  let headerPending = o.header;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    lineNo++;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end > pos) {
      if (headerPending) {
        const header = text.slice(pos, end).split(d);
        if (names && header.length !== names.length) throw new DataFileError(file, lineNo, `the header has ${header.length} fields but ${names.length} column names were given`);
        names ??= dedupe(header);
        headerPending = false;
      } else {
        if (!names) names = Array.from({ length: text.slice(pos, end).split(d).length }, (_, k) => String(k));
        columns ??= names.map(() => []);
        const width = names.length;
        let start = pos;
        for (let c = 0; c < width - 1; c++) {
          const cut = text.indexOf(d, start);
          if (cut < 0 || cut >= end) throw fieldCountError(file, lineNo, names, c + 1, o);
          columns[c].push(text.slice(start, cut));
          start = cut + d.length;
        }
        const rest = text.slice(start, end);
        if (rest.includes(d)) throw fieldCountError(file, lineNo, names, width + rest.split(d).length - 1, o);
        columns[width - 1].push(rest);
        lines.push(lineNo);
      }
    }
    pos = nl + 1;
  }
  if (headerPending) throw new DataFileError(file, null, 'empty file; expected a header row');
  names ??= [];
  return { columnNames: names, columns: columns ?? names.map(() => []), lines };
}

/** pandas-style names for repeated headers: a, a.1, a.2. */
function dedupe(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k === 0 ? n : `${n}.${k}`;
  });
}
