// Dataset: Hugging Face's columnar table of examples. Columns are Arrow vectors; row
// selections (select, shuffle, filter) are an index mapping over them, not copies.
// `dataset[i]` reads a row and `dataset.column(name)` a column.
import { inspect } from 'node:util';
import { buildColumn, ColumnReader, gatherColumn, type Column } from './columns.js';
import { ClassLabel, featureEquals, featuresRepr, type Feature, type Features } from './features.js';
import { hashParts, randomFingerprint, stableStringify } from '../util/fingerprint.js';
import { formatColumn, formatValue, NO_FORMAT, normalizeFormatType, type Format, type FormatType } from './format.js';
import { inferFeature } from './infer.js';
import { Generator } from './random.js';
import { DatasetDict } from './dataset-dict.js';
import { assertNotPromise } from '../tokenizers/not-awaited.js';
import { toCsv, toJson, toParquet } from './export.js';
import { filterDataset, mapDataset, type FilterOptions, type MapFunction, type MapOptions } from './map.js';
import { splitIndices, type TrainTestSplitOptions } from './split.js';

export type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Batch = Record<string, any[]>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Internal state; transforms build new states, never mutate a dataset's columns. */
export interface DatasetState {
  columns: Map<string, Column>;
  features: Features;
  numRows: number;
  /** Physical row of each logical row, or null for the identity. */
  indices: Uint32Array | null;
  fingerprint: string;
  /** Whether map results may be cached on disk (true for data that came from files). */
  cacheable: boolean;
  split: string | null;
  format: Format;
  cacheFiles: string[];
}

const proxyHandler: ProxyHandler<Dataset> = {
  get(target, prop, receiver) {
    if (typeof prop === 'string' && !(prop in target)) {
      if (/^-?\d+$/.test(prop)) return target.get(Number(prop));
      if (target.state.columns.has(prop)) return target.column(prop);
    }
    return Reflect.get(target, prop, receiver);
  },
};

/** A column's values as typed: the element type of a known row type, `any` for an untyped dataset. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ColumnOf<R, K extends keyof R> = Row extends R ? any : R[K][];

/**
 * R is the row type where it is known (fromDict, fromList infer it), so `ds.get(0).label` and
 * `ds.column('label')` are typed; transforms that change columns (map, removeColumns, …) give
 * an untyped Dataset. Under setFormat('torch') numeric columns read as tensors.
 */
export class Dataset<R extends Row = Row> {
  /** Rows by position, as `dataset[0]` in Hugging Face (negative counts from the end). */
  [index: number]: R;
  declare readonly state: DatasetState;

  constructor(state: DatasetState) {
    Object.defineProperty(this, 'state', { value: state, enumerable: false });
    for (const name of Object.keys(state.features)) {
      if (!state.columns.has(name)) throw new Error(`Dataset: feature '${name}' has no column`);
    }
    // biome-ignore lint: the proxy adds dataset[i] and dataset[columnName].
    return new Proxy(this, proxyHandler as ProxyHandler<Dataset<R>>);
  }

  /** A dataset from columns (`{text: [...], label: [...]}`), features inferred unless given. */
  static fromDict<D extends Record<string, readonly unknown[]>>(data: D, options: { features?: Features; split?: string } = {}): Dataset<{ [K in keyof D & string]: D[K][number] }> {
    const names = Object.keys(options.features ?? data);
    const lengths = new Set(Object.values(data).map((v) => v.length));
    if (lengths.size > 1) throw new Error(`Dataset.fromDict: columns have different lengths (${[...lengths].join(', ')})`);
    const numRows = lengths.size ? [...lengths][0] : 0;
    const columns = new Map<string, Column>();
    const features: Features = {};
    for (const name of names) {
      if (!(name in data)) throw new Error(`Dataset.fromDict: no data for feature '${name}'`);
      const feature = options.features?.[name] ?? inferFeature(data[name], name);
      features[name] = feature;
      columns.set(name, buildColumn(data[name] as unknown[], feature, (i) => `column '${name}', row ${i}`));
    }
    return new Dataset({
      columns, features, numRows, indices: null, fingerprint: randomFingerprint(), cacheable: false,
      split: options.split ?? null, format: NO_FORMAT, cacheFiles: [],
    }) as Dataset<{ [K in keyof D & string]: D[K][number] }>;
  }

  /** A dataset from a list of rows. */
  static fromList<R extends Row>(rows: R[], options: { features?: Features } = {}): Dataset<R> {
    assertNotPromise(rows, 'Dataset.fromList');
    const names = Object.keys(options.features ?? rows[0] ?? {});
    const data: Record<string, unknown[]> = Object.fromEntries(names.map((n) => [n, new Array(rows.length)]));
    rows.forEach((row, i) => {
      for (const n of names) {
        if (!(n in row)) throw new Error(`Dataset.fromList: row ${i} has no '${n}'`);
        data[n][i] = row[n];
      }
    });
    return Dataset.fromDict(data, options) as unknown as Dataset<R>;
  }

  get numRows(): number { return this.state.numRows; }
  get columnNames(): string[] { return Object.keys(this.state.features); }
  get features(): Features & Record<string, any> { return this.state.features; } // eslint-disable-line @typescript-eslint/no-explicit-any
  get numColumns(): number { return this.columnNames.length; }
  get shape(): [number, number] { return [this.numRows, this.numColumns]; }
  get split(): string | null { return this.state.split; }
  get fingerprint(): string { return this.state.fingerprint; }
  get cacheFiles(): { filename: string }[] { return this.state.cacheFiles.map((filename) => ({ filename })); }
  get format(): { type: string | null; columns: string[]; outputAllColumns: boolean } {
    return { type: this.state.format.type, columns: this.state.format.columns ?? this.columnNames, outputAllColumns: this.state.format.outputAllColumns };
  }
  get length(): number { return this.state.numRows; }

  /** Physical row of logical row i. */
  physical(i: number): number {
    return this.state.indices ? this.state.indices[i] : i;
  }

  reader(name: string): ColumnReader {
    const column = this.state.columns.get(name);
    if (!column) throw unknownColumn(name, this.columnNames);
    return new ColumnReader(column, this.state.features[name]);
  }

  private checkIndex(i: number): number {
    const n = this.numRows;
    const j = i < 0 ? n + i : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`Dataset: index ${i} out of range for ${n} rows`);
    return j;
  }

  private outputColumns(): string[] {
    const f = this.state.format;
    if (f.type === null || f.columns === null || f.outputAllColumns) return this.columnNames;
    return f.columns;
  }

  /** One row, formatted by the dataset's format. */
  get(i: number): R {
    const p = this.physical(this.checkIndex(i));
    const row: Row = {};
    const f = this.state.format;
    for (const name of this.outputColumns()) {
      const reader = this.reader(name);
      const value = reader.get(p);
      const formatted = f.type === 'torch' && (f.columns === null || f.columns.includes(name));
      row[name] = formatted ? formatValue(value, this.state.features[name], reader, p) : value;
    }
    return row as R;
  }

  at(i: number): R { return this.get(i); }

  /** Several rows by position, formatted (what a DataLoader fetches for one batch). */
  getRows(positions: ArrayLike<number>): R[] {
    const f = this.state.format;
    const names = this.outputColumns();
    const readers = names.map((n) => this.reader(n));
    const torchCols = names.map((n) => f.type === 'torch' && (f.columns === null || f.columns.includes(n)));
    return Array.from(positions, (i) => {
      const p = this.physical(this.checkIndex(i));
      const row: Row = {};
      names.forEach((n, k) => {
        const v = readers[k].get(p);
        row[n] = torchCols[k] ? formatValue(v, this.state.features[n], readers[k], p) : v;
      });
      return row as R;
    });
  }

  /** A column's values (a tensor under the 'torch' format when numeric). */
  column<K extends keyof R & string>(name: K): ColumnOf<R, K> {
    const reader = this.reader(name);
    const values = this.state.indices ? reader.gather(this.state.indices) : reader.range(0, this.numRows);
    const f = this.state.format;
    if (f.type === 'torch' && (f.columns === null || f.columns.includes(name))) return formatColumn(values, this.state.features[name]) as ColumnOf<R, K>;
    return values as ColumnOf<R, K>;
  }

  /** Rows [start, end) as columns (`dataset[start:end]` in Hugging Face), unformatted. */
  getBatch(start: number, end: number, names: string[] = this.columnNames): Batch {
    const out: Batch = {};
    const s = Math.max(0, Math.min(start, this.numRows));
    const e = Math.max(s, Math.min(end, this.numRows));
    for (const name of names) {
      const reader = this.reader(name);
      out[name] = this.state.indices ? reader.gather(this.state.indices, s, e) : reader.range(s, e);
    }
    return out;
  }

  *[Symbol.iterator](): Iterator<R> {
    for (let i = 0; i < this.numRows; i++) yield this.get(i);
  }

  /** Batches of rows as columns (`dataset.iter(batch_size)`). */
  *iter(options: { batchSize: number; dropLastBatch?: boolean }): IterableIterator<Batch> {
    for (let s = 0; s < this.numRows; s += options.batchSize) {
      if (options.dropLastBatch && s + options.batchSize > this.numRows) return;
      yield this.getBatch(s, s + options.batchSize);
    }
  }

  toList(): R[] {
    const names = this.columnNames;
    const readers = names.map((n) => this.reader(n));
    const rows: R[] = new Array(this.numRows);
    for (let i = 0; i < this.numRows; i++) {
      const p = this.physical(i);
      const row: Row = {};
      names.forEach((n, k) => { row[n] = readers[k].get(p); });
      rows[i] = row as R;
    }
    return rows;
  }

  toDict(): Batch {
    return this.getBatch(0, this.numRows);
  }

  // ----- derived datasets -------------------------------------------------------------------
  derive(op: string, args: unknown, patch: Partial<DatasetState>): Dataset {
    const fingerprint = patch.fingerprint ?? hashParts(this.state.fingerprint, op, stableStringify(args));
    return new Dataset({ ...this.state, cacheFiles: [], ...patch, fingerprint });
  }

  /** Rows at the given positions, in that order (an index mapping; no copy). */
  select(indices: Iterable<number> | ArrayLike<number>): Dataset<R> {
    if (typeof indices === 'number') {
      throw new TypeError(`Dataset.select: pass the indices, not a count: select(range(${indices})) for the first ${indices} rows (range is exported by finetune, as Python's), or slice(0, ${indices})`);
    }
    const list = Uint32Array.from(Array.from(indices as ArrayLike<number>, (i) => this.physical(this.checkIndex(i))));
    return this.derive('select', hashParts(list.length.toString(), new Uint8Array(list.buffer)), { indices: list, numRows: list.length }) as Dataset<R>;
  }

  /** Rows [start, end) as a dataset, like Array.prototype.slice. */
  slice(start = 0, end = this.numRows): Dataset<R> {
    const n = this.numRows;
    const s = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
    const e = end < 0 ? Math.max(0, n + end) : Math.min(end, n);
    return this.select(Array.from({ length: Math.max(0, e - s) }, (_, k) => s + k));
  }

  /** A seeded permutation of the rows (index mapping). Same seed, same order. */
  shuffle(seedOrOptions: number | { seed?: number; generator?: Generator } = {}): Dataset<R> {
    // shuffle(42) is Python's positional shuffle(seed=42)
    const options = typeof seedOrOptions === 'number' ? { seed: seedOrOptions } : seedOrOptions;
    const gen = options.generator ?? new Generator(options.seed);
    const perm = gen.permutation(this.numRows);
    const indices = perm.map((i) => this.physical(i));
    const fingerprint = options.seed === undefined ? randomFingerprint() : undefined;
    return this.derive('shuffle', { seed: options.seed }, { indices, fingerprint }) as Dataset<R>;
  }

  removeColumns(names: string | string[]): Dataset {
    const list = typeof names === 'string' ? [names] : names;
    for (const n of list) if (!this.state.columns.has(n)) throw unknownColumn(n, this.columnNames, 'removeColumns');
    const columns = new Map([...this.state.columns].filter(([n]) => !list.includes(n)));
    const features = Object.fromEntries(Object.entries(this.state.features).filter(([n]) => !list.includes(n)));
    const format = { ...this.state.format, columns: this.state.format.columns?.filter((c) => !list.includes(c)) ?? null };
    return this.derive('removeColumns', list, { columns, features, format });
  }

  selectColumns(names: string | string[]): Dataset {
    const keep = typeof names === 'string' ? [names] : names;
    for (const n of keep) if (!this.state.columns.has(n)) throw unknownColumn(n, this.columnNames, 'selectColumns');
    return this.removeColumns(this.columnNames.filter((n) => !keep.includes(n)));
  }

  renameColumn(from: string, to: string): Dataset {
    return this.renameColumns({ [from]: to });
  }

  renameColumns(mapping: Record<string, string>): Dataset {
    for (const [from, to] of Object.entries(mapping)) {
      if (!this.state.columns.has(from)) throw unknownColumn(from, this.columnNames, 'renameColumn');
      if (this.state.columns.has(to) && !(to in mapping)) throw new Error(`renameColumn: a column named '${to}' already exists`);
    }
    const rename = (n: string): string => mapping[n] ?? n;
    const columns = new Map([...this.state.columns].map(([n, v]) => [rename(n), v]));
    const features = Object.fromEntries(Object.entries(this.state.features).map(([n, f]) => [rename(n), f]));
    const format = { ...this.state.format, columns: this.state.format.columns?.map(rename) ?? null };
    return this.derive('renameColumns', mapping, { columns, features, format });
  }

  /** Converts a column to another feature (e.g. Value('float32'), or ClassLabel from strings). */
  castColumn(name: string, feature: Feature): Dataset {
    const reader = this.reader(name);
    if (featureEquals(reader.feature, feature)) return this;
    const source = reader.feature;
    let values = reader.range(0, reader.vector.length);
    if (source instanceof ClassLabel && !(feature instanceof ClassLabel)) {
      // Ids to names when casting labels to strings, as Hugging Face does.
      if (JSON.stringify(feature.toJSON()).includes('string')) values = values.map((v) => (v === null || v === -1 ? null : source.int2str(v as number)));
    } else if (feature.toJSON()._type === 'Value') {
      const dtype = (feature.toJSON() as { dtype: string }).dtype;
      if (dtype === 'string') values = values.map((v) => (v === null ? null : String(v)));
      else if (/int|float/.test(dtype)) values = values.map((v) => (typeof v === 'string' ? (v.trim() === '' ? null : Number(v)) : v));
    }
    const column = buildColumn(values, feature, (i) => `castColumn('${name}'), row ${i}`);
    const columns = new Map(this.state.columns).set(name, column);
    return this.derive('castColumn', { name, feature }, { columns, features: { ...this.state.features, [name]: feature } });
  }

  cast(features: Features): Dataset {
    let ds: Dataset = this;
    for (const [name, f] of Object.entries(features)) ds = ds.castColumn(name, f);
    return ds;
  }

  addColumn(name: string, values: unknown[], feature?: Feature): Dataset {
    if (this.state.columns.has(name)) throw new Error(`addColumn: a column named '${name}' already exists`);
    if (values.length !== this.numRows) throw new Error(`addColumn: ${values.length} values for ${this.numRows} rows`);
    const f = feature ?? inferFeature(values, name);
    const base = this.flattenIndices();
    const columns = new Map(base.state.columns).set(name, buildColumn(values, f, (i) => `addColumn('${name}'), row ${i}`));
    return base.derive('addColumn', { name, values }, { columns, features: { ...base.state.features, [name]: f } });
  }

  /** Materialises the index mapping into new columns. */
  flattenIndices(): Dataset {
    const idx = this.state.indices;
    if (!idx) return this;
    const columns = new Map([...this.state.columns].map(([n, v]) => [n, gatherColumn(v, this.state.features[n], idx)]));
    return new Dataset({ ...this.state, columns, indices: null, cacheFiles: [] });
  }

  /** Distinct values of a column, in order of first appearance. */
  unique(name: string): unknown[] {
    return [...new Set(this.column(name) as unknown[])];
  }

  /**
   * Applies fn to each row (or each batch of rows with `batched: true`) and adds or replaces
   * the columns it returns. fn may be async. Results of datasets loaded from files are
   * cached on disk (see HF_DATASETS_CACHE).
   */
  map(fn: MapFunction, options: MapOptions = {}): Promise<Dataset> {
    return mapDataset(this, fn, options);
  }

  /** Keeps the rows for which fn returns true (fn may be async). */
  filter(fn: MapFunction, options: FilterOptions = {}): Promise<Dataset> {
    return filterDataset(this, fn, options);
  }

  /** Splits into `train` and `test` (optionally stratified by a ClassLabel column). */
  trainTestSplit(options: TrainTestSplitOptions = {}): DatasetDict<'train' | 'test'> {
    const { train, test } = splitIndices(this, options);
    const args = { ...options, generator: undefined };
    const seeded = options.seed !== undefined || options.shuffle === false;
    const part = (name: string, idx: Uint32Array): Dataset => this.derive(`trainTestSplit:${name}`, args, {
      indices: idx.map((i) => this.physical(i)), numRows: idx.length, ...(seeded ? {} : { fingerprint: randomFingerprint() }),
    });
    return new DatasetDict({ train: part('train', train), test: part('test', test) });
  }

  toJson(path: string, options: { lines?: boolean } = {}): number { return toJson(this, path, options); }
  toCsv(path: string, options: { delimiter?: string; header?: boolean } = {}): number { return toCsv(this, path, options); }
  toParquet(path: string): number { return toParquet(this, path); }

  // ----- format ---------------------------------------------------------------------------------
  /**
   * Sets the output format in place (as Hugging Face does): 'torch' gives tensors. The static
   * row type stays as it was; withFormat('torch') returns an untyped Dataset for tensor rows.
   */
  setFormat(type: FormatType, columns?: string[] | null, outputAllColumns = false): void {
    const t = normalizeFormatType(type);
    for (const c of columns ?? []) if (!this.state.columns.has(c)) throw unknownColumn(c, this.columnNames, 'setFormat');
    this.state.format = { type: t, columns: columns ?? null, outputAllColumns };
  }

  resetFormat(): void {
    this.state.format = NO_FORMAT;
  }

  /** A copy with the given format, leaving this dataset's format alone. */
  withFormat(type: FormatType, columns?: string[] | null, outputAllColumns = false): Dataset {
    const copy = new Dataset({ ...this.state });
    copy.setFormat(type, columns, outputAllColumns);
    return copy;
  }

  toString(): string {
    return `Dataset({\n    features: [${this.columnNames.map((n) => `'${n}'`).join(', ')}],\n    num_rows: ${this.numRows}\n})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** The features as Hugging Face prints them. */
  featuresRepr(): string {
    return featuresRepr(this.state.features);
  }
}

export function unknownColumn(name: string, available: string[], where = 'Dataset'): Error {
  return new Error(`${where}: column '${name}' not in the dataset; the columns are [${available.map((c) => `'${c}'`).join(', ')}]`);
}
