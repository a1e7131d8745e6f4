// transformers' masking_utils.create_causal_mask for eager attention: an additive mask
// [batch, 1, query, past + query] of 0 (attend) and finfo(dtype).min (masked), combining
// causality (a token sees itself and earlier tokens), the padding of a [batch, past + query]
// attention mask (left padding included), and optionally a sliding window (Mistral).
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DType } from '../engine/dtype.js';
import { finfoMin } from './model_inputs.js';

export interface CausalMaskOptions {
  /** [batch, past + query] of 1/0 (or bool), or null: every token is real. */
  attentionMask: Tensor | null;
  batch: number;
  queryLength: number;
  pastLength: number;
  dtype: DType;
  /** Keys more than `slidingWindow - 1` positions back are masked (transformers' sliding_window_overlay). */
  slidingWindow?: number | null;
  /**
   * [batch, query] positions. Without an attention mask and without a cache, a row whose
   * positions restart (a packed row, as DataCollatorWithFlattening gives) is several
   * sequences: attention stays inside each (transformers' find_packed_sequence_indices).
   */
  positionIds?: Tensor | null;
}

/**
 * The additive mask, or null when nothing needs masking (one new token, no padding, no window).
 * Query rows that may attend to no key at all (left padding before the first real token) are
 * listed in `attending` ([batch, 1, query, 1] of 1/0, null when there are none): torch's SDPA,
 * which transformers uses, gives them a zero output, and so must we (their next-token logits
 * enter the loss, since the label after the padding is a real token).
 */
export interface CausalMask {
  additive: Tensor;
  attending: Tensor | null;
}

export function createCausalMask(o: CausalMaskOptions): CausalMask | null {
  const kvLength = o.pastLength + o.queryLength;
  const windowBites = o.slidingWindow != null && kvLength > o.slidingWindow;
  const paddingFree = o.attentionMask === null;
  const packed = paddingFree && o.pastLength === 0 && o.positionIds ? packedSequenceIndices(o.positionIds) : null;
  if (paddingFree && !packed && o.queryLength === 1 && !windowBites) return null;
  if (o.attentionMask && o.attentionMask.size(1) !== kvLength) {
    throw new Error(`attention_mask has ${o.attentionMask.size(1)} positions but the cache holds ${o.pastLength} and input_ids adds ${o.queryLength}: pass the mask of past and new tokens [batch, ${kvLength}]`);
  }
  return torch.tidy(() => {
    const q = torch.arange(o.pastLength, kvLength).view(-1, 1);
    const kv = torch.arange(0, kvLength).view(1, -1);
    let allowed = kv.le(q);
    if (windowBites) allowed = allowed.logicalAnd(kv.gt(q.sub(o.slidingWindow!)));
    let full = allowed.view(1, 1, o.queryLength, kvLength);
    if (o.attentionMask) full = full.logicalAnd(o.attentionMask.ne(0).view(o.batch, 1, 1, kvLength));
    else full = full.expand(o.batch, 1, o.queryLength, kvLength);
    if (packed) full = full.logicalAnd(packed.unsqueeze(2).eq(packed.unsqueeze(1)).unsqueeze(1));
    const additive = torch.zeros(full.shape, { dtype: o.dtype }).maskedFill_(full.logicalNot(), finfoMin(o.dtype));
    const rows = full.any(-1, true);
    const attending = rows.all().item() ? null : rows.to(o.dtype);
    packed?.dispose();
    return { additive, attending };
  });
}

/**
 * The sequence index of each token of a packed batch ([batch, query], counting from 0 in each
 * row), or null when no row is packed: a new sequence starts wherever the position does not
 * follow the previous one by 1 (transformers' find_packed_sequence_indices).
 */
export function packedSequenceIndices(positionIds: Tensor): Tensor | null {
  if (positionIds.dim() !== 2 || positionIds.size(1) < 2) return null;
  const t = positionIds.size(1);
  const segments = torch.tidy(() => {
    const step = positionIds.slice(1, 1, t).sub(positionIds.slice(1, 0, t - 1));
    const starts = torch.cat([torch.zeros([positionIds.size(0), 1], { dtype: 'int64' }), step.ne(1).to('int64')], 1);
    return starts.cumsum(1);
  });
  const anyPacked = torch.tidy(() => segments.slice(1, t - 1, t).gt(0).any().item());
  if (anyPacked) return segments;
  segments.dispose();
  return null;
}

/**
 * The positions generate gives a left-padded batch: attention_mask.cumsum(-1) - 1, padding
 * set to 1 (transformers' prepare_inputs_for_generation), so real tokens count from 0.
 */
export function positionIdsFromMask(attentionMask: Tensor): Tensor {
  return torch.tidy(() => {
    const mask = attentionMask.to('int64');
    return mask.cumsum(-1).sub(1).maskedFill_(mask.eq(0), 1);
  });
}
