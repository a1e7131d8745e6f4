// DataLoader: batches of tensors from a dataset, as PyTorch's torch.utils.data.DataLoader.
// Iterate with `for (const batch of loader)` (synchronous collate functions) or
// `for await (const batch of loader)` (any collate function, including async ones).
import { Dataset, type Row } from '../datasets/dataset.js';
import { defaultDataCollator } from './collators.js';
import { BatchSampler, RandomSampler, SequentialSampler, type Sampler } from './samplers.js';

/** Anything indexable with a length: a Dataset, an array of examples, ... */
export interface IndexedData<T = Row> {
  readonly length: number;
  [index: number]: T;
}

export interface DataLoaderOptions<B> {
  batchSize?: number;
  shuffle?: boolean;
  /** Seed of the shuffle order; each epoch gets a new order derived from it. */
  seed?: number;
  dropLast?: boolean;
  sampler?: Sampler;
  batchSampler?: Iterable<number[]> & { length: number };
  collateFn?: (examples: Row[]) => B | Promise<B>;
}

export class DataLoader<B = ReturnType<typeof defaultDataCollator>> {
  readonly dataset: Dataset | IndexedData;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Sampler;
  readonly batchSampler: Iterable<number[]> & { length: number };
  readonly collateFn: (examples: Row[]) => B | Promise<B>;

  constructor(dataset: Dataset | IndexedData, options: DataLoaderOptions<B> = {}) {
    this.dataset = dataset;
    const n = dataset instanceof Dataset ? dataset.numRows : dataset.length;
    if (typeof n !== 'number') throw new TypeError('DataLoader: the dataset must have a length (a Dataset or an array)');
    if (options.batchSampler) {
      if (options.batchSize !== undefined || options.shuffle || options.sampler || options.dropLast) {
        throw new Error('DataLoader: batchSampler is mutually exclusive with batchSize, shuffle, sampler and dropLast');
      }
      this.batchSampler = options.batchSampler;
      this.batchSize = null;
      this.dropLast = false;
      this.sampler = new SequentialSampler(n);
    } else {
      if (options.sampler && options.shuffle) throw new Error('DataLoader: sampler and shuffle are mutually exclusive (shuffle with RandomSampler)');
      this.batchSize = options.batchSize ?? 1;
      this.dropLast = options.dropLast ?? false;
      this.sampler = options.sampler ?? (options.shuffle ? new RandomSampler(n, { seed: options.seed }) : new SequentialSampler(n));
      this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
    }
    this.collateFn = options.collateFn ?? (defaultDataCollator as unknown as (examples: Row[]) => B);
  }

  /** Number of batches per epoch. */
  get length(): number {
    return this.batchSampler.length;
  }

  /** Sets the epoch of the sampler (for reproducible shuffles when resuming or across ranks). */
  setEpoch(epoch: number): void {
    this.sampler.setEpoch?.(epoch);
    (this.batchSampler as { setEpoch?: (e: number) => void }).setEpoch?.(epoch);
  }

  private fetch(indices: number[]): Row[] {
    if (this.dataset instanceof Dataset) return this.dataset.getRows(indices);
    return indices.map((i) => (this.dataset as IndexedData)[i]);
  }

  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batchSampler) {
      const batch = this.collateFn(this.fetch(indices));
      if (batch instanceof Promise) throw new TypeError('DataLoader: the collate function is async; iterate with `for await`');
      yield batch;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const indices of this.batchSampler) yield await this.collateFn(this.fetch(indices));
  }
}
