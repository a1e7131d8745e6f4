// torch.nn.functional: the stateless forms of the layers and the losses.
import { N } from '../engine/native.js';
import type { Tensor } from '../engine/tensor.js';
import { isFloatingPoint, type DType } from '../engine/dtype.js';

export type Reduction = 'none' | 'mean' | 'sum';

export const relu = (input: Tensor): Tensor => N.relu(input);
export const gelu = (input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => N.gelu(input, approximate);
export const silu = (input: Tensor): Tensor => N.silu(input);
export const tanh = (input: Tensor): Tensor => N.tanh(input);
export const sigmoid = (input: Tensor): Tensor => N.sigmoid(input);
export const softmax = (input: Tensor, dim: number, dtype?: DType): Tensor => N.softmax(input, dim, dtype);
export const logSoftmax = (input: Tensor, dim: number, dtype?: DType): Tensor => N.logSoftmax(input, dim, dtype);
export const dropout = (input: Tensor, p = 0.5, training = true): Tensor => N.dropout(input, p, training);
/**
 * dropout(whole, p, training).narrow(dim, 0, input.size(dim)) for an input that is that leading
 * slice of `whole`, a tensor drawnSize long along dim: the same mask on the slice and the same
 * random stream consumed, without computing the rest of `whole` (a layer whose caller reads
 * only its first positions).
 */
export function dropoutOfLeadingSlice(input: Tensor, p: number, training: boolean, dim: number, drawnSize: number): Tensor {
  return N.dropout(input, p, training, dim, drawnSize);
}
export const linear = (input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => N.linear(input, weight, bias);
export const oneHot = (input: Tensor, numClasses = -1): Tensor => N.oneHot(input, numClasses);
/** Constant padding; `pad` lists (before, after) pairs from the last dimension backwards. */
export const pad = (input: Tensor, padding: readonly number[], value = 0): Tensor => N.pad(input, padding, value);

export function layerNorm(input: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return N.layerNorm(input, normalizedShape, weight, bias, eps);
}

export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  let padding = -1; // libtorch's "no padding", so a negative paddingIdx must not reach it as is
  if (paddingIdx != null) {
    const rows = weight.size(0);
    if (paddingIdx >= rows || paddingIdx < -rows) throw new RangeError(`embedding: paddingIdx ${paddingIdx} must be within num_embeddings (${rows})`);
    // As F.embedding: a negative paddingIdx counts from the end.
    padding = paddingIdx < 0 ? rows + paddingIdx : paddingIdx;
  }
  return N.embedding(weight, input, padding);
}

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * Losses take floating-point inputs, weights and (for regression) targets. JavaScript has one
 * number type, so `torch.tensor([1, 2, 3])` is int64, and such a tensor is the usual cause.
 */
function requireFloat(op: string, what: string, t: Tensor | null | undefined): void {
  if (!t || isFloatingPoint(t.dtype)) return;
  throw new TypeError(
    `${op}: ${what} must be a floating-point tensor, got ${t.dtype}. In JavaScript torch.tensor([1.0, 2.0]) is int64 ` +
    `(1.0 is the number 1); create it with torch.tensor(values, { dtype: 'float32' }) or convert it with .float()`,
  );
}

/** Targets are class indices (int64) or class probabilities (same shape as input). */
export function crossEntropy(input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  requireFloat('crossEntropy', 'input', input);
  requireFloat('crossEntropy', 'weight (the class weights)', o.weight);
  return N.crossEntropy(input, target, o.weight, o.reduction ?? 'mean', o.ignoreIndex ?? -100, o.labelSmoothing ?? 0);
}

export function nllLoss(input: Tensor, target: Tensor, o: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  requireFloat('nllLoss', 'input', input);
  requireFloat('nllLoss', 'weight (the class weights)', o.weight);
  return N.nllLoss(input, target, o.weight, o.reduction ?? 'mean', o.ignoreIndex ?? -100);
}

export function binaryCrossEntropyWithLogits(
  input: Tensor, target: Tensor, o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  requireFloat('binaryCrossEntropyWithLogits', 'input', input);
  requireFloat('binaryCrossEntropyWithLogits', 'target (0/1 labels as floats)', target);
  requireFloat('binaryCrossEntropyWithLogits', 'weight', o.weight);
  requireFloat('binaryCrossEntropyWithLogits', 'posWeight', o.posWeight);
  return N.binaryCrossEntropyWithLogits(input, target, o.weight, o.posWeight, o.reduction ?? 'mean');
}

export function mseLoss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  requireFloat('mseLoss', 'input', input);
  requireFloat('mseLoss', 'target', target);
  return N.mseLoss(input, target, o.reduction ?? 'mean');
}

export function l1Loss(input: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  requireFloat('l1Loss', 'input', input);
  requireFloat('l1Loss', 'target', target);
  return N.l1Loss(input, target, o.reduction ?? 'mean');
}

export interface AttentionOptions {
  /** Added to the scores before softmax: 0 to attend, a large negative number to mask. */
  attnMask?: Tensor | null;
  dropoutP?: number;
  training?: boolean;
  scale?: number;
  /**
   * The query is the leading rows of one this many rows long: the probabilities' dropout is
   * drawn for that query and its leading rows kept (dropoutOfLeadingSlice).
   */
  dropoutQueryRows?: number;
}

/**
 * softmax(q kᵀ · scale + attnMask) v over the last two dimensions, scale defaulting to 1/√d.
 * Returns the context and the attention probabilities (after dropout).
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions = {}): [Tensor, Tensor] {
  return N.attention(query, key, value, o.attnMask, o.dropoutP ?? 0, o.training ?? true, o.scale, o.dropoutQueryRows);
}

/**
 * The context of scaledDotProductAttention alone. Without dropout (evaluation, inference) it is
 * torch's fused scaled_dot_product_attention on libtorch 2.x, which never holds the scores in
 * memory; with dropout, and on 1.13, the same arithmetic as scaledDotProductAttention, so that
 * training consumes the random stream as before.
 */
export function attentionContext(query: Tensor, key: Tensor, value: Tensor, o: AttentionOptions = {}): Tensor {
  const dropout = (o.training ?? true) && (o.dropoutP ?? 0) > 0;
  if (dropout) return scaledDotProductAttention(query, key, value, o)[0];
  return N.attentionContext(query, key, value, o.attnMask, 0, false, o.scale);
}
