// What `new Trainer(…)` accepts: an options object (camelCase or transformers' snake_case
// names) or transformers' positional order, checked so that a misspelt or unsupported option
// fails at construction, naming the fix, instead of being dropped until train() needs it.
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import type { AutoBaseModel, AutoSequenceClassificationModel } from '../models/auto.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { levenshtein } from './args_parsing.js';
import type { TrainerCallback } from './callbacks.js';
import type { SnakeCase } from './training_args.js';
import { TrainingArguments } from './training_args.js';
import type { Collator, TrainerDataset } from './trainer_setup.js';
import type { EvalPrediction, Metrics } from './trainer_utils.js';

type CallbackLike = TrainerCallback | (new () => TrainerCallback);
type MetricsResult = Metrics | Record<string, unknown>;
export type TrainerModel = Module | AutoBaseModel | AutoSequenceClassificationModel;

export interface TrainerOptions {
  /**
   * Any finetune model (a PreTrainedModel of any task, or what an Auto class loads) or an
   * nn.Module whose forward takes the collator's batch.
   */
  model: TrainerModel;
  args?: TrainingArguments;
  dataCollator?: Collator | null;
  trainDataset?: TrainerDataset | null;
  evalDataset?: TrainerDataset | null;
  /** Hugging Face's `tokenizer` (deprecated there in favour of processingClass; both work). */
  tokenizer?: unknown;
  processingClass?: unknown;
  /** transformers' compute_loss_func(outputs, labels, numItemsInBatch): the loss from the model's outputs. */
  computeLossFunc?: ((outputs: unknown, labels: Tensor, numItemsInBatch?: number) => Tensor) | null;
  computeMetrics?: ((p: EvalPrediction) => MetricsResult | Promise<MetricsResult>) | null;
  callbacks?: CallbackLike[];
  /** `[optimizer, scheduler]`: either may be null to let the Trainer create it. */
  optimizers?: [Optimizer<ParamGroup> | null, LambdaLR | null];
}

/** The same options under transformers' names (train_dataset, compute_metrics, …). */
export type TrainerSnakeOptions = { [K in keyof TrainerOptions as SnakeCase<K>]?: TrainerOptions[K] };
export type TrainerInit = TrainerOptions & TrainerSnakeOptions;

/** transformers' Trainer.__init__ parameter order (4.46), camelCased. */
export const TRAINER_ARGUMENT_ORDER = [
  'model', 'args', 'dataCollator', 'trainDataset', 'evalDataset', 'processingClass', 'modelInit', 'computeLossFunc',
  'computeMetrics', 'callbacks', 'optimizers', 'optimizerClsAndKwargs', 'preprocessLogitsForMetrics',
] as const;

const ACCEPTED = new Set<string>(['model', 'args', 'dataCollator', 'trainDataset', 'evalDataset', 'tokenizer', 'processingClass', 'computeLossFunc', 'computeMetrics', 'callbacks', 'optimizers']);
/** transformers parameters finetune does not implement, with what to do instead. */
const NOT_SUPPORTED: Record<string, string> = {
  modelInit: 'pass the model itself (hyperparameter search is not implemented)',
  optimizerClsAndKwargs: 'pass optimizers: [optimizer, null] built with the class you want',
  preprocessLogitsForMetrics: 'reduce the logits inside computeMetrics',
};

const toCamel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const toSnake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function looksLikeModel(x: unknown): boolean {
  return x instanceof Module || (typeof x === 'object' && x !== null && typeof (x as { forward?: unknown }).forward === 'function');
}

function closestOption(key: string): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '');
  const snakeStyle = key.includes('_');
  let best: [string, number] | null = null;
  for (const name of [...ACCEPTED, ...Object.keys(NOT_SUPPORTED)]) {
    const d = levenshtein(norm(key), norm(name));
    if (d <= Math.max(2, Math.floor(name.length / 3)) && (!best || d < best[1])) best = [snakeStyle ? toSnake(name) : name, d];
  }
  return best && best[0];
}

/** The options of `new Trainer(...)`, from an options object or transformers' positional arguments. */
export function trainerOptionsFrom(args: unknown[]): TrainerOptions {
  const [first] = args;
  let given: Record<string, unknown>;
  if (args.length === 1 && first && typeof first === 'object' && !looksLikeModel(first) && !(first instanceof TrainingArguments)) {
    given = first as Record<string, unknown>;
  } else {
    if (args.length > TRAINER_ARGUMENT_ORDER.length) throw new TypeError(`Trainer: takes at most ${TRAINER_ARGUMENT_ORDER.length} positional arguments (${TRAINER_ARGUMENT_ORDER.join(', ')}), got ${args.length}`);
    given = Object.fromEntries(args.map((value, i) => [TRAINER_ARGUMENT_ORDER[i], value]));
    if (given.args !== undefined && given.args !== null && !(given.args instanceof TrainingArguments)) {
      throw new TypeError('Trainer: the second positional argument must be a TrainingArguments (transformers\' order is model, args, dataCollator, trainDataset, evalDataset, processingClass, …); or pass one options object: new Trainer({ model, args, trainDataset })');
    }
  }
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const name = toCamel(key);
    if (Object.prototype.hasOwnProperty.call(NOT_SUPPORTED, name)) {
      if (value === undefined || value === null) continue;
      throw new TypeError(`Trainer: ${key} is not supported by finetune; ${NOT_SUPPORTED[name]}`);
    }
    if (!ACCEPTED.has(name)) {
      const close = closestOption(key);
      throw new TypeError(`Trainer: unknown option '${key}'.${close ? ` Did you mean ${close}?` : ''} The options are ${[...ACCEPTED].join(', ')} (snake_case accepted).`);
    }
    if (name in options && name !== key) throw new TypeError(`Trainer: ${key} is given twice (as ${key} and ${name})`);
    if (value !== undefined) options[name] = value;
  }
  return options as unknown as TrainerOptions;
}

/** Python names of the methods a Trainer subclass overrides, and the name finetune calls. */
const OVERRIDABLE: Record<string, string> = {
  compute_loss: 'computeLoss(model, inputs, returnOutputs)', training_step: 'trainingStep(model, inputs)',
  prediction_step: 'predictionStep(model, inputs, predictionLossOnly)', compute_metrics: 'computeMetrics(evalPrediction)',
  create_optimizer: 'createOptimizer()', create_scheduler: 'createScheduler(numTrainingSteps, optimizer)',
  get_train_dataloader: 'getTrainDataloader()', get_eval_dataloader: 'getEvalDataloader(evalDataset)',
  get_test_dataloader: 'getTestDataloader(testDataset)', evaluation_loop: 'evaluate(evalDataset)', save_model: 'saveModel(outputDir)',
  create_optimizer_and_scheduler: 'createOptimizerAndScheduler(numTrainingSteps)', _inner_training_loop: 'innerTrainingLoop(resume)',
};

/**
 * A subclass that defines `compute_loss` (Python's name) would silently never be called, and
 * its class weights would be lost: refuse it, naming the method finetune calls.
 */
export function checkOverrideNames(trainer: object, base: object): void {
  for (let proto = Object.getPrototypeOf(trainer); proto && proto !== base; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (!Object.prototype.hasOwnProperty.call(OVERRIDABLE, name)) continue;
      const cls = (proto as { constructor: { name: string } }).constructor.name;
      throw new TypeError(`${cls} defines ${name}, the Python name, which finetune never calls; rename it to ${OVERRIDABLE[name]}`);
    }
  }
}
