// Accelerate's Accelerator: the one place that knows how many processes there are, which
// device they use and at what precision. A training loop (the Trainer's or a hand-written one)
// asks it to prepare the model and data, to run the forward under autocast, to backward, to
// sync or not sync gradients while accumulating, to clip, to gather for metrics and to save
// and restore the training state. This class is the single-process implementation; a
// multi-process one overrides the process-specific methods and leaves the loops untouched.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { clipGradNorm_ } from '../nn/utils.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { loadOptimizer, loadRngState, loadScheduler, OPTIMIZER_META, rngFileName, saveOptimizer, saveRngState, saveScheduler, SCHEDULER_FILE } from './checkpointing.js';

export type MixedPrecision = 'no' | 'fp16' | 'bf16';
export type DistributedType = 'NO' | 'MULTI_CPU' | 'MULTI_GPU';

export interface AcceleratorOptions {
  /** 'bf16' or 'fp16' runs autocast() in that dtype; 'no' (default) runs in the parameters' dtype. */
  mixedPrecision?: MixedPrecision;
  /** backward() divides the loss by this, and accumulate() syncs gradients every this many batches. */
  gradientAccumulationSteps?: number;
  /** Stay on the CPU even when CUDA is available. */
  cpu?: boolean;
}

/** Whether the next optimizer step happens after this batch (Accelerate's GradientState). */
export interface GradientState {
  syncGradients: boolean;
  /** Batches seen by accumulate() since the last sync. */
  stepsSinceSync: number;
}

/** The training state saved next to the weights (saveState) and restored from them (loadState). */
export interface TrainingStateParts {
  optimizer?: Optimizer<ParamGroup> | null;
  scheduler?: LambdaLR | null;
  /** Save and restore the random generator too (true by default). */
  rng?: boolean;
}

type Preparable = Module | Optimizer<ParamGroup> | LambdaLR | object;

export class Accelerator {
  readonly device: torch.Device;
  readonly mixedPrecision: MixedPrecision;
  readonly gradientAccumulationSteps: number;
  readonly gradientState: GradientState = { syncGradients: true, stepsSinceSync: 0 };
  protected readonly prepared: { models: Module[]; optimizers: Optimizer<ParamGroup>[]; schedulers: LambdaLR[] } = { models: [], optimizers: [], schedulers: [] };

  constructor(options: AcceleratorOptions = {}) {
    this.mixedPrecision = options.mixedPrecision ?? 'no';
    this.gradientAccumulationSteps = options.gradientAccumulationSteps ?? 1;
    if (!Number.isInteger(this.gradientAccumulationSteps) || this.gradientAccumulationSteps < 1) {
      throw new RangeError(`Accelerator: gradientAccumulationSteps must be a positive integer, got ${options.gradientAccumulationSteps}`);
    }
    this.device = options.cpu || !torch.cuda.isAvailable() ? 'cpu' : 'cuda';
    if (this.mixedPrecision === 'fp16' && this.device === 'cpu') {
      throw new Error('fp16 mixed precision (--fp16) needs a CUDA device; on CPU use bf16 (--bf16, torch.autocast with bfloat16) instead');
    }
  }

  // ---- who am I: one process here; a distributed accelerator overrides these
  get distributedType(): DistributedType {
    return 'NO';
  }
  get numProcesses(): number {
    return 1;
  }
  get processIndex(): number {
    return 0;
  }
  get localProcessIndex(): number {
    return 0;
  }
  get isMainProcess(): boolean {
    return this.processIndex === 0;
  }
  get isLocalMainProcess(): boolean {
    return this.localProcessIndex === 0;
  }
  get syncGradients(): boolean {
    return this.gradientState.syncGradients;
  }

  /** Blocks until every process reaches this point (a barrier); nothing to wait for in one process. */
  async waitForEveryone(): Promise<void> {}

  /** console.log on the main process only. */
  print(...values: unknown[]): void {
    if (this.isMainProcess) console.log(...values);
  }

  // ---- preparation
  /**
   * Moves models to the device and registers models, optimizers and schedulers for saveState;
   * returns the objects in the order given (in several processes: the model wrapped for
   * gradient sync, each data loader sharded).
   */
  prepare<T extends Preparable[]>(...objects: T): T {
    return objects.map((o) => this.prepareOne(o)) as T;
  }

  protected prepareOne<T extends Preparable>(object: T): T {
    if (object instanceof Module) return this.prepareModel(object) as T;
    if (isOptimizer(object)) this.prepared.optimizers.push(object);
    else if (isScheduler(object)) this.prepared.schedulers.push(object);
    return object;
  }

  prepareModel<M extends Module>(model: M): M {
    if (this.device !== 'cpu') model.to(this.device);
    this.prepared.models.push(model);
    return model;
  }

  /** The model as the user built it (a distributed wrapper's inner module). */
  unwrapModel<M extends Module>(model: M): M {
    return model;
  }

  // ---- the step
  /** Runs fn under autocast in the mixed-precision dtype (or as is with 'no'). */
  autocast<T>(fn: () => T): T {
    const deviceType = this.device === 'cpu' ? 'cpu' : 'cuda';
    if (this.mixedPrecision === 'bf16') return torch.autocast(deviceType, { dtype: 'bfloat16' }, fn);
    if (this.mixedPrecision === 'fp16') return torch.autocast(deviceType, { dtype: 'float16' }, fn);
    return fn();
  }

  /** loss.backward(), the loss divided by gradientAccumulationSteps first, as Accelerate does. */
  backward(loss: Tensor): void {
    if (this.gradientAccumulationSteps > 1) torch.tidy(() => loss.div(this.gradientAccumulationSteps).backward());
    else loss.backward();
  }

  /**
   * Runs fn with gradient sync across processes turned off (the backward of a batch that is not
   * the last of an accumulation group). In one process gradients are local anyway.
   */
  noSync<T>(_model: Module, fn: () => T): T {
    return fn();
  }

  /**
   * Accelerate's accumulate(): counts batches and runs fn synced on every
   * gradientAccumulationSteps-th one (or when endOfData), under noSync otherwise.
   */
  accumulate<T>(model: Module, fn: () => T, options: { endOfData?: boolean } = {}): T {
    const state = this.gradientState;
    state.stepsSinceSync += 1;
    state.syncGradients = state.stepsSinceSync >= this.gradientAccumulationSteps || options.endOfData === true;
    if (state.syncGradients) state.stepsSinceSync = 0;
    return state.syncGradients ? fn() : this.noSync(model, fn);
  }

  /** Sets whether the coming backward is the last of its accumulation group (the Trainer's own counting). */
  setSyncGradients(sync: boolean): void {
    this.gradientState.syncGradients = sync;
  }

  /** Clips the gradients' total norm (after they are synced) and returns the norm before clipping. */
  clipGradNorm_(parameters: Iterable<Tensor>, maxNorm: number, normType = 2): Tensor {
    return clipGradNorm_(parameters, maxNorm, normType);
  }

  // ---- metrics across processes
  /** Every process's values concatenated along dim 0, without the duplicates an uneven last batch adds; one process: the input. */
  gatherForMetrics<T>(input: T): T {
    return input;
  }

  /** Every process's tensors concatenated along dim 0; one process: the input. */
  gather<T>(input: T): T {
    return input;
  }

  /** The sum (or mean) of a tensor over processes; one process: the input. */
  reduce(tensor: Tensor, _reduction: 'sum' | 'mean' = 'sum'): Tensor {
    return tensor;
  }

  // ---- the training state
  /**
   * Writes the optimizer, scheduler and RNG state into dir (the prepared ones unless given):
   * optimizer and scheduler from the main process, the RNG from each process.
   */
  async saveState(dir: string, parts: TrainingStateParts = {}): Promise<void> {
    mkdirSync(dir, { recursive: true });
    const optimizer = parts.optimizer === undefined ? this.prepared.optimizers[0] : parts.optimizer;
    const scheduler = parts.scheduler === undefined ? this.prepared.schedulers[0] : parts.scheduler;
    if (this.isMainProcess) {
      if (optimizer) saveOptimizer(optimizer, dir);
      if (scheduler) saveScheduler(scheduler, dir);
    }
    if (parts.rng !== false) saveRngState(join(dir, rngFileName(this.processIndex, this.numProcesses)));
  }

  /** Restores what saveState wrote; a missing RNG file only warns, as transformers does. */
  async loadState(dir: string, parts: TrainingStateParts = {}): Promise<void> {
    const optimizer = parts.optimizer === undefined ? this.prepared.optimizers[0] : parts.optimizer;
    const scheduler = parts.scheduler === undefined ? this.prepared.schedulers[0] : parts.scheduler;
    if (optimizer && existsSync(join(dir, OPTIMIZER_META))) loadOptimizer(optimizer, dir);
    if (scheduler && existsSync(join(dir, SCHEDULER_FILE))) loadScheduler(scheduler, dir);
    if (parts.rng === false) return;
    const file = join(dir, rngFileName(this.processIndex, this.numProcesses));
    if (!loadRngState(file)) {
      process.emitWarning(`Didn't find an RNG file in ${dir}; if you are resuming a training that wasn't launched in a distributed fashion, reproducibility is not guaranteed.`);
    }
  }
}

function isOptimizer(o: object): o is Optimizer<ParamGroup> {
  return typeof (o as Optimizer<ParamGroup>).step === 'function' && Array.isArray((o as Optimizer<ParamGroup>).paramGroups);
}

function isScheduler(o: object): o is LambdaLR {
  return typeof (o as LambdaLR).step === 'function' && typeof (o as LambdaLR).getLastLr === 'function';
}
