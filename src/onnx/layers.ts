// The encoder's building blocks as ONNX nodes: the same arithmetic as src/models/ (Linear,
// LayerNorm, ACT2FN, multi-head attention with the additive mask), written once and shared by
// the families in encoders.ts. Every shape is read from the tensors at run time (Shape, or
// Reshape's 0 = "keep this dimension"), so batch and sequence stay dynamic.
import type { Tensor } from '../engine/tensor.js';
import { FLOAT, float, int, ints, type OnnxGraph } from './graph.js';

/** A model's weights by their dotted names, each added to the graph once (tied weights too). */
export class Weights {
  private readonly added = new Map<string, string>();

  constructor(private readonly graph: OnnxGraph, private readonly tensors: ReadonlyMap<string, Tensor>, private readonly modelName: string) {}

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The initializer for `name` (transposed: a Linear weight as MatMul's right operand). */
  get(name: string, options: { transpose?: boolean } = {}): string {
    const key = options.transpose ? `${name}.T` : name;
    const known = this.added.get(key);
    if (known) return known;
    const tensor = this.tensors.get(name);
    if (!tensor) throw new Error(`exportOnnx: ${this.modelName} has no weight ${JSON.stringify(name)}`);
    const added = this.graph.weight(key, tensor, options);
    this.added.set(key, added);
    return added;
  }
}

/** x Wᵀ + b, with the module at `prefix` (prefix.weight, prefix.bias). */
export function linear(g: OnnxGraph, w: Weights, prefix: string, x: string): string {
  const product = g.op('MatMul', [x, w.get(`${prefix}.weight`, { transpose: true })]);
  return w.has(`${prefix}.bias`) ? g.op('Add', [product, w.get(`${prefix}.bias`)]) : product;
}

export function layerNorm(g: OnnxGraph, w: Weights, prefix: string, x: string, eps: number): string {
  return g.op('LayerNormalization', [x, w.get(`${prefix}.weight`), w.get(`${prefix}.bias`)], { axis: int(-1), epsilon: float(eps) });
}

/** ACT2FN's activations (src/models/activations.ts) by name. */
export function activation(g: OnnxGraph, name: string, x: string): string {
  switch (name) {
    case 'gelu': // 0.5 x (1 + erf(x / √2))
      return g.op('Mul', [g.op('Mul', [x, g.float32([0.5])]),
        g.op('Add', [g.op('Erf', [g.op('Div', [x, g.float32([Math.SQRT2])])]), g.float32([1])])]);
    case 'gelu_new': case 'gelu_pytorch_tanh': case 'gelu_fast': { // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
      const cube = g.op('Mul', [g.op('Pow', [x, g.float32([3])]), g.float32([0.044715])]);
      const inner = g.op('Mul', [g.op('Add', [x, cube]), g.float32([Math.sqrt(2 / Math.PI)])]);
      return g.op('Mul', [g.op('Mul', [x, g.float32([0.5])]), g.op('Add', [g.op('Tanh', [inner]), g.float32([1])])]);
    }
    case 'relu': return g.op('Relu', [x]);
    case 'silu': case 'swish': return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    case 'tanh': return g.op('Tanh', [x]);
    default: throw new Error(`exportOnnx: activation ${JSON.stringify(name)} has no ONNX form here (known: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh)`);
  }
}

/** extendedAttentionMask: [batch, seq] of 1/0 → [batch, 1, 1, seq] of 0 / float32's minimum, added to the scores. */
export function additiveMask(g: OnnxGraph, attentionMask: string): string {
  const mask = g.op('Cast', [g.op('Unsqueeze', [attentionMask, g.int64([1, 2])])], { to: int(FLOAT) });
  return g.op('Mul', [g.op('Sub', [g.float32([1]), mask]), g.float32([-3.4028234663852886e38])]);
}

/** softmax(q kᵀ/√d + mask) v over `heads` heads, on projected [batch, seq, hidden] inputs → [batch, seq, hidden]. */
export function multiHeadAttention(g: OnnxGraph, q: string, k: string, v: string, mask: string, heads: number, hidden: number): string {
  const headSize = hidden / heads;
  const split = g.int64([0, 0, heads, headSize]);
  const byHead = (x: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, split])], { perm: ints(perm) });
  const scores = g.op('Div', [g.op('MatMul', [byHead(q, [0, 2, 1, 3]), byHead(k, [0, 2, 3, 1])]), g.float32([Math.sqrt(headSize)])]);
  const probs = g.op('Softmax', [g.op('Add', [scores, mask])], { axis: int(-1) });
  const context = g.op('Transpose', [g.op('MatMul', [probs, byHead(v, [0, 2, 1, 3])])], { perm: ints([0, 2, 1, 3]) });
  return g.op('Reshape', [context, g.int64([0, 0, hidden])]);
}

/** The first token's hidden state ([CLS] / <s>): [batch, seq, hidden] → [batch, hidden]. */
export function firstToken(g: OnnxGraph, hidden: string): string {
  return g.op('Gather', [hidden, g.int64([0], [])], { axis: int(1) });
}

/** Rows 0 … seq-1 of a position table, seq read from `ids` ([batch, seq]). */
export function leadingRows(g: OnnxGraph, table: string, ids: string): string {
  const seq = g.op('Shape', [ids], { start: int(1), end: int(2) });
  return g.op('Slice', [table, g.int64([0]), seq, g.int64([0])]);
}
