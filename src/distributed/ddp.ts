// nn.parallel.DistributedDataParallel on c10d's Reducer, as torch/nn/parallel/distributed.py
// drives it: rank 0's parameters and buffers are broadcast at construction; each forward
// under grad tells the reducer a backward is coming; during backward the reducer all-reduces
// the gradients in buckets as they become ready (overlapping the rest of backward) and
// averages them over ranks. noSync() skips that for accumulation substeps.
import { N } from '../engine/native.js';
import type { Tensor } from '../engine/tensor.js';
import * as torch from '../engine/torch.js';
import { Module } from '../nn/module.js';
import { broadcastCoalesced, getWorldSize, groupHandle } from './process_group.js';

export interface DistributedDataParallelOptions {
  /** Search the forward's outputs for parameters that took no part (slower; needed when some don't). */
  findUnusedParameters?: boolean;
  /** Gradient bucket size in MiB (PyTorch's default 25). */
  bucketCapMb?: number;
  /** Copy rank 0's buffers to every rank before each forward (PyTorch's default true). */
  broadcastBuffers?: boolean;
  /** Gradients become views into the reducer's buckets (saves a copy). */
  gradientAsBucketView?: boolean;
}

// what DistributedDataParallel passes _sync_module_states
const BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024;

export class DistributedDataParallel<M extends Module = Module> extends Module {
  module: M;
  /** false inside noSync(): the forward does not arm the reducer, so gradients stay local. */
  requireBackwardGradSync = true;
  private readonly reducer: object;
  private readonly paramNames: string[];
  private readonly options: Required<DistributedDataParallelOptions>;

  constructor(module: M, options: DistributedDataParallelOptions = {}) {
    super();
    this.module = module;
    this.options = { findUnusedParameters: false, bucketCapMb: 25, broadcastBuffers: true, gradientAsBucketView: false, ...options };
    const named = [...module.namedParameters()].filter(([, p]) => p.requiresGrad);
    if (named.length === 0) throw new Error('DistributedDataParallel is not needed when a module doesn\'t have any parameter that requires a gradient.');
    this.paramNames = named.map(([n]) => n);
    const handle = groupHandle('DistributedDataParallel');
    // every rank starts from rank 0's weights and buffers
    torch.noGrad(() => broadcastCoalesced([...module.parameters(), ...module.buffers()], BROADCAST_BUCKET_BYTES, 0));
    const bucketBytes = Math.round(this.options.bucketCapMb * 1024 * 1024);
    this.reducer = N.distReducer(handle, named.map(([, p]) => p), this.paramNames, bucketBytes, this.options.findUnusedParameters, this.options.gradientAsBucketView);
  }

  forward(...inputs: unknown[]): unknown {
    const sync = torch.isGradEnabled() && this.requireBackwardGradSync;
    if (sync) N.distReducerPrepareForward(this.reducer);
    // as DistributedDataParallel.forward: under grad, every forward (synced or not) on every rank
    if (torch.isGradEnabled()) this.withNames(() => N.distReducerRebuildBuckets(this.reducer));
    if (this.options.broadcastBuffers && getWorldSize() > 1) {
      const buffers = this.module.buffers();
      if (buffers.length > 0) torch.noGrad(() => broadcastCoalesced(buffers, BROADCAST_BUCKET_BYTES, 0));
    }
    const output = (this.module as unknown as { forward(...a: unknown[]): unknown }).forward(...inputs);
    if (sync) N.distReducerPrepareForBackward(this.reducer, this.options.findUnusedParameters ? tensorsIn(output) : []);
    return output;
  }

  /** Runs fn (forward and backward of an accumulation substep) without gradient sync. */
  noSync<T>(fn: () => T): T {
    const previous = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.requireBackwardGradSync = previous;
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => (this.requireBackwardGradSync = previous)) as T;
    this.requireBackwardGradSync = previous;
    return result;
  }

  /**
   * The reducer reports parameters that got no gradient by index ("Parameter indices which did
   * not receive grad for rank 0: 3 4"); this names them and says what to set.
   */
  private withNames(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      const message = (error as Error).message;
      const match = /Parameter indices which did not receive grad for rank \d+: ([\d ]+)/.exec(message);
      if (!match) throw error;
      const names = match[1].trim().split(/\s+/).map((i) => this.paramNames[Number(i)] ?? `#${i}`);
      throw new Error(`DistributedDataParallel: these parameters received no gradient in the last backward: ${names.join(', ')}. ` +
        'Every parameter that requires grad must take part in the loss; if some legitimately do not (an unused head, a branch not taken), ' +
        'pass { findUnusedParameters: true }, or freeze them with requiresGrad_(false) before wrapping the model.');
    }
  }
}

/** Every tensor in a forward's output (a tensor, an array or an object of them), for findUnusedParameters. */
function tensorsIn(value: unknown, out: Tensor[] = []): Tensor[] {
  if (value instanceof torch.Tensor) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => tensorsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => tensorsIn(v, out));
  return out;
}
