// What the models' forward() share: reading the inputs as tokenizers and collators give them
// (Hugging Face's snake_case keys or camelCase, tensors or plain arrays) against the inputs
// each model class declares, the additive attention mask, and the sequence-classification
// loss chosen by problem_type.
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
  startPositions?: unknown;
  endPositions?: unknown;
  pastKeyValues?: unknown;
  useCache?: boolean;
  outputHiddenStates?: boolean;
  outputAttentions?: boolean;
  /** Label tokens in the whole accumulated batch: the causal-LM loss is summed and divided by it. */
  numItemsInBatch?: number | unknown;
  /** Compute the logits of only the last N positions (generate: 1). */
  logitsToKeep?: number;
  input_ids?: unknown;
  attention_mask?: unknown;
  token_type_ids?: unknown;
  position_ids?: unknown;
  start_positions?: unknown;
  end_positions?: unknown;
  past_key_values?: unknown;
  use_cache?: boolean;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
  num_items_in_batch?: number | unknown;
  logits_to_keep?: number;
  [key: string]: unknown;
}

/** What readInputs gives a model: every known input, null where not given (or not declared by the model). */
export interface ReadInputs {
  inputIds: Tensor;
  attentionMask: Tensor | null;
  tokenTypeIds: Tensor | null;
  positionIds: Tensor | null;
  labels: Tensor | null;
  startPositions: Tensor | null;
  endPositions: Tensor | null;
  /** The attention cache of earlier steps, as the model returned it (null: none). */
  pastKeyValues: unknown;
  /** null: as the config says (use_cache, output_hidden_states, output_attentions). */
  useCache: boolean | null;
  outputHiddenStates: boolean | null;
  outputAttentions: boolean | null;
  /** A number or a scalar tensor, or null. */
  numItemsInBatch: number | Tensor | null;
  logitsToKeep: number | null;
}

/**
 * How each input a model may declare is read: 'tokens' are [batch, sequence] like input_ids
 * ('mask' too, but longer when a cache of past tokens comes along), 'target' tensors have any
 * shape (labels), 'flag' is a boolean, 'value' is passed as given.
 */
type InputKind = 'tokens' | 'mask' | 'target' | 'flag' | 'value';
const INPUTS: Record<string, [keyof ReadInputs, InputKind]> = {
  input_ids: ['inputIds', 'tokens'],
  attention_mask: ['attentionMask', 'mask'],
  token_type_ids: ['tokenTypeIds', 'tokens'],
  position_ids: ['positionIds', 'tokens'],
  past_key_values: ['pastKeyValues', 'value'],
  labels: ['labels', 'target'],
  start_positions: ['startPositions', 'target'],
  end_positions: ['endPositions', 'target'],
  use_cache: ['useCache', 'flag'],
  output_attentions: ['outputAttentions', 'flag'],
  output_hidden_states: ['outputHiddenStates', 'flag'],
  num_items_in_batch: ['numItemsInBatch', 'value'],
  logits_to_keep: ['logitsToKeep', 'value'],
};
const BY_CAMEL = new Map(Object.entries(INPUTS).map(([snake, [camel]]) => [camel as string, snake]));

/** Columns tokenizers and collators may add that no model input uses (transformers' Trainer drops them). */
const IGNORED = new Set(['special_tokens_mask', 'specialTokensMask', 'offset_mapping', 'offsetMapping', 'overflow_to_sample_mapping',
  'overflowToSampleMapping', 'length', 'return_dict', 'returnDict']);

/**
 * What a model class declares about its forward(): the inputs it takes (transformers' forward
 * signature, snake_case), the label inputs among them (find_labels), and inputs it accepts but
 * ignores (DistilBERT: the token_type_ids a BERT tokenizer adds).
 */
export interface ForwardDeclaration {
  forwardInputNames?: readonly string[];
  labelNames?: readonly string[];
  ignoredInputNames?: readonly string[];
}

/** The declared input names of a model (its own or its class's), checked against the names readInputs knows. */
export function forwardInputsOf(model: object): { owner: string; accepts: Set<string>; ignores: Set<string> } {
  const cls = model.constructor as ForwardDeclaration & { name: string };
  const owner = cls.name;
  const declared = (model as ForwardDeclaration).forwardInputNames ?? cls.forwardInputNames;
  if (!Array.isArray(declared)) throw new TypeError(`${owner} declares no forwardInputNames (the snake_case inputs its forward() takes, e.g. ['input_ids', 'attention_mask'])`);
  const unknown = declared.filter((name) => !(name in INPUTS));
  if (unknown.length > 0) throw new TypeError(`${owner}.forwardInputNames: readInputs does not know ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${Object.keys(INPUTS).join(', ')})`);
  return { owner, accepts: new Set(declared), ignores: new Set(cls.ignoredInputNames ?? []) };
}

function asTensor(value: unknown, key: string, owner: string): Tensor {
  if (value instanceof torch.Tensor) return value;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return torch.tensor(value as number[][]);
  throw new TypeError(`${owner}.forward: '${key}' must be a Tensor or an array, got ${value === null ? 'null' : typeof value}`);
}

/** Every key of the bag must be an input the model declares (or one of the tokenizer's extras): a misspelt key would otherwise be silently ignored. */
function checkKeys(bag: Record<string, unknown>, owner: string, accepts: Set<string>, ignores: Set<string>): void {
  for (const key of Object.keys(bag)) {
    const snake = key in INPUTS ? key : BY_CAMEL.get(key);
    if (IGNORED.has(key) || (snake && (ignores.has(snake) || accepts.has(snake)))) continue;
    const names = [...accepts].map((s) => `${s}/${INPUTS[s][0]}`);
    const why = snake ? `; ${owner} does not take ${snake}` : key === 'label' || key === 'label_ids' ? "; the labels go under 'labels' (transformers' collators rename 'label')" : '';
    throw new TypeError(`${owner}.forward: unexpected input '${key}' (accepted: ${names.join(', ')})${why}`);
  }
}

/**
 * Reads forward()'s inputs against what `model`'s class declares (forwardInputNames), by
 * snake_case or camelCase key. `inputs` may be a tensor of input ids. An input the model does
 * not declare is an error naming the model, the input and what it accepts; inputs it ignores
 * (ignoredInputNames) and the tokenizer's extra columns are dropped.
 */
export function readInputs(inputs: ModelInputs | Tensor, model: object): ReadInputs {
  const { owner, accepts, ignores } = forwardInputsOf(model);
  const bag = (inputs instanceof torch.Tensor ? { input_ids: inputs } : inputs) as Record<string, unknown>;
  assertNotPromise(bag, `${owner}.forward`);
  if (bag === null || typeof bag !== 'object') throw new TypeError(`${owner}.forward: expected the tokenizer's output (an object with input_ids) or a tensor of input ids`);
  checkKeys(bag, owner, accepts, ignores);
  const get = (snake: string): unknown => (accepts.has(snake) ? bag[snake] ?? bag[INPUTS[snake][0]] ?? null : null);
  const ids = get('input_ids');
  if (ids === null) throw new TypeError(`${owner}.forward: input_ids (or inputIds) is required`);
  const inputIds = asTensor(ids, 'input_ids', owner);
  if (inputIds.dim() !== 2) throw new Error(`${owner}.forward: input_ids must have shape [batch, sequence], got [${inputIds.shape.join(', ')}]`);
  const pastKeyValues = get('past_key_values');
  const read = (snake: string): unknown => {
    const v = get(snake);
    const kind = INPUTS[snake][1];
    if (v === null || kind === 'value') return v;
    if (kind === 'flag') return Boolean(v);
    const t = asTensor(v, snake, owner);
    if (kind === 'target') return t;
    // with a cache the mask also covers the past tokens: [batch, past + sequence]
    const seqOk = () => (kind === 'mask' && pastKeyValues !== null ? t.size(1) >= inputIds.size(1) : t.size(1) === inputIds.size(1));
    if (t.dim() !== 2 || t.size(0) !== inputIds.size(0) || !seqOk()) {
      throw new Error(`${owner}.forward: ${snake} has shape [${t.shape.join(', ')}] but input_ids has [${inputIds.shape.join(', ')}]`);
    }
    return t;
  };
  const out = Object.fromEntries(Object.entries(INPUTS).map(([snake, [camel]]) => [camel, snake === 'input_ids' ? inputIds : read(snake)]));
  return out as unknown as ReadInputs;
}


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
