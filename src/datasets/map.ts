// Dataset.map and Dataset.filter. map runs a function over rows or batches and caches the
// resulting table on disk, keyed by the input's fingerprint, the function's source, its
// options and the fingerprints of tokenizers it calls (recorded while it runs).
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { BatchEncoding, type Ragged } from '../tokenizers/batch-encoding.js';
import { isTensor } from '../tokenizers/tensors.js';
import { normalizeOptions } from '../util/options.js';
import { cachePath, isCachingEnabled, readArrowCache, writeArrowFile } from './cache.js';
import { buildColumn, buildRaggedColumn, gatherColumn, type Column } from './columns.js';
import { Dataset, unknownColumn, type Batch, type Row } from './dataset.js';
import { Sequence, Value, type Feature, type Features } from './features.js';
import { hashParts, randomFingerprint, runRecordingDependencies, stableStringify } from '../util/fingerprint.js';
import { outerNames } from './free-variables.js';
import { inferFeature, OPTIMIZED_COLUMNS } from './infer.js';

export interface MapOptions {
  batched?: boolean;
  batchSize?: number | null;
  removeColumns?: string | string[];
  fnKwargs?: Record<string, unknown>;
  withIndices?: boolean;
  inputColumns?: string | string[];
  loadFromCacheFile?: boolean;
  newFingerprint?: string;
  features?: Features;
  dropLastBatch?: boolean;
  desc?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MapFunction = (...args: any[]) => unknown;

/** Arguments for the user function: (batch | row | input columns..., [indices], [fnKwargs]). */
function callArgs(ds: Dataset, o: MapOptions, batch: Batch | Row, indices: number | number[]): unknown[] {
  const cols = o.inputColumns === undefined ? null : typeof o.inputColumns === 'string' ? [o.inputColumns] : o.inputColumns;
  const args: unknown[] = cols ? cols.map((c) => batch[c]) : [batch];
  if (o.withIndices) args.push(indices);
  if (o.fnKwargs) args.push(o.fnKwargs);
  return args;
}

function toRows(ds: Dataset, batch: Batch, n: number): Row[] {
  return Array.from({ length: n }, (_, i) => Object.fromEntries(Object.keys(batch).map((k) => [k, batch[k][i]])));
}

/** Collects one output column across batches, keeping tokenizer output flat. */
class OutputColumn {
  ragged: Ragged[] = [];
  arrays: unknown[][] = [];
  rows = 0;
  push(values: unknown[] | null, ragged: Ragged | undefined): void {
    if (ragged && this.arrays.length === 0) {
      this.ragged.push(ragged);
      this.rows += ragged.offsets.length - 1;
      return;
    }
    if (this.ragged.length) {
      // Mixed sources: fall back to plain arrays for everything.
      for (const r of this.ragged) this.arrays.push(Array.from({ length: r.offsets.length - 1 }, (_, i) => Array.from(r.values.subarray(r.offsets[i], r.offsets[i + 1]))));
      this.ragged = [];
    }
    const v = values ?? [];
    this.arrays.push(v);
    this.rows += v.length;
  }
  concatRagged(): Ragged {
    const total = this.ragged.reduce((s, r) => s + (r.offsets[r.offsets.length - 1] - r.offsets[0]), 0);
    const values = new Int32Array(total);
    const offsets = new Int32Array(this.rows + 1);
    let row = 0;
    let pos = 0;
    for (const r of this.ragged) {
      const n = r.offsets.length - 1;
      values.set(r.values.subarray(r.offsets[0], r.offsets[n]), pos);
      for (let i = 1; i <= n; i++) offsets[row + i] = pos + r.offsets[i] - r.offsets[0];
      pos += r.offsets[n] - r.offsets[0];
      row += n;
    }
    return { values, offsets };
  }
}

function plainValues(value: unknown, key: string): unknown[] {
  if (isTensor(value)) return value.toArray() as unknown[];
  if (!Array.isArray(value)) throw new TypeError(`map: a batched function must return lists (one value per example); '${key}' is ${value === null ? 'null' : typeof value}`);
  return value.map((v) => (isTensor(v) ? v.toArray() : v));
}

function checkRemoveColumns(ds: Dataset, o: MapOptions): string[] {
  const list = o.removeColumns === undefined ? [] : typeof o.removeColumns === 'string' ? [o.removeColumns] : o.removeColumns;
  for (const c of list) if (!ds.state.columns.has(c)) throw unknownColumn(c, ds.columnNames, 'map: removeColumns');
  return list;
}

// The outside names the cache key cannot see. Names only called (`tokenizer(...)`) are seen
// when there are no more of them than the fingerprints recorded while the function ran.
function unseenNames(fn: MapFunction, deps: Set<string>): string[] {
  const { read, called } = outerNames(fn);
  return read.every((n) => called.includes(n)) && called.length <= deps.size ? [] : read;
}

const warnedSources = new Set<string>();
function warnUnseen(op: 'map' | 'filter', fn: MapFunction, names: string[]): void {
  const source = fn.toString();
  if (warnedSources.has(source)) return;
  warnedSources.add(source);
  process.emitWarning(`${op}: the function reads ${names.map((n) => `'${n}'`).join(', ')} from outside itself, which its fingerprint ` +
    `(source, fnKwargs and the tokenizers it calls) cannot see, so a cached result is never reused for it. Pass those values in ` +
    `fnKwargs, or set newFingerprint to a name that changes whenever they do, to cache it.`, 'FingerprintWarning');
}

const MAP_OPTIONS = new Set(['batched', 'batchSize', 'removeColumns', 'fnKwargs', 'withIndices', 'inputColumns', 'loadFromCacheFile', 'newFingerprint', 'features', 'dropLastBatch', 'desc']);
const FILTER_OPTIONS = new Set(['batched', 'batchSize', 'fnKwargs', 'withIndices', 'inputColumns', 'newFingerprint', 'desc']);

export async function mapDataset(ds: Dataset, fn: MapFunction, options: MapOptions = {}): Promise<Dataset> {
  if (typeof fn !== 'function') throw new TypeError('map: expected a function');
  // Hugging Face's snake_case names (remove_columns, batch_size, ...) are accepted too.
  const o = normalizeOptions<MapOptions>(options, MAP_OPTIONS, 'map');
  const remove = checkRemoveColumns(ds, o);
  const batched = o.batched ?? false;
  const batchSize = batched ? (o.batchSize === null || o.batchSize === undefined ? 1000 : o.batchSize <= 0 ? Math.max(1, ds.numRows) : o.batchSize) : 1;
  const args = { batched, batchSize: batched ? batchSize : undefined, remove, fnKwargs: o.fnKwargs, withIndices: o.withIndices, inputColumns: o.inputColumns, features: o.features, dropLastBatch: o.dropLastBatch };
  const baseKey = o.newFingerprint ?? hashParts(ds.fingerprint, 'map', fn.toString(), stableStringify(args));
  const useCache = isCachingEnabled() && ds.state.cacheable && (o.loadFromCacheFile ?? true);
  const indexPath = useCache ? cachePath(`finetune-map-${baseKey}.json`) : '';
  const keyFor = (deps: Set<string>): string => hashParts(baseKey, [...deps].sort().join(','));

  if (useCache && existsSync(indexPath) && ds.numRows > 0) {
    // Learn which tokenizers the function uses by running it on one example.
    const deps = new Set<string>();
    const probe = ds.getBatch(0, 1);
    await runRecordingDependencies(deps, () => fn(...callArgs(ds, o, batched ? probe : toRows(ds, probe, 1)[0], batched ? [0] : 0)));
    const file = cachePath(`finetune-map-${keyFor(deps)}.arrow`);
    const unseen = o.newFingerprint === undefined ? unseenNames(fn, deps) : [];
    if (unseen.length > 0) warnUnseen('map', fn, unseen);
    const cached = unseen.length === 0 && existsSync(file) ? readArrowCache(file) : null;
    if (cached) {
      const { columns, features, numRows } = cached;
      return new Dataset({ ...ds.state, columns, features, numRows, indices: null, fingerprint: keyFor(deps), cacheFiles: [file], cacheable: true });
    }
  }

  const deps = new Set<string>();
  const outputs = new Map<string, OutputColumn>();
  const n = ds.numRows;
  const lastStart = batched && o.dropLastBatch ? n - (n % batchSize) : n;
  const starts: number[] = [];
  for (let s = 0; s < lastStart; s += batchSize) starts.push(s);
  let rowsOut = 0;
  let changedRowCount = false;

  const invoke = (start: number): Promise<[number, number, unknown]> => {
    const end = Math.min(start + batchSize, n);
    const batch = ds.getBatch(start, end);
    const indices = Array.from({ length: end - start }, (_, k) => start + k);
    const input = batched ? batch : toRows(ds, batch, 1)[0];
    return Promise.resolve(runRecordingDependencies(deps, () => fn(...callArgs(ds, o, input, batched ? indices : start)))).then((r) => [start, end, r]);
  };

  const ingest = ([start, end, result]: [number, number, unknown]): void => {
    const inRows = end - start;
    if (result === undefined || result === null) {
      if (batched && !changedRowCount) rowsOut += inRows;
      else rowsOut += 1;
      if (outputs.size) throw new Error(`map: the function returned nothing for rows ${start}..${end - 1} but a dict for earlier rows`);
      return;
    }
    if (typeof result !== 'object') throw new TypeError(`map: the function must return an object (a dict of ${batched ? 'lists' : 'values'}), got ${typeof result}`);
    const enc = result instanceof BatchEncoding ? result : null;
    const keys = enc ? enc.keys() : Object.keys(result as object);
    let batchRows = -1;
    for (const key of keys) {
      if (!outputs.has(key)) {
        if (rowsOut > 0) throw new Error(`map: the function returned '${key}' for rows from ${start} but not for earlier rows`);
        outputs.set(key, new OutputColumn());
      }
      const col = outputs.get(key) as OutputColumn;
      const ragged = enc?.raggedColumn(key);
      if (batched) {
        const values = ragged ? null : plainValues((result as Record<string, unknown>)[key], key);
        const count = ragged ? ragged.offsets.length - 1 : (values as unknown[]).length;
        if (batchRows >= 0 && count !== batchRows) throw new Error(`map: the function returned columns of different lengths for rows ${start}..${end - 1} ('${key}' has ${count}, others ${batchRows})`);
        batchRows = count;
        col.push(values, ragged);
      } else {
        const v = (result as Record<string, unknown>)[key];
        col.push([isTensor(v) ? v.toArray() : v], undefined);
        batchRows = 1;
      }
    }
    for (const [key, col] of outputs) {
      if (!keys.includes(key)) throw new Error(`map: the function returned no '${key}' for rows ${start}..${end - 1}, but did for earlier rows`);
      void col;
    }
    enc?.releaseEncodings();
    if (batchRows !== inRows) changedRowCount = true;
    rowsOut += batchRows;
  };

  // Two batches in flight: the next batch tokenizes on the library's threads while this
  // thread converts the previous one's results.
  const depth = batched ? 2 : 1;
  const pending: Promise<[number, number, unknown]>[] = [];
  for (const s of starts) {
    pending.push(invoke(s));
    if (pending.length >= depth) ingest(await (pending.shift() as Promise<[number, number, unknown]>));
  }
  while (pending.length) ingest(await (pending.shift() as Promise<[number, number, unknown]>));

  // Assemble: kept input columns (gathered through the index mapping), then outputs.
  const keptNames = ds.columnNames.filter((c) => !remove.includes(c) && !outputs.has(c));
  const truncated = lastStart !== n;
  if ((changedRowCount || truncated) && keptNames.length) {
    throw new Error(`map: the function changed the number of rows (${n} → ${rowsOut}), so the input columns [${keptNames.join(', ')}] cannot be kept; ` +
      `pass them in removeColumns`);
  }
  const columns = new Map<string, Column>();
  const features: Features = {};
  const physical = ds.state.indices;
  const order = [...ds.columnNames.filter((c) => !remove.includes(c)), ...[...outputs.keys()].filter((k) => !ds.state.columns.has(k) || remove.includes(k))];
  for (const name of order) {
    const out = outputs.get(name);
    if (!out) {
      const v = ds.state.columns.get(name) as Column;
      columns.set(name, physical ? gatherColumn(v, ds.state.features[name], physical) : v);
      features[name] = ds.state.features[name];
      continue;
    }
    const [column, feature] = buildOutput(name, out, o.features?.[name] ?? (remove.includes(name) ? undefined : ds.state.features[name]));
    columns.set(name, column);
    features[name] = feature;
  }
  // A result that depends on what the fingerprint cannot see gets a fresh one, as datasets does for
  // unhashable transforms, so neither this cache nor a later transform's can be hit with stale rows.
  const stale = o.newFingerprint === undefined && unseenNames(fn, deps).length > 0;
  if (stale) warnUnseen('map', fn, unseenNames(fn, deps));
  const key = stale ? randomFingerprint() : keyFor(deps);
  const numRows = rowsOut;
  let cacheFiles: string[] = [];
  if (useCache && !stale) {
    const file = cachePath(`finetune-map-${key}.arrow`);
    writeArrowFile(file, columns, features, numRows);
    writeFileAtomic(indexPath, JSON.stringify({ written: new Date().toISOString(), fn: fn.toString().slice(0, 500) }));
    cacheFiles = [file];
  }
  return new Dataset({ ...ds.state, columns, features, numRows, indices: null, fingerprint: key, cacheFiles });
}

function buildOutput(name: string, out: OutputColumn, hint: Feature | undefined): [Column, Feature] {
  if (out.ragged.length) {
    const feature = hint instanceof Sequence ? hint : OPTIMIZED_COLUMNS[name] ?? new Sequence(new Value('int64'));
    return [buildRaggedColumn(out.concatRagged(), feature as Sequence), feature];
  }
  const values = out.arrays.length === 1 ? out.arrays[0] : out.arrays.flat(1);
  if (hint) {
    try {
      return [buildColumn(values, hint), hint];
    } catch {
      // The function changed the column's type: infer the new one below.
    }
  }
  const locate = (i: number): string => `map output '${name}', row ${i}`;
  const feature = inferFeature(values, name, locate);
  return [buildColumn(values, feature, locate), feature];
}

export interface FilterOptions {
  batched?: boolean;
  batchSize?: number;
  fnKwargs?: Record<string, unknown>;
  withIndices?: boolean;
  inputColumns?: string | string[];
  newFingerprint?: string;
  desc?: string;
}

/** Keeps the rows for which fn returns true (an index mapping over the same columns). */
export async function filterDataset(ds: Dataset, fn: MapFunction, options: FilterOptions = {}): Promise<Dataset> {
  const o = normalizeOptions<FilterOptions>(options, FILTER_OPTIONS, 'filter');
  const batched = o.batched ?? false;
  const batchSize = batched ? o.batchSize ?? 1000 : 1;
  const keep: number[] = [];
  const deps = new Set<string>();
  for (let s = 0; s < ds.numRows; s += batchSize) {
    const e = Math.min(s + batchSize, ds.numRows);
    const batch = ds.getBatch(s, e);
    const input = batched ? batch : toRows(ds, batch, 1)[0];
    const idx = batched ? Array.from({ length: e - s }, (_, k) => s + k) : s;
    const result = await runRecordingDependencies(deps, () => fn(...callArgs(ds, o, input, idx)));
    const flags = batched ? result : [result];
    if (!Array.isArray(flags) || flags.length !== e - s) {
      throw new TypeError(`filter: a batched function must return one boolean per example (${e - s}), got ${Array.isArray(flags) ? flags.length : typeof flags}`);
    }
    flags.forEach((f, k) => { if (f) keep.push(ds.physical(s + k)); });
  }
  const unseen = o.newFingerprint === undefined ? unseenNames(fn, deps) : [];
  if (unseen.length > 0) warnUnseen('filter', fn, unseen);
  const fingerprint = o.newFingerprint ?? (unseen.length > 0 ? randomFingerprint() : hashParts(ds.fingerprint, 'filter', fn.toString(), stableStringify({ ...o }), [...deps].sort().join(',')));
  return ds.derive('filter', null, { indices: Uint32Array.from(keep), numRows: keep.length, fingerprint });
}
