// Writing a dataset out: JSON Lines, CSV, Parquet. Parquet files carry Hugging Face's
// "huggingface" metadata (features), so ClassLabel names survive a round trip through Python.
import { resolve } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileAtomic } from '../util/atomic.js';
import type { Dataset } from './dataset.js';
import { ClassLabel, featuresToJSON, Sequence, Value, type Feature } from './features.js';

/** Writes a whole export atomically (creating its folder): a failed export leaves no partial file. */
function writeExport(path: string, data: string | Uint8Array): void {
  writeFileAtomic(resolve(path), data, { mkdir: true });
}

/** JSON Lines by default (Hugging Face's `to_json`); `lines: false` writes one JSON array. */
export function toJson(ds: Dataset, path: string, options: { lines?: boolean } = {}): number {
  const rows = ds.toList();
  const text = options.lines === false ? `${JSON.stringify(rows)}\n` : rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  writeExport(path, text);
  return Buffer.byteLength(text);
}

export function toCsv(ds: Dataset, path: string, options: { delimiter?: string; header?: boolean } = {}): number {
  const sep = options.delimiter ?? ',';
  const quote = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.includes(sep) || s.includes('"') || s.includes('\n') || s.includes('\r') ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const names = ds.columnNames;
  const lines: string[] = [];
  if (options.header ?? true) lines.push(names.map(quote).join(sep));
  for (const row of ds.toList()) lines.push(names.map((n) => quote(row[n])).join(sep));
  const text = lines.length ? `${lines.join('\n')}\n` : '';
  writeExport(path, text);
  return Buffer.byteLength(text);
}

interface SchemaElement {
  name: string;
  type?: string;
  converted_type?: string;
  repetition_type?: string;
  num_children?: number;
}

const PARQUET_TYPES: Record<string, [string, string?]> = {
  string: ['BYTE_ARRAY', 'UTF8'], large_string: ['BYTE_ARRAY', 'UTF8'], bool: ['BOOLEAN'],
  int8: ['INT32', 'INT_8'], int16: ['INT32', 'INT_16'], int32: ['INT32'], int64: ['INT64'],
  uint8: ['INT32', 'UINT_8'], uint16: ['INT32', 'UINT_16'], uint32: ['INT32', 'UINT_32'], uint64: ['INT64', 'UINT_64'],
  float16: ['FLOAT'], float32: ['FLOAT'], float64: ['DOUBLE'],
};

function schemaFor(name: string, f: Feature): SchemaElement[] {
  if (f instanceof Sequence) {
    return [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...schemaFor('element', f.feature),
    ];
  }
  const dtype = f instanceof ClassLabel ? 'int64' : (f as Value).dtype;
  const mapped = PARQUET_TYPES[dtype];
  if (!mapped) throw new Error(`toParquet: column '${name}' has dtype ${dtype}, which cannot be written to Parquet`);
  return [{ name, type: mapped[0], ...(mapped[1] ? { converted_type: mapped[1] } : {}), repetition_type: 'OPTIONAL' }];
}

function is64(f: Feature): boolean {
  if (f instanceof ClassLabel) return true;
  if (f instanceof Sequence) return is64(f.feature);
  return f.dtype === 'int64' || f.dtype === 'uint64';
}

function toBig(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(toBig);
  return BigInt(v as number);
}

export function toParquet(ds: Dataset, path: string): number {
  const features = ds.features;
  const names = ds.columnNames;
  const schema: SchemaElement[] = [{ name: 'root', num_children: names.length }];
  const columnData = names.map((name) => {
    schema.push(...schemaFor(name, features[name]));
    const values = ds.withFormat(null).column(name) as unknown[];
    return { name, data: is64(features[name]) ? values.map(toBig) : values };
  });
  const bytes = parquetWriteBuffer({
    columnData: columnData as never,
    schema: schema as never,
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features: featuresToJSON(features) } }) }],
  });
  writeExport(path, new Uint8Array(bytes));
  return bytes.byteLength;
}
