// TrainerState and TrainerControl as in transformers/trainer_callback.py: the state saved as
// trainer_state.json in checkpoints (Hugging Face's keys and layout: sorted keys, indent 2,
// Python number formatting) and the flags callbacks use to steer the loop.
import { readFileSync } from 'node:fs';

import { writeFileAtomic } from '../util/atomic.js';
import { snakeToCamel } from '../util/case.js';
import { pyJsonDumps, pyJsonLoads } from './pyjson.js';

/** One entry of log_history: the logged values plus `step` (and `epoch`). */
export type LogEntry = Record<string, number>;

export interface CallbackState {
  args: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

/** Objects whose state goes into trainer_state.json's stateful_callbacks (Hugging Face's ExportableState). */
export interface ExportableState {
  state(): CallbackState;
}

export type StatefulCallbacks = Record<string, CallbackState | CallbackState[]>;

/** The subset of TrainingArguments computeSteps reads. */
interface StepArgs {
  loggingSteps: number;
  evalSteps: number | null;
  saveSteps: number;
}

// Keys Hugging Face stores as Python floats: written '1.0' even when integral
const FLOAT_KEY = /^(epoch|total_flos|best_metric|loss|learning_rate|grad_norm|early_stopping_threshold|train_.*|(eval|test|predict)_.*)$/;
const INT_KEY = /^(train_batch_size|eval_steps)$/;

export function isFloatKey(key: string | null): boolean {
  return key !== null && FLOAT_KEY.test(key) && !INT_KEY.test(key);
}

export class TrainerState {
  epoch: number | null = null;
  globalStep = 0;
  maxSteps = 0;
  loggingSteps = 500;
  evalSteps = 500;
  saveSteps = 500;
  trainBatchSize: number | null = null;
  numTrainEpochs = 0;
  numInputTokensSeen = 0;
  totalFlos = 0;
  logHistory: LogEntry[] = [];
  bestMetric: number | null = null;
  bestModelCheckpoint: string | null = null;
  isLocalProcessZero = true;
  isWorldProcessZero = true;
  isHyperParamSearch = false;
  trialName: string | null = null;
  trialParams: Record<string, string | number | boolean> | null = null;
  statefulCallbacks: StatefulCallbacks = {};

  constructor(init: Partial<Omit<TrainerState, 'statefulCallbacks'>> & { statefulCallbacks?: StatefulCallbacks | ExportableState[] } = {}) {
    const { statefulCallbacks, ...rest } = init;
    Object.assign(this, rest);
    if (Array.isArray(statefulCallbacks)) this.statefulCallbacks = TrainerState.exportCallbacks(statefulCallbacks);
    else if (statefulCallbacks) this.statefulCallbacks = statefulCallbacks;
  }

  /** Callback states keyed by class name; several of one class become a list (as Hugging Face). */
  static exportCallbacks(callbacks: ExportableState[]): StatefulCallbacks {
    const out: StatefulCallbacks = {};
    for (const cb of callbacks) {
      if (typeof cb.state !== 'function') throw new TypeError(`All callbacks passed to be saved must implement state() (ExportableState), but received ${cb?.constructor?.name}`);
      const name = cb.constructor.name;
      const prev = out[name];
      out[name] = prev === undefined ? cb.state() : Array.isArray(prev) ? [...prev, cb.state()] : [prev, cb.state()];
    }
    return out;
  }

  /** Absolute logging/eval/save intervals, ratios (< 1) resolved against maxSteps. */
  computeSteps(args: StepArgs, maxSteps: number): void {
    const resolve = (v: number | null) => (v === null ? null : v < 1 ? Math.ceil(maxSteps * v) : v);
    this.loggingSteps = resolve(args.loggingSteps) ?? this.loggingSteps;
    this.evalSteps = resolve(args.evalSteps) ?? this.evalSteps;
    this.saveSteps = resolve(args.saveSteps) ?? this.saveSteps;
  }

  initTrainingReferences(maxSteps: number, numTrainEpochs: number): void {
    this.maxSteps = maxSteps;
    this.numTrainEpochs = numTrainEpochs;
  }

  /** Hugging Face's snake_case dict (dataclasses.asdict). */
  toDict(): Record<string, unknown> {
    return {
      epoch: this.epoch,
      global_step: this.globalStep,
      max_steps: this.maxSteps,
      logging_steps: this.loggingSteps,
      eval_steps: this.evalSteps,
      save_steps: this.saveSteps,
      train_batch_size: this.trainBatchSize,
      num_train_epochs: this.numTrainEpochs,
      num_input_tokens_seen: this.numInputTokensSeen,
      total_flos: this.totalFlos,
      log_history: this.logHistory,
      best_metric: this.bestMetric,
      best_model_checkpoint: this.bestModelCheckpoint,
      is_local_process_zero: this.isLocalProcessZero,
      is_world_process_zero: this.isWorldProcessZero,
      is_hyper_param_search: this.isHyperParamSearch,
      trial_name: this.trialName,
      trial_params: this.trialParams,
      stateful_callbacks: this.statefulCallbacks,
    };
  }

  toJSON(): Record<string, unknown> {
    return this.toDict();
  }

  /** What save_to_json writes: json.dumps(asdict(self), indent=2, sort_keys=True) + "\n". */
  toJsonString(): string {
    return `${pyJsonDumps(this.toDict(), { indent: 2, sortKeys: true, isFloat: isFloatKey })}\n`;
  }

  saveToJson(path: string): void {
    writeFileAtomic(path, this.toJsonString());
  }

  static fromDict(d: Record<string, unknown>): TrainerState {
    const init: Record<string, unknown> = {};
    const known = new Set(Object.keys(new TrainerState()));
    for (const [k, v] of Object.entries(d)) {
      // newer transformers add keys (best_global_step, …): keep what we know, skip the rest
      if (known.has(snakeToCamel(k))) init[snakeToCamel(k)] = v;
    }
    return new TrainerState(init as ConstructorParameters<typeof TrainerState>[0]);
  }

  static loadFromJson(path: string): TrainerState {
    return TrainerState.fromDict(pyJsonLoads(readFileSync(path, 'utf8')) as Record<string, unknown>);
  }
}

/** The switches callbacks flip to steer the training loop (Hugging Face's TrainerControl). */
export class TrainerControl implements ExportableState {
  shouldTrainingStop = false;
  shouldEpochStop = false;
  shouldSave = false;
  shouldEvaluate = false;
  shouldLog = false;

  constructor(init: Partial<Pick<TrainerControl, 'shouldTrainingStop' | 'shouldEpochStop' | 'shouldSave' | 'shouldEvaluate' | 'shouldLog'>> = {}) {
    Object.assign(this, init);
  }

  newTraining(): void {
    this.shouldTrainingStop = false;
  }

  newEpoch(): void {
    this.shouldEpochStop = false;
  }

  newStep(): void {
    this.shouldSave = false;
    this.shouldEvaluate = false;
    this.shouldLog = false;
  }

  state(): CallbackState {
    return {
      args: {
        should_training_stop: this.shouldTrainingStop,
        should_epoch_stop: this.shouldEpochStop,
        should_save: this.shouldSave,
        should_evaluate: this.shouldEvaluate,
        should_log: this.shouldLog,
      },
      attributes: {},
    };
  }

  static fromState(state: CallbackState): TrainerControl {
    const a = state.args as Record<string, boolean>;
    return new TrainerControl({ shouldTrainingStop: a.should_training_stop, shouldEpochStop: a.should_epoch_stop, shouldSave: a.should_save, shouldEvaluate: a.should_evaluate, shouldLog: a.should_log });
  }
}
