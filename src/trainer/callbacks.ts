// Trainer callbacks as in transformers/trainer_callback.py: the TrainerCallback hooks, the
// CallbackHandler that calls them in order (resetting TrainerControl's flags where Hugging Face
// does), the default flow (when to log, evaluate, save, stop), printing and early stopping.
import { pyRepr } from '../metrics/format.js';
import type { TrainingArguments } from './training_args.js';
import type { CallbackState, ExportableState, LogEntry, TrainerState } from './trainer_state.js';
import type { TrainerControl } from './trainer_state.js';

/** What every hook receives besides args/state/control (Hugging Face's **kwargs). */
export interface CallbackEvent {
  model?: unknown;
  /** Hugging Face's `tokenizer`, now `processingClass`. */
  processingClass?: unknown;
  tokenizer?: unknown;
  optimizer?: unknown;
  lrScheduler?: unknown;
  trainDataloader?: unknown;
  evalDataloader?: unknown;
  /** onEvaluate / onPredict only. */
  metrics?: Record<string, number>;
  /** onLog only. */
  logs?: LogEntry;
}

export type HookResult = TrainerControl | void | Promise<TrainerControl | void>;
export type Hook = (args: TrainingArguments, state: TrainerState, control: TrainerControl, event: CallbackEvent) => HookResult;

export const HOOKS = [
  'onInitEnd', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onStepBegin', 'onPreOptimizerStep',
  'onOptimizerStep', 'onSubstepEnd', 'onStepEnd', 'onEvaluate', 'onPredict', 'onSave', 'onLog', 'onPredictionStep',
] as const;
export type HookName = (typeof HOOKS)[number];

/**
 * Subclass and override the hooks you need. A hook may change `control` (and return it, or
 * nothing) and may be async; the Trainer awaits it.
 */
export class TrainerCallback {
  /** At the end of the Trainer's constructor. */
  onInitEnd(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onTrainBegin(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onTrainEnd(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onEpochBegin(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onEpochEnd(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** Before each optimisation step (with gradient accumulation, once per several batches). */
  onStepBegin(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** After gradient clipping, before optimizer.step(). */
  onPreOptimizerStep(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onOptimizerStep(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** After each gradient-accumulation substep. */
  onSubstepEnd(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onStepEnd(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** After an evaluation; `event.metrics` holds its results. */
  onEvaluate(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  onPredict(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** After a checkpoint is saved. */
  onSave(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** After logging; `event.logs` holds what was logged. */
  onLog(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
  /** After each evaluation/prediction batch. */
  onPredictionStep(_args: TrainingArguments, _state: TrainerState, _control: TrainerControl, _event: CallbackEvent): HookResult {}
}

type CallbackClass = new () => TrainerCallback;
/** A TrainerCallback, or any object with some of its hooks ({ onLog(args, state, control, { logs }) { … } }). */
export type CallbackLike = TrainerCallback | Partial<Pick<TrainerCallback, HookName>>;

/** Calls each callback's hook in order; the Trainer owns one and fills in model, optimizer, … */
export class CallbackHandler {
  callbacks: TrainerCallback[] = [];
  model?: unknown;
  processingClass?: unknown;
  optimizer?: unknown;
  lrScheduler?: unknown;
  trainDataloader?: unknown;
  evalDataloader?: unknown;

  constructor(callbacks: (CallbackLike | CallbackClass)[] = [], refs: Pick<CallbackEvent, 'model' | 'processingClass' | 'optimizer' | 'lrScheduler'> = {}) {
    Object.assign(this, refs);
    for (const cb of callbacks) this.addCallback(cb);
    if (!this.callbacks.some((cb) => cb instanceof DefaultFlowCallback)) {
      process.emitWarning(`The Trainer will not work properly if you don't have a \`DefaultFlowCallback\` in its callbacks. You should add one before training with \`trainer.addCallback(DefaultFlowCallback)\`. The current list of callbacks is\n:${this.callbackList}`);
    }
  }

  addCallback(callback: CallbackLike | CallbackClass): void {
    const cb = typeof callback === 'function' ? new callback() : callback instanceof TrainerCallback ? callback : new HooksCallback(callback);
    if (!(cb instanceof HooksCallback) && this.callbacks.some((c) => c.constructor === cb.constructor)) {
      process.emitWarning(`You are adding a ${cb.constructor.name} to the callbacks of this Trainer, but there is already one. The current list of callbacks is\n:${this.callbackList}`);
    }
    this.callbacks.push(cb);
  }

  /** Removes and returns the first callback that is `callback` (or an instance of that class). */
  popCallback(callback: CallbackLike | CallbackClass): TrainerCallback | undefined {
    const i = this.callbacks.findIndex((cb) => (typeof callback === 'function' ? cb instanceof callback : cb === callback || (cb instanceof HooksCallback && cb.target === callback)));
    return i === -1 ? undefined : this.callbacks.splice(i, 1)[0];
  }

  removeCallback(callback: CallbackLike | CallbackClass): void {
    this.popCallback(callback);
  }

  get callbackList(): string {
    return this.callbacks.map((cb) => cb.constructor.name).join('\n');
  }

  onInitEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onInitEnd', args, state, control);
  }
  onTrainBegin(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    control.shouldTrainingStop = false;
    return this.callEvent('onTrainBegin', args, state, control);
  }
  onTrainEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onTrainEnd', args, state, control);
  }
  onEpochBegin(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    control.shouldEpochStop = false;
    return this.callEvent('onEpochBegin', args, state, control);
  }
  onEpochEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onEpochEnd', args, state, control);
  }
  onStepBegin(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    control.shouldLog = false;
    control.shouldEvaluate = false;
    control.shouldSave = false;
    return this.callEvent('onStepBegin', args, state, control);
  }
  onPreOptimizerStep(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onPreOptimizerStep', args, state, control);
  }
  onOptimizerStep(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onOptimizerStep', args, state, control);
  }
  onSubstepEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onSubstepEnd', args, state, control);
  }
  onStepEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onStepEnd', args, state, control);
  }
  onEvaluate(args: TrainingArguments, state: TrainerState, control: TrainerControl, metrics: Record<string, number>) {
    control.shouldEvaluate = false;
    return this.callEvent('onEvaluate', args, state, control, { metrics });
  }
  onPredict(args: TrainingArguments, state: TrainerState, control: TrainerControl, metrics: Record<string, number>) {
    return this.callEvent('onPredict', args, state, control, { metrics });
  }
  onSave(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    control.shouldSave = false;
    return this.callEvent('onSave', args, state, control);
  }
  onLog(args: TrainingArguments, state: TrainerState, control: TrainerControl, logs: LogEntry) {
    control.shouldLog = false;
    return this.callEvent('onLog', args, state, control, { logs });
  }
  onPredictionStep(args: TrainingArguments, state: TrainerState, control: TrainerControl) {
    return this.callEvent('onPredictionStep', args, state, control);
  }

  async callEvent(event: HookName, args: TrainingArguments, state: TrainerState, control: TrainerControl, extra: CallbackEvent = {}): Promise<TrainerControl> {
    const base: CallbackEvent = {
      model: this.model, processingClass: this.processingClass, tokenizer: this.processingClass, optimizer: this.optimizer,
      lrScheduler: this.lrScheduler, trainDataloader: this.trainDataloader, evalDataloader: this.evalDataloader, ...extra,
    };
    for (const cb of this.callbacks) {
      const result = await cb[event](args, state, control, base);
      // a callback may skip returning control when it does not replace it
      if (result) control = result;
    }
    return control;
  }
}

/** A plain object's hooks as a TrainerCallback (its other hooks do nothing); `this` stays the object. */
export class HooksCallback extends TrainerCallback {
  constructor(readonly target: Partial<Pick<TrainerCallback, HookName>>) {
    super();
    for (const hook of HOOKS) {
      const fn = target[hook];
      if (typeof fn === 'function') this[hook] = (args, state, control, event) => fn.call(target, args, state, control, event);
    }
  }
}

/** When to log, evaluate, save and stop, from the strategies in TrainingArguments. */
export class DefaultFlowCallback extends TrainerCallback {
  override onStepEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl): TrainerControl {
    if (state.globalStep === 1 && args.loggingFirstStep) control.shouldLog = true;
    if (args.loggingStrategy === 'steps' && state.globalStep % state.loggingSteps === 0) control.shouldLog = true;
    if (args.evalStrategy === 'steps' && state.globalStep % state.evalSteps === 0 && args.evalDelay <= state.globalStep) control.shouldEvaluate = true;
    if (args.saveStrategy === 'steps' && state.saveSteps > 0 && state.globalStep % state.saveSteps === 0) control.shouldSave = true;
    if (state.globalStep >= state.maxSteps) {
      control.shouldTrainingStop = true;
      // as transformers 5: the last step is evaluated under the 'steps' strategy when it falls
      // between two evaluation steps (not twice when it is one)
      if (args.evalStrategy === 'steps' && state.globalStep % state.evalSteps !== 0 && args.evalDelay <= state.globalStep) control.shouldEvaluate = true;
      // the end of training is a save point for the 'steps' strategy ('epoch' saves at the epoch's end)
      if (args.saveStrategy === 'steps') control.shouldSave = true;
    }
    return control;
  }

  override onEpochEnd(args: TrainingArguments, state: TrainerState, control: TrainerControl): TrainerControl {
    if (args.loggingStrategy === 'epoch') control.shouldLog = true;
    if (args.evalStrategy === 'epoch' && args.evalDelay <= (state.epoch ?? 0)) control.shouldEvaluate = true;
    if (args.saveStrategy === 'epoch') control.shouldSave = true;
    return control;
  }
}

/** Logs without total_flos, as Python prints a dict. */
export function formatLogs(logs: LogEntry, roundEpoch = false): string {
  const { total_flos: _drop, ...rest } = logs;
  if (roundEpoch && typeof rest.epoch === 'number') rest.epoch = Math.round(rest.epoch * 100) / 100;
  return pyRepr(rest);
}

/** Prints every log, as Hugging Face's PrinterCallback (used when progress bars are disabled). */
export class PrinterCallback extends TrainerCallback {
  constructor(private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    super();
  }

  override onLog(_args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    if (state.isLocalProcessZero && event.logs) this.print(formatLogs(event.logs));
  }
}

export interface EarlyStoppingOptions {
  /** Evaluations without improvement before stopping (1). */
  earlyStoppingPatience?: number;
  /** How much the metric must improve to count (0). */
  earlyStoppingThreshold?: number;
}

/**
 * Stops training when metricForBestModel has not improved for `earlyStoppingPatience`
 * evaluations. It compares with state.bestMetric, which the Trainer updates after the
 * onEvaluate hooks have run (as Hugging Face's does).
 */
export class EarlyStoppingCallback extends TrainerCallback implements ExportableState {
  earlyStoppingPatience: number;
  earlyStoppingThreshold: number;
  earlyStoppingPatienceCounter = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.earlyStoppingPatience = options.earlyStoppingPatience ?? 1;
    this.earlyStoppingThreshold = options.earlyStoppingThreshold ?? 0;
  }

  checkMetricValue(args: TrainingArguments, state: TrainerState, metricValue: number): void {
    const better = args.greaterIsBetter ? metricValue > (state.bestMetric as number) : metricValue < (state.bestMetric as number);
    if (state.bestMetric === null || (better && Math.abs(metricValue - state.bestMetric) > this.earlyStoppingThreshold)) {
      this.earlyStoppingPatienceCounter = 0;
    } else {
      this.earlyStoppingPatienceCounter += 1;
    }
  }

  override onTrainBegin(args: TrainingArguments): void {
    if (!args.loadBestModelAtEnd) {
      process.emitWarning('Using EarlyStoppingCallback without load_best_model_at_end=True. Once training is finished, the best model will not be loaded automatically.');
    }
    if (args.metricForBestModel == null) throw new Error('EarlyStoppingCallback requires metric_for_best_model to be defined');
    if (args.evalStrategy === 'no') throw new Error('EarlyStoppingCallback requires IntervalStrategy of steps or epoch');
  }

  override onEvaluate(args: TrainingArguments, state: TrainerState, control: TrainerControl, event: CallbackEvent): void {
    let metricToCheck = args.metricForBestModel as string;
    if (!metricToCheck.startsWith('eval_')) metricToCheck = `eval_${metricToCheck}`;
    const value = event.metrics?.[metricToCheck];
    if (value === undefined) {
      process.emitWarning(`early stopping required metric_for_best_model, but did not find ${metricToCheck} so early stopping is disabled`);
      return;
    }
    this.checkMetricValue(args, state, value);
    if (this.earlyStoppingPatienceCounter >= this.earlyStoppingPatience) control.shouldTrainingStop = true;
  }

  state(): CallbackState {
    return {
      args: { early_stopping_patience: this.earlyStoppingPatience, early_stopping_threshold: this.earlyStoppingThreshold },
      attributes: { early_stopping_patience_counter: this.earlyStoppingPatienceCounter },
    };
  }

  static fromState(state: CallbackState): EarlyStoppingCallback {
    const cb = new EarlyStoppingCallback({
      earlyStoppingPatience: state.args.early_stopping_patience as number,
      earlyStoppingThreshold: state.args.early_stopping_threshold as number,
    });
    cb.earlyStoppingPatienceCounter = (state.attributes.early_stopping_patience_counter as number) ?? 0;
    return cb;
  }
}
