// DatasetDict: named splits (`raw['train']`), with the Dataset transforms applied to each.
import { inspect } from 'node:util';
import type { Feature, Features } from './features.js';
import type { Dataset } from './dataset.js';
import type { FormatType } from './format.js';
import type { FilterOptions, MapFunction, MapOptions } from './map.js';

class DatasetDictBase<S extends string = string> {
  constructor(splits: Record<string, Dataset>) {
    for (const [name, ds] of Object.entries(splits)) {
      if (name in DatasetDictBase.prototype) throw new Error(`DatasetDict: '${name}' cannot be a split name (it is a method)`);
      Object.defineProperty(this, name, { value: ds, enumerable: true, writable: true, configurable: true });
    }
  }

  private splits(): [string, Dataset][] {
    return Object.entries(this) as [string, Dataset][];
  }

  private each(fn: (ds: Dataset, split: string) => Dataset): DatasetDict<S> {
    return new DatasetDictBase(Object.fromEntries(this.splits().map(([k, ds]) => [k, fn(ds, k)]))) as DatasetDict<S>;
  }

  private async eachAsync(fn: (ds: Dataset, split: string) => Promise<Dataset>): Promise<DatasetDict<S>> {
    const out: Record<string, Dataset> = {};
    for (const [k, ds] of this.splits()) out[k] = await fn(ds, k);
    return new DatasetDictBase(out) as DatasetDict<S>;
  }

  keys(): string[] { return Object.keys(this); }
  values(): Dataset[] { return Object.values(this) as Dataset[]; }
  entries(): [string, Dataset][] { return this.splits(); }
  has(split: string): boolean { return Object.prototype.hasOwnProperty.call(this, split); }
  get(split: string): Dataset {
    if (!this.has(split)) throw new Error(`DatasetDict: no split '${split}'; the splits are [${this.keys().join(', ')}]`);
    return (this as unknown as Record<string, Dataset>)[split];
  }

  get numRows(): Record<string, number> { return Object.fromEntries(this.splits().map(([k, ds]) => [k, ds.numRows])); }
  get columnNames(): Record<string, string[]> { return Object.fromEntries(this.splits().map(([k, ds]) => [k, ds.columnNames])); }
  get shape(): Record<string, [number, number]> { return Object.fromEntries(this.splits().map(([k, ds]) => [k, ds.shape])); }
  get cacheFiles(): Record<string, { filename: string }[]> { return Object.fromEntries(this.splits().map(([k, ds]) => [k, ds.cacheFiles])); }

  map(fn: MapFunction, options: MapOptions = {}): Promise<DatasetDict<S>> {
    return this.eachAsync((ds) => ds.map(fn, options));
  }
  filter(fn: MapFunction, options: FilterOptions = {}): Promise<DatasetDict<S>> {
    return this.eachAsync((ds) => ds.filter(fn, options));
  }
  /** Shuffles each split; `seeds` may give one seed per split. */
  shuffle(seedOrOptions: number | { seed?: number; seeds?: Record<string, number> } = {}): DatasetDict<S> {
    const options = typeof seedOrOptions === 'number' ? { seed: seedOrOptions } : seedOrOptions;
    return this.each((ds, k) => ds.shuffle({ seed: options.seeds?.[k] ?? options.seed }));
  }
  removeColumns(names: string | string[]): DatasetDict<S> { return this.each((ds) => ds.removeColumns(names)); }
  selectColumns(names: string | string[]): DatasetDict<S> { return this.each((ds) => ds.selectColumns(names)); }
  renameColumn(from: string, to: string): DatasetDict<S> { return this.each((ds) => ds.renameColumn(from, to)); }
  renameColumns(mapping: Record<string, string>): DatasetDict<S> { return this.each((ds) => ds.renameColumns(mapping)); }
  castColumn(name: string, feature: Feature): DatasetDict<S> { return this.each((ds) => ds.castColumn(name, feature)); }
  cast(features: Features): DatasetDict<S> { return this.each((ds) => ds.cast(features)); }
  flattenIndices(): DatasetDict<S> { return this.each((ds) => ds.flattenIndices()); }
  setFormat(type: FormatType, columns?: string[] | null, outputAllColumns = false): void {
    for (const [, ds] of this.splits()) ds.setFormat(type, columns, outputAllColumns);
  }
  resetFormat(): void {
    for (const [, ds] of this.splits()) ds.resetFormat();
  }
  withFormat(type: FormatType, columns?: string[] | null, outputAllColumns = false): DatasetDict<S> {
    return this.each((ds) => ds.withFormat(type, columns, outputAllColumns));
  }

  toString(): string {
    const body = this.splits().map(([k, ds]) => `    ${k}: ${ds.toString().replace(/\n/g, '\n    ')}`).join('\n');
    return `DatasetDict({\n${body}\n})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Named splits; `dict['train']` (or `dict.train`) is a Dataset, and assignable
 * (`raw.train = raw.train.shuffle(42)`). S names the splits where they are known
 * (trainTestSplit gives 'train' | 'test'), so they type-check under noUncheckedIndexedAccess.
 */
export type DatasetDict<S extends string = string> = DatasetDictBase<S> & { [split in S]: Dataset };

export const DatasetDict = DatasetDictBase as unknown as new <S extends string = string>(splits: Record<S, Dataset>) => DatasetDict<S>;

export function isDatasetDict(x: unknown): x is DatasetDict {
  return x instanceof DatasetDictBase;
}
