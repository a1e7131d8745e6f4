// Small pieces the Trainer shares with its evaluation and checkpoint halves: the result types
// Hugging Face returns, speed metrics, which dataset columns a model takes, which parameters
// get weight decay, FLOP counting and the per-epoch evaluation table.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { LayerNorm } from '../nn/layers.js';
import type { Module } from '../nn/module.js';

export const PREFIX_CHECKPOINT_DIR = 'checkpoint';

/** What computeMetrics receives: the logits and the labels of the whole evaluation set. */
export interface EvalPrediction {
  predictions: Tensor;
  labelIds: Tensor | null;
  /** Only with includeForMetrics: ['inputs']. */
  inputs?: Tensor | null;
  /** Only with includeForMetrics: ['loss']: one loss per batch. */
  losses?: Tensor | null;
}

export type Metrics = Record<string, number>;

export interface TrainOutput {
  globalStep: number;
  trainingLoss: number;
  metrics: Metrics;
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

/**
 * The inputs a model's forward() takes. Models may list them (`forwardInputNames`); the
 * BERT family takes these. label/label_ids stay because the collator renames them to labels.
 */
const DEFAULT_FORWARD_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'labels'];

export function signatureColumns(model: unknown, labelNames: string[] | null): string[] {
  const declared = (model as { forwardInputNames?: string[] }).forwardInputNames
    ?? (model as { constructor: { forwardInputNames?: string[] } }).constructor.forwardInputNames;
  return [...new Set([...(declared ?? DEFAULT_FORWARD_INPUTS), 'label', 'label_ids', ...(labelNames ?? [])])];
}

/**
 * Hugging Face's get_decay_parameter_names: everything decays except biases and the weights
 * of LayerNorm modules (decaying a normalisation gain towards 0 only hurts).
 */
export function decayParameterNames(model: Module): Set<string> {
  const noDecay = new Set<string>();
  for (const [modName, mod] of model.namedModules()) {
    if (!(mod instanceof LayerNorm)) continue;
    for (const [pName] of mod.namedParameters()) noDecay.add(modName ? `${modName}.${pName}` : pName);
  }
  const out = new Set<string>();
  for (const [name] of model.namedParameters()) if (!noDecay.has(name) && !name.endsWith('bias')) out.add(name);
  return out;
}

/** Parameters not in embedding tables: what floating_point_ops counts (6 FLOPs per token per parameter). */
export function nonEmbeddingParameterCount(model: Module): number {
  let n = 0;
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad || /embeddings\.(word|position|token_type)_embeddings\./.test(name)) continue;
    n += p.numel();
  }
  return n;
}

/** Number of tokens in a batch's input_ids (0 when there are none). */
export function batchTokens(batch: Record<string, unknown>): number {
  const ids = batch.input_ids ?? batch.inputIds;
  return ids instanceof torch.Tensor ? ids.numel() : 0;
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
