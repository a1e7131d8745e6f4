// What the decoder families share: grouped-query attention over [batch, heads, seq, head_dim]
// tensors, and the sequence-classification head read at the last non-pad token.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import * as F from '../nn/functional.js';
import type { PretrainedConfig } from './configuration_utils.js';
import type { ReadInputs } from './model_inputs.js';
import type { CausalMask } from './masking_utils.js';
import { classifierOutput } from './modeling_outputs.js';
import type { SequenceClassifierOutput } from './modeling_outputs.js';

/**
 * softmax(q kᵀ · scale + mask) v with `q` [batch, heads, seq, d] and keys/values
 * [batch, kv_heads, kv, d], each key/value head serving heads / kv_heads query heads
 * (transformers' repeat_kv). Returns the context as [batch, seq, heads · d]. Decoding one
 * token folds the query heads of a group into rows instead, so the cache is never copied.
 */
export function groupedQueryAttention(q: Tensor, k: Tensor, v: Tensor, causal: CausalMask | null, o: { scale: number; dropoutP: number; training: boolean }): Tensor {
  return torch.tidy(() => {
    const mask = causal?.additive ?? null;
    const [batch, heads, seq, d] = q.shape;
    const kvHeads = k.size(1);
    const groups = heads / kvHeads;
    const options = { attnMask: mask, dropoutP: o.dropoutP, training: o.training, scale: o.scale };
    if (groups > 1 && seq === 1 && (mask === null || mask.size(2) === 1)) {
      const [context] = F.scaledDotProductAttention(q.reshape(batch, kvHeads, groups, d), k, v, options);
      return context.reshape(batch, 1, heads * d);
    }
    const repeat = (t: Tensor) => (groups === 1 ? t : t.unsqueeze(2).expand(batch, kvHeads, groups, t.size(2), d).reshape(batch, heads, t.size(2), d));
    let [context] = F.scaledDotProductAttention(q, repeat(k), repeat(v), options);
    if (causal?.attending) context = context.mul(causal.attending);
    return context.transpose(1, 2).reshape(batch, seq, heads * d);
  });
}

/**
 * transformers' *ForSequenceClassification for decoders: the logits at the rightmost token
 * that is not pad_token_id (left and right padding alike; the last token when none is pad),
 * and the loss of the config's problem type. Without pad_token_id only batches of one work.
 */
export function lastNonPadLogits(config: PretrainedConfig, x: ReadInputs, hidden: Tensor, score: (h: Tensor) => Tensor): SequenceClassifierOutput {
  const [batch, seq] = x.inputIds.shape;
  const pad = config.padTokenId;
  if (pad === null && batch !== 1) {
    throw new Error(`${config.where()}: cannot handle batch sizes > 1 if no padding token is defined (set pad_token_id in config.json, e.g. to the tokenizer's pad or eos token id)`);
  }
  let last: Tensor;
  if (pad === null) last = torch.full([batch], seq - 1, { dtype: 'int64' });
  else {
    const nonPad = x.inputIds.ne(pad).to('int64');
    last = torch.arange(0, seq).mul(nonPad).argmax(-1);
  }
  const pooled = score(hidden.index([torch.arange(0, batch), last]));
  return classifierOutput(config, pooled, x.labels, { lastHiddenState: hidden });
}

/** What a *ForCausalLM's forward takes (the Trainer passes only these model inputs through). */
export const CAUSAL_LM_INPUT_NAMES: readonly string[] = [
  'input_ids', 'attention_mask', 'position_ids', 'past_key_values', 'labels', 'use_cache', 'num_items_in_batch', 'logits_to_keep',
];
