// The generic builders of Hugging Face datasets: 'csv', 'json' (JSON and JSON Lines),
// 'text' and 'parquet'. Each reads one file into a split's typed columns.
import { createHash } from 'node:crypto';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { buildColumn, type Column } from '../columns.js';
import { featuresFromJSON, Value, type Feature, type Features } from '../features.js';
import { inferFeature } from '../infer.js';
import { parseJsonExact } from '../io/exact-json.js';
import { checkParquetLayout, containingStrayRejections } from '../io/parquet-check.js';
import { DataFileError } from '../io/errors.js';
import { readBytes, readTextFile } from '../io/text.js';
import { parseDelimited } from './delimited.js';
import { columnsFromStrings, type SplitData } from './table.js';

export interface CsvOptions {
  delimiter?: string;
  sep?: string;
  /** false, 'none' or 3 (Python's csv.QUOTE_NONE) turn quote handling off. */
  quoting?: boolean | 'none' | 'minimal' | 0 | 3;
  quoteChar?: string;
  header?: boolean | null | 0;
  columnNames?: string[];
  features?: Features;
}

export function quotingOn(q: CsvOptions['quoting']): boolean {
  return !(q === false || q === 'none' || q === 3);
}

export function loadCsv(file: string, o: CsvOptions = {}): SplitData {
  const delimiter = o.delimiter ?? o.sep ?? (file.endsWith('.tsv') ? '\t' : ',');
  if (delimiter.length !== 1) throw new TypeError(`csv: delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  const { text, hash } = readTextFile(file);
  const header = o.header === undefined ? true : Boolean(o.header === 0 ? true : o.header);
  const table = parseDelimited(text, file, { delimiter, quoting: quotingOn(o.quoting), quoteChar: o.quoteChar, header, columnNames: o.columnNames });
  const { columns, features } = columnsFromStrings(table.columnNames, table.columns, table.lines, file, o.features);
  return { columns, features, numRows: table.lines.length, hashes: [hash] };
}

export interface JsonOptions {
  /** For a JSON object holding the rows under a key (Hugging Face's `field`). */
  field?: string;
  features?: Features;
}

/** Rows → typed columns; `where(row)` names where a row came from, for errors. */
function columnsFromRows(rows: Record<string, unknown>[], where: (r: number) => string, features?: Features): { columns: Map<string, Column>; features: Features } {
  const names: string[] = features ? Object.keys(features) : [];
  const known = new Set(names);
  rows.forEach((row, r) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new Error(`${where(r)}: expected a JSON object per row, found ${Array.isArray(row) ? 'an array' : JSON.stringify(row)}`);
    }
    for (const k of Object.keys(row)) {
      if (known.has(k)) continue;
      if (features) throw new Error(`${where(r)}: key '${k}' is not in the given features [${names.join(', ')}]`);
      known.add(k);
      names.push(k);
    }
  });
  const columns = new Map<string, Column>();
  const out: Features = {};
  for (const name of names) {
    const values = rows.map((row) => row[name] ?? null);
    const locate = (r: number): string => `${where(r)}: key '${name}'`;
    const feature: Feature = features?.[name] ?? inferFeature(values, name, locate);
    columns.set(name, buildColumn(values, feature, locate));
    out[name] = feature;
  }
  return { columns, features: out };
}

function lineAtPosition(text: string, message: string): number | null {
  const m = /position (\d+)/.exec(message);
  if (!m) return null;
  let line = 1;
  const end = Math.min(Number(m[1]), text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function loadJson(file: string, o: JsonOptions = {}): SplitData {
  const { text, hash } = readTextFile(file);
  const trimmed = text.trimStart();
  let whole: unknown;
  let parsedWhole = false;
  if (trimmed.startsWith('[') || o.field !== undefined) {
    try {
      whole = parseJsonExact(text);
      parsedWhole = true;
    } catch (e) {
      throw new DataFileError(file, lineAtPosition(text, (e as Error).message), `invalid JSON: ${(e as Error).message}`);
    }
  } else if (trimmed.startsWith('{') && !/\}\s*\n\s*\{/.test(text)) {
    try {
      whole = parseJsonExact(text);
      parsedWhole = true;
    } catch {
      // Not one object: read as JSON Lines below, which reports the bad line.
    }
  }
  let rows: Record<string, unknown>[];
  let where: (r: number) => string = (r) => `${file}: row ${r}`;
  if (parsedWhole) {
    let data = whole;
    if (o.field !== undefined) {
      if (!data || typeof data !== 'object' || !(o.field in (data as object))) throw new DataFileError(file, null, `no field '${o.field}' in the JSON object`);
      data = (data as Record<string, unknown>)[o.field];
    }
    if (Array.isArray(data)) {
      rows = data as Record<string, unknown>[];
      // Rows of a JSON array have no line of their own: errors give their position instead.
      where = (r) => `${file}: row ${r}`;
    } else if (data && typeof data === 'object' && Object.values(data).every(Array.isArray)) {
      const cols = data as Record<string, unknown[]>;
      const n = Object.values(cols)[0]?.length ?? 0;
      for (const [k, v] of Object.entries(cols)) if (v.length !== n) throw new DataFileError(file, null, `column '${k}' has ${v.length} values, others ${n}`);
      rows = Array.from({ length: n }, (_, r) => Object.fromEntries(Object.keys(cols).map((k) => [k, cols[k][r]])));
    } else {
      rows = [data as Record<string, unknown>];
    }
  } else {
    rows = [];
    const lines: number[] = [];
    const parts = text.split('\n');
    parts.forEach((raw, i) => {
      const l = raw.trim();
      if (l === '') return;
      try {
        rows.push(parseJsonExact(l) as Record<string, unknown>);
      } catch (e) {
        throw new DataFileError(file, i + 1, `invalid JSON Lines row: ${(e as Error).message}`);
      }
      lines.push(i + 1);
    });
    where = (r) => `${file}:${lines[r]}`;
  }
  const { columns, features } = columnsFromRows(rows, where, o.features);
  return { columns, features, numRows: rows.length, hashes: [hash] };
}

export interface TextOptions {
  sampleBy?: 'line' | 'paragraph' | 'document';
  keepLinebreaks?: boolean;
}

export function loadText(file: string, o: TextOptions = {}): SplitData {
  const { text, hash } = readTextFile(file);
  let values: string[];
  const by = o.sampleBy ?? 'line';
  if (by === 'document') values = [text];
  else if (by === 'paragraph') values = text.split(/\r?\n\s*\r?\n/).filter((p) => p.trim() !== '').map((p) => (o.keepLinebreaks ? p : p.replace(/\r?\n/g, ' ')));
  else if (by === 'line') {
    values = text.split('\n');
    if (values[values.length - 1] === '') values.pop();
    values = values.map((l) => (o.keepLinebreaks ? `${l}\n` : l.endsWith('\r') ? l.slice(0, -1) : l));
  } else throw new TypeError(`text: sampleBy must be 'line', 'paragraph' or 'document', got ${JSON.stringify(by)}`);
  const columns = new Map<string, Column>([['text', buildColumn(values, new Value('string'))]]);
  return { columns, features: { text: new Value('string') }, numRows: values.length, hashes: [hash] };
}

export async function loadParquet(file: string, o: { features?: Features } = {}): Promise<SplitData> {
  const bytes = readBytes(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let meta;
  try {
    meta = parquetMetadata(buffer);
  } catch (e) {
    throw new DataFileError(file, null, `not a Parquet file, or its footer metadata is corrupt (${libraryDetail(e)})`);
  }
  const corrupt = (message: string): never => { throw new DataFileError(file, null, `corrupt Parquet file: ${message}`); };
  let features: Features | null = o.features ?? null;
  const hf = meta.key_value_metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (!features && hf) {
    let info: { info?: { features?: Record<string, unknown> } };
    try {
      info = JSON.parse(hf) as typeof info;
    } catch (e) {
      return corrupt(`its "huggingface" metadata is not JSON (${(e as Error).message})`);
    }
    try {
      if (info?.info?.features) features = featuresFromJSON(info.info.features, file);
    } catch (e) {
      return corrupt(`its "huggingface" features do not parse (${(e as Error).message})`);
    }
  }
  let rows: Record<string, unknown>[];
  let names: string[];
  try {
    checkParquetLayout(meta, buffer, corrupt);
    rows = (await containingStrayRejections(() => parquetReadObjects({ file: buffer }))) as Record<string, unknown>[];
    names = meta.schema[0].num_children ? meta.schema.slice(1).filter((_, i) => isTopLevel(meta.schema, i + 1)).map((s) => s.name) : [];
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    return corrupt(`its pages do not decode (${libraryDetail(e)})`); // hyparquet's errors name neither file nor place
  }
  if (rows.length !== Number(meta.num_rows)) corrupt(`the metadata says ${meta.num_rows} rows, the pages hold ${rows.length}`);
  const out = new Map<string, Column>();
  const feats: Features = {};
  for (const name of features ? Object.keys(features) : names) {
    const values = rows.map((r) => normalizeParquetValue(r[name]));
    const feature = features?.[name] ?? inferFeature(values, name);
    out.set(name, buildColumn(values, feature, (r) => `${file}: row ${r}, column '${name}'`));
    feats[name] = feature;
  }
  return { columns: out, features: feats, numRows: rows.length, hashes: [createHash('sha1').update(bytes).digest('hex')] };
}

/** A library error's message, unless it is a JavaScript runtime error from inside the library (a TypeError on undefined). */
function libraryDetail(e: unknown): string {
  const error = e instanceof Error ? e : new Error(String(e));
  return error instanceof TypeError || error instanceof RangeError ? 'hyparquet failed while reading it' : `hyparquet: ${error.message}`;
}

function isTopLevel(schema: { num_children?: number }[], index: number): boolean {
  // Walk the flattened schema tree: children of the root are top-level columns.
  let i = 1;
  while (i < schema.length) {
    if (i === index) return true;
    i = skip(schema, i);
  }
  return false;
}

function skip(schema: { num_children?: number }[], i: number): number {
  const n = schema[i].num_children ?? 0;
  let j = i + 1;
  for (let k = 0; k < n; k++) j = skip(schema, j);
  return j;
}

function normalizeParquetValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v; // exact past 2^53
  if (Array.isArray(v)) return v.map(normalizeParquetValue);
  return v === undefined ? null : v;
}

