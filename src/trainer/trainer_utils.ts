// Small pieces the Trainer shares with its evaluation and checkpoint halves: the result types
// Hugging Face returns, speed metrics, which dataset columns a model takes, which parameters
// get weight decay, FLOP counting and the per-epoch evaluation table.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { Embedding, LayerNorm } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import type { TrainerState } from './trainer_state.js';
import type { TrainingArguments } from './training_args.js';

export const PREFIX_CHECKPOINT_DIR = 'checkpoint';

/**
 * What computeMetrics receives: the logits and the labels of the whole evaluation set.
 * Iterable as in Python: `const [logits, labels] = evalPred` (then inputs and losses, when present).
 */
export class EvalPrediction {
  /** Only with includeForMetrics: ['inputs']. */
  inputs?: Tensor | null;
  /** Only with includeForMetrics: ['loss']: one loss per batch. */
  losses?: Tensor | null;

  constructor(public predictions: Tensor, public labelIds: Tensor, extra: { inputs?: Tensor | null; losses?: Tensor | null } = {}) {
    if (extra.inputs) this.inputs = extra.inputs;
    if (extra.losses) this.losses = extra.losses;
  }

  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.predictions;
    yield this.labelIds;
    if (this.inputs) yield this.inputs;
    if (this.losses) yield this.losses;
  }
}

export type Metrics = Record<string, number>;

export interface TrainOutput {
  globalStep: number;
  trainingLoss: number;
  metrics: Metrics;
  /** True when a Ctrl-C stopped training early (a checkpoint of the last step was saved). */
  interrupted: boolean;
}

export interface PredictionOutput {
  predictions: Tensor;
  labelIds: Tensor | null;
  metrics: Metrics;
}

export interface EvalLoopOutput extends PredictionOutput {
  numSamples: number;
}

/** Hugging Face's speed_metrics: `${split}_runtime`, samples and steps per second. */
export function speedMetrics(split: string, start: number, numSamples?: number, numSteps?: number): Metrics {
  const runtime = (performance.now() - start) / 1000;
  const out: Metrics = { [`${split}_runtime`]: round(runtime, 4) };
  if (numSamples !== undefined && runtime > 0) out[`${split}_samples_per_second`] = round(numSamples / runtime, 3);
  if (numSteps !== undefined && runtime > 0) out[`${split}_steps_per_second`] = round(numSteps / runtime, 3);
  return out;
}

export const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** What a model declares about itself: its forward's inputs, its labels, its main input. */
interface ModelDeclarations {
  forwardInputNames?: readonly string[];
  labelNames?: readonly string[];
  mainInputName?: string;
}

/** A declaration on the model instance, else on its class (static), else undefined. */
function declared<K extends keyof ModelDeclarations>(model: unknown, key: K): ModelDeclarations[K] {
  const m = model as ModelDeclarations & { constructor: ModelDeclarations };
  return m[key] ?? m.constructor?.[key];
}

/**
 * Hugging Face's _signature_columns: the inputs the model's forward() takes (declared as
 * `forwardInputNames`), plus label/label_ids (the collator renames them) and the label names.
 * null when the model declares nothing: then every column is passed on.
 */
export function signatureColumns(model: unknown, labelNames: readonly string[] | null): string[] | null {
  const inputs = declared(model, 'forwardInputNames');
  if (!inputs) return null;
  return [...new Set([...inputs, 'label', 'label_ids', ...(labelNames ?? [])])];
}

/**
 * transformers' find_labels: the label inputs of the model's task, as the model declares
 * them (`labelNames`: ['labels'], ['start_positions', 'end_positions'], …), else those of
 * its declared inputs whose name contains "label", else ['labels'].
 */
export function modelLabelNames(model: unknown): string[] {
  const labels = declared(model, 'labelNames');
  if (labels) return [...labels];
  const fromInputs = declared(model, 'forwardInputNames')?.filter((n) => n.includes('label') || n === 'start_positions' || n === 'end_positions');
  return fromInputs && fromInputs.length > 0 ? fromInputs : ['labels'];
}

// transformers' get_decay_parameter_names: these name patterns never decay, nor do the weights of normalisation modules
const NO_DECAY_PATTERNS = [/bias/, /layernorm/, /rmsnorm/, /(?:^|\.)norm(?:$|\.)/, /_norm(?:$|\.)/];

/** A LayerNorm, or any module that marks itself (or its class) as a normalisation layer with `isNormalization`. */
export function isNormalization(module: Module): boolean {
  return module instanceof LayerNorm || (module as { isNormalization?: boolean }).isNormalization === true
    || (module.constructor as { isNormalization?: boolean }).isNormalization === true;
}

/**
 * Hugging Face's get_decay_parameter_names: everything decays except biases and the weights
 * of normalisation layers (decaying a normalisation gain towards 0 only hurts).
 */
export function decayParameterNames(model: Module): Set<string> {
  const noDecay = new Set<string>();
  for (const [modName, mod] of model.namedModules()) {
    if (!isNormalization(mod)) continue;
    for (const [pName] of mod.namedParameters()) noDecay.add(modName ? `${modName}.${pName}` : pName);
  }
  const out = new Set<string>();
  for (const [name] of model.namedParameters()) {
    if (!noDecay.has(name) && !NO_DECAY_PATTERNS.some((re) => re.test(name.toLowerCase()))) out.add(name);
  }
  return out;
}

/** num_parameters(exclude_embeddings=True): every parameter except the weights of Embedding modules. */
export function nonEmbeddingParameterCount(model: Module): number {
  const embeddings = new Set<string>();
  for (const [name, mod] of model.namedModules()) if (mod instanceof Embedding) embeddings.add(name ? `${name}.weight` : 'weight');
  let n = 0;
  for (const [name, p] of model.namedParameters()) if (!embeddings.has(name)) n += p.numel();
  return n;
}

const nonEmbeddingCounts = new WeakMap<Module, number>();

/**
 * transformers' floating_point_ops: 6 FLOPs (forward and backward) per token of the main
 * input per non-embedding parameter. Counted once per model; models may define their own.
 */
export function floatingPointOps(model: Module, inputs: Record<string, unknown>): number {
  const own = (model as { floatingPointOps?: (x: Record<string, unknown>) => number }).floatingPointOps;
  if (typeof own === 'function') return own.call(model, inputs);
  let count = nonEmbeddingCounts.get(model);
  if (count === undefined) nonEmbeddingCounts.set(model, (count = nonEmbeddingParameterCount(model)));
  return 6 * batchTokens(inputs, declared(model, 'mainInputName')) * count;
}

/** Number of elements of a batch's main input (input_ids unless the model names another; 0 when absent). */
export function batchTokens(batch: Record<string, unknown>, mainInputName = 'input_ids'): number {
  const ids = batch[mainInputName] ?? (mainInputName === 'input_ids' ? batch.inputIds : undefined);
  return ids instanceof torch.Tensor ? ids.numel() : 0;
}

/**
 * Records this evaluation's metricForBestModel in state.bestMetric when it beats the best so
 * far; true when it did (the checkpoint being saved becomes the best one).
 */
export function recordBestMetric(args: TrainingArguments, state: TrainerState, metrics: Metrics): boolean {
  if (!args.metricForBestModel) return false;
  const name = args.metricForBestModel.startsWith('eval_') ? args.metricForBestModel : `eval_${args.metricForBestModel}`;
  const value = metrics[name];
  if (value === undefined) {
    throw new Error(`The \`metricForBestModel\` training argument is set to '${name}', which is not found in the evaluation metrics. The available evaluation metrics are: ${Object.keys(metrics).join(', ')}. Consider changing the \`metricForBestModel\` via the TrainingArguments.`);
  }
  const better = args.greaterIsBetter ? value > (state.bestMetric ?? -Infinity) : value < (state.bestMetric ?? Infinity);
  if (state.bestMetric !== null && !better) return false;
  state.bestMetric = value;
  return true;
}

/** The lines Hugging Face prints before training. */
export function trainingHeader(args: TrainingArguments, numExamples: number, plan: { numTrainEpochs: number; maxSteps: number }, trainableParameters: number, numProcesses: number): string[] {
  return [
    '***** Running training *****',
    `  Num examples = ${withCommas(numExamples)}`,
    `  Num Epochs = ${withCommas(plan.numTrainEpochs)}`,
    `  Instantaneous batch size per device = ${withCommas(args.trainBatchSize)}`,
    `  Total train batch size (w. parallel, distributed & accumulation) = ${withCommas(args.trainBatchSize * args.gradientAccumulationSteps * numProcesses)}`,
    `  Gradient Accumulation steps = ${args.gradientAccumulationSteps}`,
    `  Total optimization steps = ${withCommas(plan.maxSteps)}`,
    `  Number of trainable parameters = ${withCommas(trainableParameters)}`,
  ];
}

/** Rows in a batch: the size of its first tensor. */
export function batchSize(batch: Record<string, unknown>): number {
  for (const v of Object.values(batch)) if (v instanceof torch.Tensor && v.dim() > 0) return v.size(0);
  return 0;
}

/** Moves a batch's tensors to the model's device (a no-op copy of the object on CPU). */
export function toDevice<B extends Record<string, unknown>>(batch: B, device: string): B {
  if (device === 'cpu') return batch;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(batch)) out[k] = v instanceof torch.Tensor ? v.to(device as torch.Device) : v;
  return out as B;
}

/** Thousands separators, as Python's f"{n:,}". */
export const withCommas = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * The per-epoch table Hugging Face shows in notebooks (Epoch | Training Loss | Validation
 * Loss | metrics…), printed one row at a time so it reads well in a terminal or a log file.
 */
export class EvalTable {
  private columns: string[] | null = null;
  private widths: number[] = [];

  constructor(private readonly print: (line: string) => void) {}

  row(epoch: number, trainingLoss: number | null, metrics: Metrics): void {
    const skip = new Set(['eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second', 'epoch', 'eval_loss']);
    const names = Object.keys(metrics).filter((k) => k.startsWith('eval_') && !skip.has(k));
    if (!this.columns) {
      this.columns = ['Epoch', 'Training Loss', 'Validation Loss', ...names.map((k) => title(k.slice(5)))];
      this.widths = this.columns.map((c) => Math.max(c.length, 8));
      this.print(this.columns.map((c, i) => c.padEnd(this.widths[i])).join(' | '));
      this.print(this.widths.map((w) => '-'.repeat(w)).join('-|-'));
    }
    const cells = [Number.isInteger(epoch) ? String(epoch) : epoch.toFixed(2), trainingLoss === null ? 'No log' : trainingLoss.toFixed(6), fmt(metrics.eval_loss), ...names.map((k) => fmt(metrics[k]))];
    this.print(cells.map((c, i) => c.padEnd(this.widths[i] ?? 8)).join(' | '));
  }
}

const fmt = (v: number | undefined) => (v === undefined ? '' : v.toFixed(6));
const title = (s: string) => s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
