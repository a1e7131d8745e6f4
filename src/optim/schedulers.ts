// Learning-rate schedules: LambdaLR (torch.optim.lr_scheduler) and Hugging Face's
// get_scheduler with the formulas of transformers/optimization.py.
import type { Optimizer, ParamGroup } from './optimizer.js';

export type LrLambda = (step: number) => number;

/** lr = initial lr × lambda(step), per parameter group. Constructing it applies step 0. */
export class LambdaLR {
  lastEpoch: number;
  readonly baseLrs: number[];
  private readonly lambdas: LrLambda[];
  private lastLr: number[] = [];

  constructor(readonly optimizer: Optimizer<ParamGroup>, lrLambda: LrLambda | LrLambda[], lastEpoch = -1) {
    const groups = optimizer.paramGroups;
    // As PyTorch's setdefault: a later scheduler on the same optimizer keeps the original lr,
    // not whatever the previous scheduler left in the group.
    if (lastEpoch === -1) for (const g of groups) g.initialLr ??= g.lr;
    this.baseLrs = groups.map((g, i) => {
      if (typeof g.initialLr !== 'number') throw new Error(`param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      return g.initialLr;
    });
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : groups.map(() => lrLambda);
    if (this.lambdas.length !== groups.length) throw new Error(`expected ${groups.length} lr lambdas, but got ${this.lambdas.length}`);
    this.lastEpoch = lastEpoch;
    this.step();
  }

  step(): void {
    this.lastEpoch += 1;
    this.lastLr = this.baseLrs.map((base, i) => base * this.lambdas[i](this.lastEpoch));
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lastLr[i]));
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): { last_epoch: number; base_lrs: number[]; _last_lr: number[] } {
    return { last_epoch: this.lastEpoch, base_lrs: [...this.baseLrs], _last_lr: [...this.lastLr] };
  }

  loadStateDict(state: { last_epoch: number; base_lrs: number[]; _last_lr: number[] }): void {
    this.lastEpoch = state.last_epoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...state.base_lrs);
    this.lastLr = [...state._last_lr];
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lastLr[i]));
  }
}

/** Every value of Hugging Face's SchedulerType (transformers.trainer_utils), known or not here. */
export const HF_SCHEDULER_TYPES = [
  'linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup',
  'inverse_sqrt', 'reduce_lr_on_plateau', 'cosine_with_min_lr', 'warmup_stable_decay',
] as const;
export type HfSchedulerType = (typeof HF_SCHEDULER_TYPES)[number];

/** The schedulers getScheduler implements: TrainingArguments.lrSchedulerType's values. */
export const SCHEDULER_TYPES = [
  'linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt',
] as const satisfies readonly HfSchedulerType[];
export type SchedulerType = (typeof SCHEDULER_TYPES)[number];

export interface SchedulerOptions {
  numWarmupSteps?: number;
  numTrainingSteps?: number;
  /** cosine: numCycles (0.5); cosine_with_restarts: numCycles (1); polynomial: lrEnd (1e-7), power (1); inverse_sqrt: timescale */
  schedulerSpecificKwargs?: { numCycles?: number; lrEnd?: number; power?: number; timescale?: number };
  lastEpoch?: number;
}

const warmup = (step: number, warmupSteps: number) => step / Math.max(1, warmupSteps);

/** The multiplier lambdas of transformers.optimization, by scheduler name. */
export const scheduleLambdas = {
  constant: (): LrLambda => () => 1,
  constant_with_warmup: (w: number): LrLambda => (step) => (step < w ? warmup(step, w) : 1),
  linear: (w: number, total: number): LrLambda => (step) =>
    step < w ? warmup(step, w) : Math.max(0, (total - step) / Math.max(1, total - w)),
  cosine: (w: number, total: number, numCycles = 0.5): LrLambda => (step) => {
    if (step < w) return warmup(step, w);
    const progress = (step - w) / Math.max(1, total - w);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
  },
  cosine_with_restarts: (w: number, total: number, numCycles = 1): LrLambda => (step) => {
    if (step < w) return warmup(step, w);
    const progress = (step - w) / Math.max(1, total - w);
    if (progress >= 1) return 0;
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((numCycles * progress) % 1))));
  },
  polynomial: (w: number, total: number, lrInit: number, lrEnd = 1e-7, power = 1): LrLambda => {
    if (!(lrInit > lrEnd)) throw new Error(`lr_end (${lrEnd}) must be smaller than initial lr (${lrInit})`);
    return (step) => {
      if (step < w) return warmup(step, w);
      if (step > total) return lrEnd / lrInit;
      const remaining = 1 - (step - w) / (total - w);
      return ((lrInit - lrEnd) * remaining ** power + lrEnd) / lrInit;
    };
  },
  inverse_sqrt: (w: number, timescale?: number): LrLambda => {
    const scale = timescale ?? (w || 10_000);
    return (step) => (step < w ? warmup(step, w) : 1 / Math.sqrt((step + scale - w) / scale));
  },
} satisfies Record<SchedulerType, (...args: never[]) => LrLambda>;

/** transformers.get_scheduler(name, optimizer, num_warmup_steps, num_training_steps). */
export function getScheduler(name: SchedulerType, optimizer: Optimizer<ParamGroup>, options: SchedulerOptions = {}): LambdaLR {
  const { numWarmupSteps: w, numTrainingSteps: total, schedulerSpecificKwargs: kw = {}, lastEpoch = -1 } = options;
  if (!(SCHEDULER_TYPES as readonly string[]).includes(name)) {
    throw new Error(`unknown scheduler '${name}'; expected one of ${SCHEDULER_TYPES.join(', ')}`);
  }
  if (name === 'constant') return new LambdaLR(optimizer, scheduleLambdas.constant(), lastEpoch);
  if (w === undefined) throw new Error(`${name} requires \`numWarmupSteps\`, please provide that argument.`);
  if (name === 'constant_with_warmup') return new LambdaLR(optimizer, scheduleLambdas.constant_with_warmup(w), lastEpoch);
  if (name === 'inverse_sqrt') return new LambdaLR(optimizer, scheduleLambdas.inverse_sqrt(w, kw.timescale), lastEpoch);
  if (total === undefined) throw new Error(`${name} requires \`numTrainingSteps\`, please provide that argument.`);
  const lambda =
    name === 'linear' ? scheduleLambdas.linear(w, total)
    : name === 'cosine' ? scheduleLambdas.cosine(w, total, kw.numCycles)
    : name === 'cosine_with_restarts' ? scheduleLambdas.cosine_with_restarts(w, total, kw.numCycles)
    : scheduleLambdas.polynomial(w, total, optimizer.defaults.lr as number, kw.lrEnd, kw.power);
  return new LambdaLR(optimizer, lambda, lastEpoch);
}
