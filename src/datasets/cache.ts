// The on-disk cache of `map` results: Arrow IPC files named by fingerprint, in
// HF_DATASETS_CACHE (or ~/.cache/finetune/datasets). Features travel in the schema metadata
// under Hugging Face's "huggingface" key.
import * as arrow from 'apache-arrow';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import type { Column } from './columns.js';
import { featureFromArrow, featuresFromJSON, featuresToJSON, type Features } from './features.js';

let cachingEnabled = true;

/** Hugging Face's `disable_caching()`: map results are then neither read from nor written to disk. */
export function disableCaching(): void { cachingEnabled = false; }
export function enableCaching(): void { cachingEnabled = true; }
export function isCachingEnabled(): boolean { return cachingEnabled; }

export function cacheDir(): string {
  return process.env.HF_DATASETS_CACHE || join(homedir(), '.cache', 'finetune', 'datasets');
}

export function cachePath(name: string): string {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

export function tableFromColumns(columns: Map<string, Column>, features: Features, numRows: number): arrow.Table {
  const meta = new Map([['huggingface', JSON.stringify({ info: { features: featuresToJSON(features) } })]]);
  for (const [name, v] of columns) if (v.length !== numRows) throw new Error(`column ${name} has ${v.length} rows, expected ${numRows}`);
  if (columns.size === 0) return new arrow.Table(new arrow.Schema([], meta));
  // Arrow aligns differently-chunked columns into record batches.
  const table = new arrow.Table(Object.fromEntries(columns));
  return new arrow.Table(new arrow.Schema(table.schema.fields, meta), table.batches);
}

/** Writes atomically, so a crash or a full disk never leaves a half-written cache hit or a stray temporary file. */
export function writeArrowFile(path: string, columns: Map<string, Column>, features: Features, numRows: number): void {
  const bytes = arrow.tableToIPC(tableFromColumns(columns, features, numRows), 'file');
  writeFileAtomic(path, bytes);
}

/** A cache file that does not validate (empty, truncated, corrupt): callers ignore it and rebuild. */
export class CacheFileError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'CacheFileError';
  }
}

// An Arrow IPC file starts and ends with this magic; a truncated one has no footer, and
// apache-arrow then reads it as a stream, finding 0 rows or failing deep inside.
const ARROW_MAGIC = Buffer.from('ARROW1');

export function readArrowFile(path: string): { columns: Map<string, Column>; features: Features; numRows: number } {
  if (!existsSync(path)) throw new CacheFileError(path, 'no such file');
  const bytes = readFileSync(path);
  if (bytes.length < 2 * ARROW_MAGIC.length + 4 || !bytes.subarray(0, 6).equals(ARROW_MAGIC) || !bytes.subarray(-6).equals(ARROW_MAGIC)) {
    throw new CacheFileError(path, `not a complete Arrow file (${bytes.length} bytes${bytes.length === 0 ? '' : ', no footer: truncated?'})`);
  }
  let out: { columns: Map<string, Column>; features: Features; numRows: number };
  try {
    out = fromTable(arrow.tableFromIPC(bytes), path);
  } catch (error) {
    throw new CacheFileError(path, `corrupt Arrow file: ${(error as Error).message}`);
  }
  for (const [name, column] of out.columns) {
    if (column === null || column.length !== out.numRows) throw new CacheFileError(path, `corrupt Arrow file: column '${name}' does not have ${out.numRows} rows`);
  }
  return out;
}

/** Reads a cache file, or warns and returns null when it does not validate (the caller rebuilds it). */
export function readArrowCache(path: string): { columns: Map<string, Column>; features: Features; numRows: number } | null {
  try {
    return readArrowFile(path);
  } catch (error) {
    if (!(error instanceof CacheFileError)) throw error;
    process.emitWarning(`${error.message}; the cache file is ignored and rebuilt`, 'CacheWarning');
    return null;
  }
}

export function fromTable(table: arrow.Table, where: string): { columns: Map<string, Column>; features: Features; numRows: number } {
  const columns = new Map<string, Column>();
  for (const field of table.schema.fields) columns.set(field.name, table.getChild(field.name) as Column);
  const meta = table.schema.metadata.get('huggingface');
  let features: Features | null = null;
  if (meta) {
    const parsed = JSON.parse(meta) as { info?: { features?: Record<string, unknown> } };
    if (parsed.info?.features) features = featuresFromJSON(parsed.info.features, where);
  }
  if (!features) features = Object.fromEntries(table.schema.fields.map((f) => [f.name, featureFromArrow(f.type)]));
  return { columns, features, numRows: table.numRows };
}
