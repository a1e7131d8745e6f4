// Data collators: a list of examples → a batch of tensors, as in Hugging Face transformers.
// They are callable objects, so they can be passed as a DataLoader's collateFn.
import type { Tensor } from '../engine/tensor.js';
import type { BatchEncoding } from '../tokenizers/batch-encoding.js';
import { Callable } from '../tokenizers/callable.js';
import { columnToTensor, type PadOptions } from '../tokenizers/pad.js';
import type { PaddingStrategy } from '../tokenizers/options.js';
import { getTorch, isTensor } from '../tokenizers/tensors.js';
import { assertNotPromise } from '../tokenizers/not-awaited.js';

/** A batch: Hugging Face keys (`input_ids`, `labels`, ...) with camelCase aliases. */
export type Batch = Record<string, Tensor> & {
  readonly inputIds?: Tensor;
  readonly attentionMask?: Tensor;
  readonly tokenTypeIds?: Tensor;
};

/** A batch a padding collator made: input_ids and attention_mask are always there. */
export type PaddedBatch = Batch & { input_ids: Tensor; attention_mask: Tensor };

const ALIASES: Record<string, string> = { inputIds: 'input_ids', attentionMask: 'attention_mask', tokenTypeIds: 'token_type_ids', specialTokensMask: 'special_tokens_mask' };

/** Adds non-enumerable camelCase getters, so `Object.entries(batch)` shows Hugging Face's keys only. */
export function withAliases<T extends Record<string, unknown>>(batch: T): T {
  for (const [camel, snake] of Object.entries(ALIASES)) {
    if (snake in batch) Object.defineProperty(batch, camel, { get: () => batch[snake], enumerable: false, configurable: true });
  }
  return batch;
}

/** What collators need from a tokenizer. */
export interface CollatorTokenizer {
  pad(features: Record<string, unknown>[], options: PadOptions): BatchEncoding;
  padTokenId: number | null;
  maskToken: string | null;
  maskTokenId: number | null;
  allSpecialIds: number[];
  numTokens: number;
}

type Features = Record<string, unknown>[];

function renameLabels(batch: Record<string, unknown>): void {
  for (const key of ['label', 'label_ids']) {
    if (key in batch) {
      batch.labels = batch[key];
      delete batch[key];
    }
  }
}

export interface DataCollatorWithPaddingOptions {
  tokenizer: CollatorTokenizer;
  padding?: PaddingStrategy;
  maxLength?: number;
  padToMultipleOf?: number;
  returnTensors?: 'pt';
}

export interface DataCollatorWithPadding {
  (features: Features): PaddedBatch;
}

/** Pads each batch to its longest example (dynamic padding); `label` becomes `labels`. */
export class DataCollatorWithPadding extends Callable<[Features], PaddedBatch> {
  tokenizer!: CollatorTokenizer;
  padding!: PaddingStrategy;
  maxLength?: number;
  padToMultipleOf?: number;

  constructor(options: DataCollatorWithPaddingOptions) {
    super();
    if (!options?.tokenizer) throw new TypeError('DataCollatorWithPadding: a tokenizer is required');
    this.tokenizer = options.tokenizer;
    this.padding = options.padding ?? true;
    this.maxLength = options.maxLength;
    this.padToMultipleOf = options.padToMultipleOf;
  }

  protected _call(features: Features): PaddedBatch {
    assertNotPromise(features, 'DataCollatorWithPadding');
    const enc = this.tokenizer.pad(features, { padding: this.padding, maxLength: this.maxLength, padToMultipleOf: this.padToMultipleOf, returnTensors: 'pt' });
    const batch = enc.toObject();
    renameLabels(batch);
    return withAliases(batch) as PaddedBatch;
  }
}

/**
 * Hugging Face's default_data_collator: stacks equal-length fields into tensors (strings are
 * left out), `label`/`label_ids` become `labels` (int64 for integers, float32 otherwise).
 */
export function defaultDataCollator(features: Features): Batch {
  assertNotPromise(features, 'defaultDataCollator');
  if (!Array.isArray(features) || features.length === 0) throw new Error('defaultDataCollator: expected a non-empty list of examples');
  const first = features[0];
  const batch: Record<string, unknown> = {};
  for (const key of ['label', 'label_ids']) {
    if (key in first && first[key] !== null && first[key] !== undefined) batch.labels = columnToTensor('labels', features.map((f) => f[key]));
  }
  for (const [key, value] of Object.entries(first)) {
    if (key === 'label' || key === 'label_ids' || value === null || value === undefined || typeof value === 'string') continue;
    const values = features.map((f) => f[key]);
    batch[key] = isTensor(value) ? getTorch().stack(values as Tensor[], 0) : columnToTensor(key, values);
  }
  return withAliases(batch) as Batch;
}

export interface DefaultDataCollator {
  (features: Features): Batch;
}

/** transformers' DefaultDataCollator: default_data_collator as a callable object. */
export class DefaultDataCollator extends Callable<[Features], Batch> {
  returnTensors!: 'pt';

  constructor(options: { returnTensors?: 'pt'; return_tensors?: 'pt' } = {}) {
    super();
    const returnTensors = options.returnTensors ?? options.return_tensors ?? 'pt';
    if (returnTensors !== 'pt') throw new TypeError(`DefaultDataCollator: returnTensors must be 'pt' (finetune batches are torch tensors), got ${JSON.stringify(returnTensors)}`);
    this.returnTensors = returnTensors;
  }

  protected _call(features: Features): Batch {
    return defaultDataCollator(features);
  }
}
