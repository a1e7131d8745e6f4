// How Accelerate splits a DataLoader over processes (its data_loader.py). Training: whole
// batches round-robin (process p takes batches p, p + N, …), every process the same number,
// the last ones completed by cycling from the start (even_batches), so one step on N
// processes sees the N batches one process would see in N steps. Evaluation: each process a
// contiguous block of the samples, nothing repeated, so gathering in process order gives the
// evaluation set exactly once, in order.
import { DataLoader } from '../data/dataloader.js';
import { BatchSampler } from '../data/samplers.js';
import type { Sampler } from '../data/samplers.js';

/** Batches p, p + N, p + 2N, … of the inner batch sampler; the epoch passes through to its sampler. */
export class BatchSamplerShard implements Iterable<number[]> {
  constructor(readonly inner: Iterable<number[]> & { length: number; sampler?: Sampler }, readonly numProcesses: number, readonly processIndex: number) {}

  get length(): number {
    return Math.ceil(this.inner.length / this.numProcesses);
  }

  setEpoch(epoch: number): void {
    this.inner.sampler?.setEpoch?.(epoch);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    const all = [...this.inner];
    for (let k = 0; k < this.length; k++) yield all[(k * this.numProcesses + this.processIndex) % all.length];
  }
}

/** The samples [start, end) in order: one process's block of an evaluation set. */
class BlockSampler implements Sampler {
  constructor(readonly start: number, readonly end: number) {}
  get length(): number {
    return this.end - this.start;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = this.start; i < this.end; i++) yield i;
  }
}

export function shardTrainLoader<B>(loader: DataLoader<B>, numProcesses: number, processIndex: number): DataLoader<B> {
  const shard = new BatchSamplerShard(loader.batchSampler as BatchSampler, numProcesses, processIndex);
  return new DataLoader<B>(loader.dataset, { batchSampler: shard, collateFn: loader.collateFn });
}

/** Process p's contiguous block: the first (n mod N) processes take one sample more. */
export function shardEvalLoader<B>(loader: DataLoader<B>, numProcesses: number, processIndex: number): DataLoader<B> {
  const n = loader.sampler.length;
  const base = Math.floor(n / numProcesses);
  const extra = n % numProcesses;
  const start = processIndex * base + Math.min(processIndex, extra);
  const end = start + base + (processIndex < extra ? 1 : 0);
  const batches = new BatchSampler(new BlockSampler(start, end), loader.batchSize ?? 1, loader.dropLast);
  return new DataLoader<B>(loader.dataset, { batchSampler: batches, collateFn: loader.collateFn });
}
