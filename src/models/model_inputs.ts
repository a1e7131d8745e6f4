// What the models' forward() share: reading the inputs as tokenizers and collators give them
// (Hugging Face's snake_case keys or camelCase, tensors or plain arrays), the additive
// attention mask, and the sequence-classification loss chosen by problem_type.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DType } from '../engine/dtype.js';
import * as F from '../nn/functional.js';
import type { PretrainedConfig } from './configuration_utils.js';
import { assertNotPromise } from '../tokenizers/not-awaited.js';

/** forward()'s argument: a tokenizer's BatchEncoding, a collator's batch, or a plain object. */
export interface ModelInputs {
  inputIds?: unknown;
  attentionMask?: unknown;
  tokenTypeIds?: unknown;
  positionIds?: unknown;
  /** Class indices (int64) for classification, floats for regression and multi-label. */
  labels?: unknown;
  outputHiddenStates?: boolean;
  outputAttentions?: boolean;
  input_ids?: unknown;
  attention_mask?: unknown;
  token_type_ids?: unknown;
  position_ids?: unknown;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
  [key: string]: unknown;
}

export interface ReadInputs {
  inputIds: Tensor;
  attentionMask: Tensor | null;
  tokenTypeIds: Tensor | null;
  positionIds: Tensor | null;
  labels: Tensor | null;
  /** null: as the config says (output_hidden_states / output_attentions). */
  outputHiddenStates: boolean | null;
  outputAttentions: boolean | null;
}

const KEYS: Record<string, keyof ReadInputs> = {
  input_ids: 'inputIds', attention_mask: 'attentionMask', token_type_ids: 'tokenTypeIds', position_ids: 'positionIds',
  labels: 'labels', output_hidden_states: 'outputHiddenStates', output_attentions: 'outputAttentions',
};
/** Columns tokenizers and collators may add that no model input uses (transformers' Trainer drops them). */
const IGNORED = new Set(['special_tokens_mask', 'specialTokensMask', 'offset_mapping', 'offsetMapping', 'overflow_to_sample_mapping',
  'overflowToSampleMapping', 'length', 'return_dict', 'returnDict']);

function asTensor(value: unknown, key: string, owner: string): Tensor {
  if (value instanceof torch.Tensor) return value;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return torch.tensor(value as number[][]);
  throw new TypeError(`${owner}.forward: '${key}' must be a Tensor or an array, got ${value === null ? 'null' : typeof value}`);
}

/**
 * Reads forward()'s inputs. `inputs` may be a tensor of input ids. Keys the model does not
 * take are an error (a misspelt key would otherwise be silently ignored), except the
 * tokenizer's extra columns and those in `alsoIgnore` (DistilBERT ignores token_type_ids).
 */
export function readInputs(inputs: ModelInputs | Tensor, owner: string, options: { accepts?: (keyof ReadInputs)[]; alsoIgnore?: string[] } = {}): ReadInputs {
  const bag: ModelInputs = inputs instanceof torch.Tensor ? { input_ids: inputs } : inputs;
  assertNotPromise(bag, `${owner}.forward`);
  if (bag === null || typeof bag !== 'object') throw new TypeError(`${owner}.forward: expected the tokenizer's output (an object with input_ids) or a tensor of input ids`);
  const accepts = new Set(options.accepts ?? Object.values(KEYS));
  const ignore = new Set(options.alsoIgnore ?? []);
  const get = (snake: string): unknown => {
    const camel = KEYS[snake];
    return (bag as Record<string, unknown>)[snake] ?? (bag as Record<string, unknown>)[camel];
  };
  for (const key of Object.keys(bag)) {
    const field = KEYS[key] ?? (Object.values(KEYS).includes(key as keyof ReadInputs) ? (key as keyof ReadInputs) : undefined);
    if (IGNORED.has(key) || ignore.has(key) || (field && ignore.has(field))) continue;
    if (!field || !accepts.has(field)) {
      const names = Object.entries(KEYS).filter(([, c]) => accepts.has(c)).map(([s, c]) => `${s}/${c}`);
      const hint = key === 'label' || key === 'label_ids' ? "; the labels go under 'labels' (transformers' collators rename 'label')" : '';
      throw new TypeError(`${owner}.forward: unexpected input '${key}' (accepted: ${names.join(', ')})${hint}`);
    }
  }
  const ids = get('input_ids');
  if (ids === undefined || ids === null) throw new TypeError(`${owner}.forward: input_ids (or inputIds) is required`);
  const inputIds = asTensor(ids, 'input_ids', owner);
  if (inputIds.dim() !== 2) throw new Error(`${owner}.forward: input_ids must have shape [batch, sequence], got [${inputIds.shape.join(', ')}]`);
  const optional = (snake: string): Tensor | null => {
    const field = KEYS[snake];
    if (ignore.has(snake) || ignore.has(field)) return null;
    const v = get(snake);
    if (v === undefined || v === null) return null;
    const t = asTensor(v, snake, owner);
    if (snake !== 'labels' && (t.dim() !== 2 || t.size(0) !== inputIds.size(0) || t.size(1) !== inputIds.size(1))) {
      throw new Error(`${owner}.forward: ${snake} has shape [${t.shape.join(', ')}] but input_ids has [${inputIds.shape.join(', ')}]`);
    }
    return t;
  };
  return {
    inputIds,
    attentionMask: optional('attention_mask'),
    tokenTypeIds: optional('token_type_ids'),
    positionIds: optional('position_ids'),
    labels: optional('labels'),
    outputHiddenStates: flag(get('output_hidden_states')),
    outputAttentions: flag(get('output_attentions')),
  };
}

const flag = (v: unknown): boolean | null => (v === undefined || v === null ? null : Boolean(v));

/** torch.finfo(dtype).min: the mask value that removes a position from the softmax. */
export function finfoMin(dtype: DType): number {
  switch (dtype) {
    case 'float64': return -Number.MAX_VALUE;
    case 'float16': return -65504;
    case 'bfloat16': return -3.3895313892515355e38;
    default: return -3.4028234663852886e38;
  }
}

/**
 * BertModel.get_extended_attention_mask: a [batch, seq] mask of 1 (attend) and 0 (padding)
 * becomes an additive [batch, 1, 1, seq] mask of 0 and finfo(dtype).min.
 */
export function extendedAttentionMask(mask: Tensor, dtype: DType): Tensor {
  return torch.tidy(() => mask.unsqueeze(1).unsqueeze(1).to(dtype).neg().add(1).mul(finfoMin(dtype)));
}

/**
 * The loss of transformers' *ForSequenceClassification. problem_type, when unset, is inferred
 * (and stored in the config) as there: one label → regression, integer labels →
 * single-label classification, anything else → multi-label classification.
 */
export function sequenceClassificationLoss(config: PretrainedConfig, logits: Tensor, labels: Tensor): Tensor {
  const numLabels = config.numLabels;
  if (config.problemType === null) {
    if (numLabels === 1) config.problemType = 'regression';
    else if (numLabels > 1 && (labels.dtype === 'int64' || labels.dtype === 'int32')) config.problemType = 'single_label_classification';
    else config.problemType = 'multi_label_classification';
  }
  return torch.tidy(() => {
    switch (config.problemType) {
      case 'regression': {
        // MSE needs matching dtypes; transformers leaves integer targets to fail, we convert them
        const target = labels.to(logits.dtype);
        return numLabels === 1 ? F.mseLoss(logits.squeeze(), target.squeeze()) : F.mseLoss(logits, target);
      }
      case 'single_label_classification':
        return F.crossEntropy(logits.view(-1, numLabels), labels.to('int64').view(-1));
      default:
        return F.binaryCrossEntropyWithLogits(logits, labels.to(logits.dtype));
    }
  });
}
