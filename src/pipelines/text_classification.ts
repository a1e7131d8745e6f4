// The text-classification pipeline of transformers (TextClassificationPipeline): tokenize,
// run the model without gradients, turn logits into scores (softmax / sigmoid / none, chosen
// from the config as transformers does) and name them with config.id2label.
import * as torch from '../engine/torch.js';
import type { Device } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import type { AutoSequenceClassificationModel } from '../models/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { VERY_LARGE_INTEGER } from '../tokenizers/options.js';

export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';

export interface LabelScore {
  label: string;
  score: number;
}

/** A sentence pair, as transformers' `{"text": ..., "text_pair": ...}` input. */
export interface TextPair {
  text: string;
  textPair?: string;
  text_pair?: string;
}
export type ClassificationInput = string | TextPair;

export interface TextClassificationOptions {
  /**
   * How many labels to return, best first. Left out: the best label only, and a list of
   * inputs gives one `{label, score}` per input (transformers' legacy output). A number or
   * null (all labels): each input gives a sorted list.
   */
  topK?: number | null;
  /** Defaults as transformers: regression → none, multi-label or one label → sigmoid, else softmax. */
  functionToApply?: ClassificationFunction;
  /** Inputs per forward pass (padding to the longest of the batch). */
  batchSize?: number;
}

const FUNCTIONS: readonly ClassificationFunction[] = ['softmax', 'sigmoid', 'none'];

export class TextClassificationPipeline {
  readonly task: string;
  readonly model: AutoSequenceClassificationModel;
  readonly tokenizer: PreTrainedTokenizerFast;
  readonly device: Device | null;
  readonly defaults: TextClassificationOptions;

  constructor(init: { task?: string; model: AutoSequenceClassificationModel; tokenizer: PreTrainedTokenizerFast; device?: Device | null; defaults?: TextClassificationOptions }) {
    this.task = init.task ?? 'text-classification';
    this.model = init.model;
    this.tokenizer = init.tokenizer;
    this.device = init.device ?? null;
    this.defaults = { ...init.defaults };
    this.model.eval();
    if (this.device) this.model.to(this.device);
  }

  /**
   * The longest input the model takes: the tokenizer's modelMaxLength, capped by the config's
   * max_position_embeddings (RoBERTa's positions start after the padding index, so 2 fewer).
   */
  get maxLength(): number {
    const config = this.model.config as unknown as { maxPositionEmbeddings?: number; modelType: string };
    let max = this.tokenizer.modelMaxLength < VERY_LARGE_INTEGER ? this.tokenizer.modelMaxLength : Infinity;
    if (typeof config.maxPositionEmbeddings === 'number') {
      const offset = config.modelType === 'roberta' || config.modelType === 'xlm-roberta' ? 2 : 0;
      max = Math.min(max, config.maxPositionEmbeddings - offset);
    }
    return Number.isFinite(max) ? max : 512;
  }

  /** transformers' default choice of the score function. */
  defaultFunction(): ClassificationFunction {
    const config = this.model.config;
    const own = (config.extra as Record<string, unknown>).function_to_apply;
    if (config.problemType === 'regression') return 'none';
    if (config.problemType === 'multi_label_classification' || config.numLabels === 1) return 'sigmoid';
    if (config.problemType === 'single_label_classification' || config.numLabels > 1) return 'softmax';
    return FUNCTIONS.includes(own as ClassificationFunction) ? (own as ClassificationFunction) : 'none';
  }

  /** One input → its labels; a list → one entry per input. */
  async run(inputs: ClassificationInput, options?: TextClassificationOptions): Promise<LabelScore[]>;
  async run(inputs: ClassificationInput[], options?: TextClassificationOptions): Promise<LabelScore[] | LabelScore[][]>;
  async run(inputs: ClassificationInput | ClassificationInput[], options: TextClassificationOptions = {}): Promise<LabelScore[] | LabelScore[][]> {
    const o = { ...this.defaults, ...options };
    const fn = o.functionToApply ?? this.defaultFunction();
    if (!FUNCTIONS.includes(fn)) throw new TypeError(`${this.task}: functionToApply must be one of ${FUNCTIONS.join(', ')}, got ${JSON.stringify(fn)}`);
    const legacy = !('topK' in o) || o.topK === undefined;
    const topK: number | null = legacy ? 1 : (o.topK as number | null);
    if (topK !== null && (!Number.isInteger(topK) || topK < 1)) throw new RangeError(`${this.task}: topK must be a positive integer or null (all labels), got ${topK}`);
    const batchSize = o.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${this.task}: batchSize must be a positive integer, got ${batchSize}`);

    const single = !Array.isArray(inputs);
    const list = single ? [inputs] : inputs;
    list.forEach((x, i) => checkInput(x, i, this.task));
    const results: LabelScore[][] = [];
    for (let start = 0; start < list.length; start += batchSize) {
      const logits = await this.logits(list.slice(start, start + batchSize));
      for (const row of logits) results.push(this.label(row, fn, topK));
    }
    // transformers: one text (or, without top_k, a list) gives flat {label, score} entries
    if (single) return results[0];
    return legacy ? results.map((r) => r[0]) : results;
  }

  /** The model's logits for one batch of inputs, as float64 rows. */
  async logits(batch: ClassificationInput[]): Promise<number[][]> {
    const texts = batch.map((x) => (typeof x === 'string' ? x : x.text));
    const pairs = batch.map((x) => (typeof x === 'string' ? null : (x.textPair ?? x.text_pair ?? null)));
    const hasPairs = pairs.some((p) => p !== null);
    if (hasPairs && pairs.some((p) => p === null)) throw new TypeError(`${this.task}: either every input of a batch is a pair or none is`);
    // truncation to the model's maximum: a longer input would index past the position embeddings
    const encodeOptions = { truncation: true, maxLength: this.maxLength, padding: true } as const;
    const enc = hasPairs
      ? await this.tokenizer(texts, pairs as string[], encodeOptions)
      : await this.tokenizer(texts, encodeOptions);
    return torch.inferenceMode(() => torch.tidy(() => {
      const inputs: Record<string, Tensor> = {};
      for (const key of this.tokenizer.modelInputNames) {
        const value = enc[key] as number[][] | undefined;
        if (value === undefined) continue;
        const t = torch.tensor(value, { dtype: 'int64' });
        inputs[key] = this.device ? t.to(this.device) : t;
      }
      const { logits } = this.model.forward(inputs);
      return logits.to('float64').to('cpu').toArray() as number[][];
    }));
  }

  private label(logits: number[], fn: ClassificationFunction, topK: number | null): LabelScore[] {
    const scores = applyFunction(logits, fn);
    const id2label = this.model.config.id2label;
    const out = scores.map((score, i) => ({ label: id2label[i] ?? `LABEL_${i}`, score }));
    // a stable sort keeps label order among ties, like numpy's argsort on the negated scores… closely enough
    out.sort((a, b) => b.score - a.score);
    return topK === null ? out : out.slice(0, topK);
  }
}

function checkInput(x: unknown, i: number, task: string): void {
  if (typeof x === 'string') return;
  if (x !== null && typeof x === 'object' && typeof (x as TextPair).text === 'string') return;
  throw new TypeError(`${task}: input ${i} must be a string or { text, textPair }, got ${x === null ? 'null' : typeof x}`);
}

/** Scores in float64, with the max subtracted before exp (transformers' numpy softmax). */
export function applyFunction(logits: number[], fn: ClassificationFunction): number[] {
  if (fn === 'sigmoid') return logits.map((x) => 1 / (1 + Math.exp(-x)));
  if (fn === 'none') return [...logits];
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
