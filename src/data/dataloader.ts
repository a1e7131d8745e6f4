// DataLoader: batches of tensors from a dataset, as PyTorch's torch.utils.data.DataLoader.
// Iterate with `for (const batch of loader)` (synchronous collate functions) or
// `for await (const batch of loader)` (any collate function, including async ones).
import { Dataset, type Row } from '../datasets/dataset.js';
import { empty } from '../engine/factories.js';
import { defaultDataCollator } from './collators.js';
import { Dataset as MapDataset, lengthOf, pythonStyleDatasetError } from './dataset.js';
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

/** What a DataLoader reads: a Hugging Face Dataset, an array of examples, or a data.Dataset subclass. */
export type LoaderDataset<T = Row> = Dataset | IndexedData<T> | MapDataset<T>;

export class DataLoader<B = ReturnType<typeof defaultDataCollator>> {
  readonly dataset: LoaderDataset;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Sampler;
  readonly batchSampler: Iterable<number[]> & { length: number };
  readonly collateFn: (examples: Row[]) => B | Promise<B>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(dataset: LoaderDataset<any>, options: DataLoaderOptions<B> = {}) {
    const pythonStyle = pythonStyleDatasetError('DataLoader', dataset);
    if (pythonStyle) throw pythonStyle;
    this.dataset = dataset;
    const n = lengthOf('DataLoader', dataset);
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

  /** The examples at the given positions, from whichever kind of dataset this reads. */
  fetch(indices: number[]): Row[] {
    const ds = this.dataset;
    if (ds instanceof Dataset) return ds.getRows(indices);
    const get = ds instanceof MapDataset ? (i: number) => ds.getItem(i) : (i: number) => (ds as IndexedData)[i];
    return indices.map((i) => {
      const row = get(i);
      if (row === undefined) {
        throw new TypeError(`DataLoader: example ${i} of the dataset is undefined; a hand-written dataset extends data.Dataset and returns an example from getItem(index)`);
      }
      return row;
    });
  }

  /** One pass's batches of indices, after the base-seed draw every PyTorch iteration makes. */
  *batchIndices(): Generator<number[]> {
    drawBaseSeed();
    yield* this.batchSampler;
  }

  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batchIndices()) {
      const batch = this.collateFn(this.fetch(indices));
      if (batch instanceof Promise) throw new TypeError('DataLoader: the collate function is async; iterate with `for await`');
      yield batch;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const indices of this.batchIndices()) yield await this.collateFn(this.fetch(indices));
  }
}

/**
 * torch.utils.data's iterator draws a base seed (for its workers) from the global generator
 * before the sampler runs; drawn here too, so that a sampler, dropout or anything after the
 * iteration starts draws the numbers it draws in PyTorch.
 */
function drawBaseSeed(): void {
  const seed = empty([], { dtype: 'int64' });
  seed.random_();
  seed.dispose();
}
