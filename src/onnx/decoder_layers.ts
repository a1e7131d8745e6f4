// The decoder families' building blocks as ONNX nodes, the same arithmetic as src/models/
// (LlamaRMSNorm / GemmaRMSNorm, rope_utils' rotary embedding, masking_utils' causal + padding
// (+ sliding window) mask, decoder_utils' grouped-query attention with the KV cache appended),
// shared by the families in decoders.ts. Shapes are read at run time, so batch, sequence and
// past length stay dynamic; a past of length 0 is the first step (transformers.js feeds empty
// past tensors then), so one graph serves the prompt and every decode step.
import type { Tensor } from '../engine/tensor.js';
import * as torch from '../engine/torch.js';
import { BOOL, FLOAT, INT64, int, ints, type OnnxGraph } from './graph.js';
import type { Weights } from './layers.js';

/** ReduceMean over the last axis, keeping it (its axes became an input in opset 18). */
function meanLast(g: OnnxGraph, x: string): string {
  return g.opset >= 18 ? g.op('ReduceMean', [x, g.int64([-1])], { keepdims: int(1) }) : g.op('ReduceMean', [x], { axes: ints([-1]), keepdims: int(1) });
}

/** x / √(mean(x²) + eps) · weight; Gemma's `scale` is 1 + weight (computed once here, in float32 as its forward). */
export function rmsNorm(g: OnnxGraph, scale: string, x: string, eps: number): string {
  const meanSquare = meanLast(g, g.op('Mul', [x, x]));
  const normed = g.op('Mul', [x, g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.float32([eps])])])])]);
  return g.op('Mul', [normed, scale]);
}

/** A one-element int64 tensor of `x`'s dimension `axis`. */
export function dim(g: OnnxGraph, x: string, axis: number): string {
  return g.op('Shape', [x], { start: int(axis), end: int(axis + 1) });
}

const scalar = (g: OnnxGraph, oneElement: string) => g.op('Squeeze', [oneElement, g.int64([0])]);

/** cos and sin [batch, 1, seq, head_dim] for position ids [batch, seq]: freqs = positions · inv_freq, repeated twice. */
export function rotaryTables(g: OnnxGraph, invFreq: string, positionIds: string): { cos: string; sin: string } {
  const positions = g.op('Unsqueeze', [g.op('Cast', [positionIds], { to: int(FLOAT) }), g.int64([-1])]);
  const freqs = g.op('Mul', [positions, invFreq]);
  const emb = g.op('Unsqueeze', [g.op('Concat', [freqs, freqs], { axis: int(-1) }), g.int64([1])]);
  return { cos: g.op('Cos', [emb]), sin: g.op('Sin', [emb]) };
}

/** x · cos + rotate_half(x) · sin on [batch, heads, seq, head_dim]. */
export function applyRotary(g: OnnxGraph, x: string, t: { cos: string; sin: string }, headDim: number): string {
  const half = headDim / 2;
  const first = g.op('Slice', [x, g.int64([0]), g.int64([half]), g.int64([-1])]);
  const second = g.op('Slice', [x, g.int64([half]), g.int64([headDim]), g.int64([-1])]);
  const rotated = g.op('Concat', [g.op('Neg', [second]), first], { axis: int(-1) });
  return g.op('Add', [g.op('Mul', [x, t.cos]), g.op('Mul', [rotated, t.sin])]);
}

/** The additive mask [batch, 1, seq, past + seq] and which query rows see any key ([batch, 1, seq, 1] of 1/0). */
export interface Mask { additive: string; attending: string }

/**
 * createCausalMask: key j is visible to the query at absolute position i = past + row when
 * j ≤ i, the attention mask has 1 at j, and (with a window) j > i − window. Rows that see no
 * key (left padding) give a zero output, as torch's SDPA does in finetune and transformers.
 */
export function causalMask(g: OnnxGraph, attentionMask: string, inputIds: string, pastKey: string | null, window: number | null): Mask {
  const past = pastKey === null ? g.int64([0], []) : scalar(g, dim(g, pastKey, 2));
  const total = scalar(g, dim(g, attentionMask, 1));
  const one = g.int64([1], []);
  const queries = g.op('Unsqueeze', [g.op('Add', [g.op('Range', [g.int64([0], []), scalar(g, dim(g, inputIds, 1)), one]), past]), g.int64([1])]);
  const keys = g.op('Unsqueeze', [g.op('Range', [g.int64([0], []), total, one]), g.int64([0])]);
  let allowed = g.op('LessOrEqual', [keys, queries]); // [seq, total]
  if (window !== null) allowed = g.op('And', [allowed, g.op('Greater', [keys, g.op('Sub', [queries, g.int64([window], [])])])]);
  const padding = g.op('Unsqueeze', [g.op('Cast', [attentionMask], { to: int(BOOL) }), g.int64([1, 2])]);
  const full = g.op('And', [g.op('Unsqueeze', [allowed, g.int64([0, 1])]), padding]);
  const additive = g.op('Where', [full, g.float32([0]), g.float32([-3.4028234663852886e38])]);
  const seen = g.op('ReduceSum', [g.op('Cast', [full], { to: int(FLOAT) }), g.int64([-1])], { keepdims: int(1) });
  return { additive, attending: g.op('Min', [seen, g.float32([1])]) };
}

export interface AttentionShape { heads: number; kvHeads: number; headDim: number; scale: number }

/** [batch, seq, heads · head_dim] → [batch, heads, seq, head_dim], with an optional per-head norm before the transpose (Qwen3). */
export function splitHeads(g: OnnxGraph, x: string, heads: number, headDim: number, perHead?: (x: string) => string): string {
  const split = g.op('Reshape', [x, g.int64([0, 0, heads, headDim])]);
  return g.op('Transpose', [perHead ? perHead(split) : split], { perm: ints([0, 2, 1, 3]) });
}

/**
 * softmax(q kᵀ · scale + mask) v with q [batch, heads, seq, d] and the cache-extended k, v
 * [batch, kv_heads, total, d]. Each kv head serves heads / kv_heads query heads: the query
 * heads of a group are folded into rows (no copy of the cache), which is repeat_kv's result.
 * Returns [batch, seq, heads · d].
 */
export function attention(g: OnnxGraph, q: string, k: string, v: string, mask: Mask, s: AttentionShape): string {
  const groups = s.heads / s.kvHeads;
  const folded = groups === 1 ? q : g.op('Reshape', [q, g.int64([0, s.kvHeads, -1, s.headDim])]);
  let scores = g.op('Mul', [g.op('MatMul', [folded, g.op('Transpose', [k], { perm: ints([0, 1, 3, 2]) })]), g.float32([s.scale])]);
  if (groups !== 1) scores = g.op('Reshape', [scores, g.int64([0, s.heads, -1, 0])]);
  let probs = g.op('Softmax', [g.op('Add', [scores, mask.additive])], { axis: int(-1) });
  if (groups !== 1) probs = g.op('Reshape', [probs, g.int64([0, s.kvHeads, -1, 0])]);
  let context = g.op('MatMul', [probs, v]);
  if (groups !== 1) context = g.op('Reshape', [context, g.int64([0, s.heads, -1, s.headDim])]);
  context = g.op('Mul', [context, mask.attending]);
  return g.op('Reshape', [g.op('Transpose', [context], { perm: ints([0, 2, 1, 3]) }), g.int64([0, 0, s.heads * s.headDim])]);
}

/** The past of layer i as graph inputs and the present (past ++ new) as outputs, named as optimum and transformers.js name them. */
export class KvCache {
  constructor(private readonly g: OnnxGraph, private readonly kvHeads: number, private readonly headDim: number) {}

  past(layer: number): { key: string; value: string } {
    const dims = ['batch_size', this.kvHeads, 'past_sequence_length', this.headDim];
    return { key: this.g.input(`past_key_values.${layer}.key`, FLOAT, dims), value: this.g.input(`past_key_values.${layer}.value`, FLOAT, dims) };
  }

  /** Concatenates the new keys/values after the past ones and declares them as present.{layer}.key / value. */
  append(layer: number, past: { key: string; value: string }, key: string, value: string): { key: string; value: string } {
    const dims = ['batch_size', this.kvHeads, 'total_sequence_length', this.headDim];
    const out = { key: this.g.op('Concat', [past.key, key], { axis: int(2) }), value: this.g.op('Concat', [past.value, value], { axis: int(2) }) };
    this.g.output(`present.${layer}.key`, out.key, FLOAT, dims);
    this.g.output(`present.${layer}.value`, out.value, FLOAT, dims);
    return out;
  }
}

/**
 * lastNonPadLogits' pooling: each row's hidden state at its rightmost token that is not
 * `pad` ([batch, seq, hidden] → [batch, hidden]), picked by a one-hot MatMul (exact: ones and zeros).
 */
export function lastNonPad(g: OnnxGraph, hidden: string, inputIds: string, pad: number | null): string {
  const seq = scalar(g, dim(g, inputIds, 1));
  const positions = g.op('Range', [g.int64([0], []), seq, g.int64([1], [])]);
  let last: string;
  if (pad === null) last = g.op('Sub', [seq, g.int64([1], [])]);
  else {
    const nonPad = g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, g.int64([pad], [])])])], { to: int(INT64) });
    last = g.op('ArgMax', [g.op('Cast', [g.op('Mul', [positions, nonPad])], { to: int(FLOAT) })], { axis: int(-1), keepdims: int(1) });
  }
  const oneHot = g.op('Cast', [g.op('Equal', [positions, last])], { to: int(FLOAT) }); // [batch, seq] ([seq] without pad)
  const rows = g.op('Unsqueeze', [oneHot, g.int64(pad === null ? [0, 1] : [1])]);
  return g.op('Squeeze', [g.op('MatMul', [rows, hidden]), g.int64([1])]);
}

/** A module's float32 tensor (1 + weight for Gemma's norms) as an initializer. */
export function normScale(g: OnnxGraph, w: Weights, name: string, plusOne: boolean, tensors: ReadonlyMap<string, Tensor>): string {
  if (!plusOne) return w.get(name);
  const t = tensors.get(name);
  if (!t) throw new Error(`exportOnnx: no weight ${JSON.stringify(name)}`);
  return torch.noGrad(() => torch.tidy(() => g.weight(`${name}+1`, t.to('float32').add(1))));
}
