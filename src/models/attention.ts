// Multi-head self-attention arithmetic shared by BERT (query/key/value), RoBERTa and
// DistilBERT (q_lin/k_lin/v_lin): the modules differ only in their parameters' names.
import type { Tensor } from '../engine/tensor.js';
import * as F from '../nn/functional.js';

export interface AttentionOptions {
  heads: number;
  /** Additive mask broadcastable to [batch, heads, query, key] (0 or finfo.min), or null. */
  mask: Tensor | null;
  dropoutP: number;
  training: boolean;
  /** output_attentions: return the probabilities (otherwise null, and a fused kernel may run). */
  needWeights: boolean;
  /** The query is the leading positions of a sequence this long, whose dropout draws it takes (F.AttentionOptions). */
  dropoutQueryRows?: number;
}

/**
 * softmax(q kᵀ/√d + mask) v per head, on projected [batch, seq, hidden] inputs (the query may
 * be shorter than the key and value); returns the context [batch, query seq, hidden] and, when
 * asked (needWeights), the attention probabilities [batch, heads, query seq, seq] (after
 * dropout, as transformers returns them).
 */
export function multiHeadAttention(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions): [Tensor, Tensor | null] {
  const [batch, seq, hidden] = query.shape;
  const headSize = hidden / o.heads;
  const split = (t: Tensor) => t.view(batch, -1, o.heads, headSize).transpose(1, 2);
  const options = { attnMask: o.mask, dropoutP: o.dropoutP, training: o.training, dropoutQueryRows: o.dropoutQueryRows };
  const [context, probs] = o.needWeights
    ? F.scaledDotProductAttention(split(query), split(key), split(value), options)
    : [F.attentionContext(split(query), split(key), split(value), options), null];
  return [context.transpose(1, 2).reshape(batch, seq, hidden), probs];
}
