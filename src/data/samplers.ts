// Samplers: the order in which a DataLoader visits examples, as in PyTorch and Hugging Face.
// Random orders come from a seed and the epoch number, so each epoch differs and any epoch
// can be reproduced on its own (after resuming, or on another data-parallel rank).
import { Generator } from '../datasets/random.js';
import { randperm } from '../engine/factories.js';

export interface Sized {
  readonly length: number;
}

export interface Sampler extends Iterable<number> {
  readonly length: number;
  /** Chooses the epoch whose order the next iteration gives. */
  setEpoch?(epoch: number): void;
}

function sizeOf(data: Sized | number): number {
  const n = typeof data === 'number' ? data : data.length;
  if (!Number.isInteger(n) || n < 0) throw new TypeError('sampler: the data source must have a length');
  return n;
}

function torchPermutation(n: number): number[] {
  const perm = randperm(n);
  try {
    return Array.from(perm.data() as BigInt64Array, Number);
  } finally {
    perm.dispose();
  }
}

/** Seeds for epochs: epoch e of seed s uses a generator seeded from (s, e). */
function epochGenerator(seed: number, epoch: number): Generator {
  return new Generator((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
}

export class SequentialSampler implements Sampler {
  readonly length: number;
  constructor(data: Sized | number) { this.length = sizeOf(data); }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  seed?: number;
  replacement?: boolean;
  numSamples?: number;
}

/**
 * The epoch bookkeeping of the shuffling samplers: an iteration draws from the epoch that
 * setEpoch chose, or else from the next epoch, so successive iterations differ.
 */
abstract class EpochSeeded {
  readonly seed: number;
  epoch = 0;
  private explicitEpoch = false;

  constructor(seed: number | undefined) {
    this.seed = seed ?? Math.floor(Math.random() * 2 ** 32);
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
    this.explicitEpoch = true;
  }

  protected nextGenerator(): Generator {
    const g = epochGenerator(this.seed, this.epoch);
    if (!this.explicitEpoch) this.epoch++;
    this.explicitEpoch = false;
    return g;
  }
}

/** A new permutation each epoch (or draws with replacement), reproducible from the seed. */
export class RandomSampler extends EpochSeeded implements Sampler {
  readonly size: number;
  readonly replacement: boolean;
  readonly numSamples: number;

  constructor(data: Sized | number, options: RandomSamplerOptions = {}) {
    super(options.seed);
    this.size = sizeOf(data);
    this.replacement = options.replacement ?? false;
    this.numSamples = options.numSamples ?? this.size;
    if (!this.replacement && this.numSamples > this.size) throw new RangeError('RandomSampler: numSamples exceeds the data size without replacement');
  }

  get length(): number { return this.numSamples; }

  *[Symbol.iterator](): Iterator<number> {
    const g = this.nextGenerator();
    if (this.replacement) {
      for (let k = 0; k < this.numSamples; k++) yield g.integers(this.size);
      return;
    }
    const perm = g.permutation(this.size);
    for (let k = 0; k < this.numSamples; k++) yield perm[k];
  }
}

export interface LengthGroupedSamplerOptions {
  /** Length of each example; or give `dataset` and the lengths of its `modelInputName` column. */
  lengths?: ArrayLike<number>;
  dataset?: { column(name: string): unknown; columnNames: string[] };
  modelInputName?: string;
  /**
   * Seeds this sampler's own generator (a new order each epoch). Left out, the order comes
   * from torch's global generator (torch.randperm), as Hugging Face's sampler without a
   * generator, which is how its Trainer builds it: the same seed then gives the same batches.
   */
  seed?: number;
}

/**
 * Hugging Face's group_by_length: shuffled, then sorted by length within megabatches of 50
 * batches, the longest example first, so batches hold similar lengths and padding shrinks.
 */
export class LengthGroupedSampler extends EpochSeeded implements Sampler {
  readonly lengths: number[];

  private readonly ownGenerator: boolean;

  constructor(readonly batchSize: number, options: LengthGroupedSamplerOptions) {
    super(options.seed);
    this.ownGenerator = options.seed !== undefined;
    if (options.lengths) this.lengths = Array.from(options.lengths);
    else if (options.dataset) {
      const name = options.modelInputName ?? 'input_ids';
      if (!options.dataset.columnNames.includes(name)) {
        throw new Error(`LengthGroupedSampler: the dataset has no '${name}' column (columns: ${options.dataset.columnNames.join(', ')}); pass lengths`);
      }
      this.lengths = (options.dataset.column(name) as ArrayLike<number>[]).map((r) => r.length);
    } else throw new TypeError('LengthGroupedSampler: give lengths or a dataset');
  }

  get length(): number { return this.lengths.length; }

  *[Symbol.iterator](): Iterator<number> {
    yield* lengthGroupedIndices(this.lengths, this.batchSize, this.ownGenerator ? this.nextGenerator() : null);
  }
}

/** Hugging Face's get_length_grouped_indices; g null: torch.randperm on the global generator. */
export function lengthGroupedIndices(lengths: number[], batchSize: number, g: Generator | null, megaBatchMult?: number): number[] {
  const n = lengths.length;
  const indices = g ? Array.from(g.permutation(n)) : torchPermutation(n);
  const mult = megaBatchMult ?? Math.max(1, Math.min(Math.floor(n / (batchSize * 4)), 50));
  const size = mult * batchSize;
  const megabatches: number[][] = [];
  for (let i = 0; i < n; i += size) megabatches.push(indices.slice(i, i + size).sort((a, b) => lengths[b] - lengths[a]));
  if (megabatches.length === 0) return [];
  let maxIdx = 0;
  megabatches.forEach((mb, k) => { if (lengths[mb[0]] > lengths[megabatches[maxIdx][0]]) maxIdx = k; });
  [megabatches[0][0], megabatches[maxIdx][0]] = [megabatches[maxIdx][0], megabatches[0][0]];
  return megabatches.flat();
}

export interface DistributedSamplerOptions {
  numReplicas: number;
  rank: number;
  shuffle?: boolean;
  seed?: number;
  dropLast?: boolean;
}

/**
 * PyTorch's DistributedSampler: every rank sees a disjoint 1/numReplicas of the (shuffled)
 * indices, the same permutation on all ranks for a given seed and epoch (call setEpoch).
 */
export class DistributedSampler implements Sampler {
  readonly size: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  epoch = 0;
  readonly numSamples: number;
  readonly totalSize: number;

  constructor(data: Sized | number, options: DistributedSamplerOptions) {
    this.size = sizeOf(data);
    const { numReplicas, rank } = options;
    if (!Number.isInteger(numReplicas) || numReplicas < 1) throw new RangeError(`DistributedSampler: numReplicas must be a positive integer, got ${numReplicas}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= numReplicas) throw new RangeError(`DistributedSampler: rank ${rank} must be in [0, ${numReplicas - 1}]`);
    this.numReplicas = numReplicas;
    this.rank = rank;
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
    this.numSamples = this.dropLast && this.size % numReplicas !== 0 ? Math.floor(this.size / numReplicas) : Math.ceil(this.size / numReplicas);
    this.totalSize = this.numSamples * numReplicas;
  }

  get length(): number { return this.numSamples; }

  setEpoch(epoch: number): void { this.epoch = epoch; }

  *[Symbol.iterator](): Iterator<number> {
    let indices = this.shuffle ? Array.from(epochGenerator(this.seed, this.epoch).permutation(this.size)) : Array.from({ length: this.size }, (_, i) => i);
    if (!this.dropLast) {
      // Repeat from the start so every rank gets the same number of samples.
      const padding = this.totalSize - indices.length;
      for (let k = 0; k < padding; k++) indices.push(indices[k % this.size]);
    } else indices = indices.slice(0, this.totalSize);
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) yield indices[i];
  }
}

/** Groups a sampler's indices into batches. */
export class BatchSampler implements Iterable<number[]> {
  constructor(readonly sampler: Sampler, readonly batchSize: number, readonly dropLast = false) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  get length(): number {
    return this.dropLast ? Math.floor(this.sampler.length / this.batchSize) : Math.ceil(this.sampler.length / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) { yield batch; batch = []; }
    }
    if (batch.length && !this.dropLast) yield batch;
  }
}
