// Turning parsed text fields into typed Arrow columns: inferred as pandas does for CSV
// (int, float, bool, else string; empty fields are null) or cast to the given features,
// with errors pointing at the file and line of the bad field.
import { buildColumn, type Column } from '../columns.js';
import { ClassLabel, Sequence, Value, type Feature, type Features } from '../features.js';
import { DataFileError } from '../io/errors.js';

/** One split's columns, ready to become a Dataset. */
export interface SplitData {
  columns: Map<string, Column>;
  features: Features;
  numRows: number;
  /** Content hashes of the source files, for the fingerprint. */
  hashes: string[];
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|nan|NaN|inf|Infinity)$/;
const BOOL: Record<string, boolean> = { True: true, False: false, TRUE: true, FALSE: false, true: true, false: false };

// pandas reads integers past int64 as uint64 when they fit, else as text (object).
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
function integerWidth(v: string): 'int64' | 'negative' | 'uint64' | 'string' {
  if (v.length < 19) return v.startsWith('-') ? 'negative' : 'int64';
  const big = BigInt(v);
  if (big < -INT64_MAX - 1n || big > UINT64_MAX) return 'string';
  return big < 0n ? 'negative' : big > INT64_MAX ? 'uint64' : 'int64';
}

/** A text integer as a number, or a bigint where a number would round it. */
function exactInteger(v: string): number | bigint {
  const x = Number(v);
  return Number.isSafeInteger(x) ? x : BigInt(v);
}

export function inferStringFeature(values: string[]): Feature {
  const widths = new Set<string>();
  let isInt = true;
  let isFloat = true;
  let isBool = true;
  let any = false;
  for (const v of values) {
    if (v === '') continue;
    any = true;
    if (isInt && !INT.test(v)) isInt = false;
    if (isInt) widths.add(integerWidth(v.trim()));
    if (isFloat && !isInt && !FLOAT.test(v)) isFloat = false;
    if (isBool && !(v in BOOL)) isBool = false;
    if (!isInt && !isFloat && !isBool) break;
  }
  if (!any) return new Value('string');
  if (isInt) return new Value(widths.has('string') || (widths.has('uint64') && widths.has('negative')) ? 'string' : widths.has('uint64') ? 'uint64' : 'int64');
  if (isFloat) return new Value('float64');
  if (isBool) return new Value('bool');
  return new Value('string');
}

function parseFloatStrict(v: string): number {
  if (v === 'inf' || v === 'Infinity' || v === '+inf') return Infinity;
  if (v === '-inf' || v === '-Infinity') return -Infinity;
  if (v === 'nan' || v === 'NaN') return NaN;
  return FLOAT.test(v) ? Number(v) : NaN;
}

/** Text fields → values for a feature; a field that does not fit is an error at its line. */
export function castStrings(values: string[], feature: Feature, file: string, lines: number[], column: string, emptyIsNull = true): unknown[] {
  const bad = (r: number, what: string): never => {
    throw new DataFileError(file, lines[r], `column '${column}': ${what}`);
  };
  if (feature instanceof ClassLabel) {
    const memo = new Map<string, number>();
    return values.map((v, r) => {
      if (v === '' && emptyIsNull) return null;
      const known = memo.get(v);
      if (known !== undefined) return known;
      try {
        const id = feature.str2int(v);
        memo.set(v, id);
        return id;
      } catch (e) {
        return bad(r, (e as Error).message);
      }
    });
  }
  if (feature instanceof Sequence) {
    return values.map((v, r) => {
      if (v === '' && emptyIsNull) return null;
      try {
        const parsed = JSON.parse(v) as unknown;
        if (!Array.isArray(parsed)) throw new Error('not a list');
        return parsed;
      } catch {
        return bad(r, `expected a JSON list for ${feature.toString()}, found ${JSON.stringify(v.slice(0, 40))}`);
      }
    });
  }
  const d = feature.dtype;
  if (d === 'string' || d === 'large_string') return emptyIsNull ? values.map((v) => (v === '' ? null : v)) : values;
  if (d === 'bool') {
    return values.map((v, r) => (v === '' ? null : v in BOOL ? BOOL[v] : v === '1' ? true : v === '0' ? false : bad(r, `expected a boolean, found ${JSON.stringify(v)}`)));
  }
  if (/int/.test(d)) {
    return values.map((v, r) => (v === '' ? null : INT.test(v.trim()) ? exactInteger(v.trim()) : bad(r, `expected an integer (${d}), found ${JSON.stringify(v.slice(0, 40))}`)));
  }
  return values.map((v, r) => {
    if (v === '') return null;
    const x = parseFloatStrict(v.trim());
    return Number.isNaN(x) && !/nan/i.test(v) ? bad(r, `expected a number (${d}), found ${JSON.stringify(v.slice(0, 40))}`) : x;
  });
}

/** Builds typed columns from text columns (features given or inferred). */
export function columnsFromStrings(
  names: string[], raw: string[][], lines: number[], file: string, features?: Features,
): { columns: Map<string, Column>; features: Features } {
  if (features) {
    for (const name of Object.keys(features)) {
      if (!names.includes(name)) throw new DataFileError(file, null, `features name column '${name}', but the file's columns are [${names.join(', ')}]`);
    }
    for (const name of names) {
      if (!(name in features)) throw new DataFileError(file, null, `column '${name}' is not in the given features [${Object.keys(features).join(', ')}]`);
    }
  }
  const columns = new Map<string, Column>();
  const out: Features = {};
  names.forEach((name, c) => {
    const feature = features?.[name] ?? inferStringFeature(raw[c]);
    const values = castStrings(raw[c], feature, file, lines, name);
    columns.set(name, buildColumn(values, feature, (r) => `${file}:${lines[r]}: column '${name}'`));
    out[name] = feature;
  });
  const order = features ? Object.keys(features) : names;
  return { columns: new Map(order.map((n) => [n, columns.get(n) as Column])), features: Object.fromEntries(order.map((n) => [n, out[n]])) };
}

/** Concatenates the splits of several files with the same columns. */
export function concatSplitData(parts: SplitData[], where: string): SplitData {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const names = Object.keys(first.features);
  for (const p of parts.slice(1)) {
    const other = Object.keys(p.features);
    if (other.join('\u0000') !== names.join('\u0000')) {
      throw new Error(`${where}: data files have different columns ([${names.join(', ')}] vs [${other.join(', ')}])`);
    }
  }
  const columns = new Map<string, Column>();
  for (const n of names) {
    const vectors = parts.map((p) => p.columns.get(n) as Column);
    const types = new Set(vectors.map((v) => String(v.type)));
    if (types.size > 1) throw new Error(`${where}: column '${n}' has different types across data files (${[...types].join(', ')})`);
    columns.set(n, vectors[0].concat(...vectors.slice(1)));
  }
  return { columns, features: first.features, numRows: parts.reduce((s, p) => s + p.numRows, 0), hashes: parts.flatMap((p) => p.hashes) };
}
