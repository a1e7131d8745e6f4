// Accelerate's Accelerator: the one place that knows how many processes there are, which
// device they use and at what precision. A training loop (the Trainer's or a hand-written one)
// asks it to prepare the model and data, to run the forward under autocast, to backward, to
// sync or not sync gradients while accumulating, to clip, to gather for metrics and to save
// and restore the training state. The
// Accelerator and its loops work unchanged in one process or several: what differs lives in
// the ProcessState (state.ts) it delegates to, chosen from the environment `finetune launch`
// sets up.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { DataLoader } from '../data/dataloader.js';
import type { DistributedDataParallelOptions } from '../distributed/ddp.js';
import { cpuCapabilities, slowBf16Explanation, type CpuCapabilities } from '../engine/cpu.js';
import { keep } from '../engine/scope.js';
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { clipGradNorm_ } from '../nn/utils.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import {
  epochStartRngFileName, loadOptimizer, loadRngState, loadScheduler, OPTIMIZER_META, rngFileName, saveOptimizer, saveRngState, saveScheduler, SCHEDULER_FILE,
} from './checkpointing.js';
import { processStateFromEnvironment, type DistributedType, type ProcessState } from './state.js';

export type MixedPrecision = 'no' | 'fp16' | 'bf16';
export type { DistributedType } from './state.js';

export interface AcceleratorOptions {
  /** 'bf16' or 'fp16' runs autocast() in that dtype; 'no' (default) runs in the parameters' dtype. */
  mixedPrecision?: MixedPrecision;
  /** backward() divides the loss by this, and accumulate() syncs gradients every this many batches. */
  gradientAccumulationSteps?: number;
  /** Stay on the CPU even when CUDA is available. */
  cpu?: boolean;
  /** How prepare() wraps models in several processes (Accelerate's DistributedDataParallelKwargs). */
  ddpOptions?: DistributedDataParallelOptions;
  /**
   * bf16 on a CPU without a fast bf16 path is refused (it runs many times slower than float32);
   * true (or FINETUNE_ALLOW_SLOW_BF16=1) runs it anyway.
   */
  allowSlowBf16?: boolean;
  /** The CPU's capabilities (default: this machine's, from /proc/cpuinfo). */
  cpuCapabilities?: CpuCapabilities;
  /** One process or several; by default from the environment (RANK/WORLD_SIZE as `finetune launch` sets them). */
  processState?: ProcessState;
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
  readonly state: ProcessState;
  private readonly ddpOptions: DistributedDataParallelOptions;
  private epochStartRng: Tensor | null = null;
  protected readonly prepared: { models: Module[]; optimizers: Optimizer<ParamGroup>[]; schedulers: LambdaLR[] } = { models: [], optimizers: [], schedulers: [] };

  constructor(options: AcceleratorOptions = {}) {
    this.mixedPrecision = options.mixedPrecision ?? 'no';
    this.gradientAccumulationSteps = options.gradientAccumulationSteps ?? 1;
    if (!Number.isInteger(this.gradientAccumulationSteps) || this.gradientAccumulationSteps < 1) {
      throw new RangeError(`Accelerator: gradientAccumulationSteps must be a positive integer, got ${options.gradientAccumulationSteps}`);
    }
    this.device = options.cpu || !torch.cuda.isAvailable() ? 'cpu' : 'cuda';
    this.state = options.processState ?? processStateFromEnvironment();
    this.ddpOptions = options.ddpOptions ?? {};
    if (this.device === 'cpu') checkCpuPrecision(this.mixedPrecision, options);
  }

  // ---- who am I
  get distributedType(): DistributedType {
    return this.state.distributedType;
  }
  get numProcesses(): number {
    return this.state.numProcesses;
  }
  get processIndex(): number {
    return this.state.processIndex;
  }
  get localProcessIndex(): number {
    return this.state.localProcessIndex;
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

  /** Blocks until every process reaches this point (a barrier). */
  async waitForEveryone(): Promise<void> {
    this.state.barrier();
  }

  /** Runs fn on the main process first, then on the others (e.g. to build a dataset cache once). */
  async mainProcessFirst<T>(fn: () => T | Promise<T>): Promise<T> {
    if (!this.isMainProcess) await this.waitForEveryone();
    const result = await fn();
    if (this.isMainProcess) await this.waitForEveryone();
    return result;
  }

  /** console.log on the main process only. */
  print(...values: unknown[]): void {
    if (this.isMainProcess) console.log(...values);
  }

  // ---- preparation
  /**
   * Moves models to the device and registers models, optimizers and schedulers for saveState;
   * returns the objects in the order given. In several processes a model comes back wrapped in
   * DistributedDataParallel (unwrapModel gives yours back, with its own fields) and a data
   * loader comes back sharded.
   */
  prepare<T extends Preparable[]>(...objects: T): T {
    return objects.map((o) => this.prepareOne(o)) as T;
  }

  protected prepareOne<T extends Preparable>(object: T): T {
    if (object instanceof Module) return this.prepareModel(object) as T;
    if (object instanceof DataLoader) return this.state.shardLoader(object) as T;
    if (isOptimizer(object)) this.prepared.optimizers.push(object);
    else if (isScheduler(object)) this.prepared.schedulers.push(object);
    return object;
  }

  prepareModel<M extends Module>(model: M): M {
    if (this.device !== 'cpu') model.to(this.device);
    this.prepared.models.push(model);
    // typed as the model for the loops' sake: forward and parameters() are the same on the wrapper
    return this.state.wrapModel(model, this.ddpOptions) as M;
  }

  /** The model as the user built it (DistributedDataParallel's inner module). */
  unwrapModel<M extends Module>(model: M): M {
    return this.state.unwrapModel(model);
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
  noSync<T>(model: Module, fn: () => T): T {
    return this.state.noSync(model, fn);
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
  /**
   * Every process's values concatenated along dim 0, in process order: tensors, or arrays and
   * objects of them (nulls pass through). The evaluation shards repeat no sample, so the
   * result holds each example once; one process: the input.
   */
  gatherForMetrics<T>(input: T): T {
    return this.gather(input);
  }

  /** Every process's tensors concatenated along dim 0 (the sizes along dim 0 may differ); one process: the input. */
  gather<T>(input: T): T {
    if (this.numProcesses === 1) return input;
    return mapTensors(input, (t) => this.state.gatherVariable(t)) as T;
  }

  /** The sum (or mean) of a tensor over processes, as a new tensor; one process: the input. */
  reduce(tensor: Tensor, reduction: 'sum' | 'mean' = 'sum'): Tensor {
    return this.state.reduce(tensor, reduction);
  }

  /** reduce() for plain numbers (losses, counts, FLOPs), in float64; one process: the numbers as given. */
  reduceNumbers(values: readonly number[], reduction: 'sum' | 'mean' = 'sum'): number[] {
    if (this.numProcesses === 1) return [...values];
    return torch.tidy(() => this.state.reduce(torch.tensor([...values], { dtype: 'float64' }), reduction).toArray() as number[]);
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
    if (parts.rng !== false) {
      saveRngState(join(dir, rngFileName(this.processIndex, this.numProcesses)));
      if (this.epochStartRng) saveRngState(join(dir, epochStartRngFileName(this.processIndex, this.numProcesses)), this.epochStartRng);
    }
  }

  /** Records the generator's state as an epoch begins, for saveState (see epochStartRngFileName). */
  markEpochStart(): void {
    this.epochStartRng?.dispose();
    this.epochStartRng = keep(torch.getRngState());
  }

  /** Sets the generator to the state of the checkpoint's epoch start; false when the file is absent. */
  loadEpochStartRng(dir: string): boolean {
    return loadRngState(join(dir, epochStartRngFileName(this.processIndex, this.numProcesses)));
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

/** fp16 has no CPU autocast worth having; bf16 only where the CPU has a fast path, unless allowed. */
function checkCpuPrecision(mixedPrecision: MixedPrecision, options: AcceleratorOptions): void {
  const caps = options.cpuCapabilities ?? cpuCapabilities();
  if (mixedPrecision === 'fp16') {
    const instead = caps.bf16 === 'slow' ? 'it has no fast bfloat16 either, so train in float32 (leave fp16 and bf16 off)' : 'use bf16 (--bf16) instead';
    throw new Error(`fp16 mixed precision (--fp16) needs a CUDA device; on this CPU ${instead}`);
  }
  const allowed = options.allowSlowBf16 ?? process.env.FINETUNE_ALLOW_SLOW_BF16 === '1';
  if (mixedPrecision === 'bf16' && caps.bf16 === 'slow' && !allowed) {
    throw new Error(`bf16 mixed precision (--bf16) refused: ${slowBf16Explanation()}. Train in float32 (leave bf16 off), ` +
      'or set FINETUNE_ALLOW_SLOW_BF16=1 (allowSlowBf16: true) to run it anyway.');
  }
}

function mapTensors(value: unknown, fn: (t: Tensor) => Tensor): unknown {
  if (value instanceof torch.Tensor) return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapTensors(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTensors(v, fn)]));
  return value;
}

function isOptimizer(o: object): o is Optimizer<ParamGroup> {
  return typeof (o as Optimizer<ParamGroup>).step === 'function' && Array.isArray((o as Optimizer<ParamGroup>).paramGroups);
}

function isScheduler(o: object): o is LambdaLR {
  return typeof (o as LambdaLR).step === 'function' && typeof (o as LambdaLR).getLastLr === 'function';
}
