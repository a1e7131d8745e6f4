// Inference for BERT's (and DistilBERT's) layer stack through libtorch's fused encoder-layer kernel
// (_transformer_encoder_layer_fwd: the kernel behind nn.TransformerEncoderLayer's fast path, and
// what BetterTransformer ran for BERT). Per layer it makes one QKV product instead of three,
// runs multi-head attention natively, and fuses bias and activation; for sequence
// classification, which reads only the first token, the layers also skip the padding (a
// nested tensor of the real tokens). The eager layers stay the definition: this path runs only
// where it computes the same function (evaluation, no gradients, float32 on the CPU, the
// stock BERT modules, nothing asked of the layers but their output) and the tests hold it to
// the eager result.
import { isAutocastEnabled } from '../engine/autocast.js';
import { isGradEnabled } from '../engine/autograd.js';
import { cat } from '../engine/ops.js';
import { N } from '../engine/native.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { LayerNorm, Linear } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { extendedAttentionMask } from './model_inputs.js';
import { runLayers } from './modeling_layers.js';
import type { EncoderLayer, KeepOutputs } from './modeling_layers.js';
import type { BaseModelOutput } from './modeling_outputs.js';

/**
 * The modules of one post-norm encoder layer the fused kernel reads: LayerNorm(x + attention
 * output) → LayerNorm(· + output(activation(intermediate(·)))). BERT's and DistilBERT's layers
 * are this arrangement under different names.
 */
export interface FusableLayer {
  query: Module; key: Module; value: Module;
  attentionOutput: Module; attentionNorm: Module;
  intermediate: Module; output: Module; outputNorm: Module;
  /** Whether the layer is in training mode (dropout on): then only the eager layer runs. */
  training: boolean;
}

const GELU_FLAG: Record<string, boolean> = { gelu: true, relu: false };

/**
 * Up to this many tokens in a batch the eager layers beat the fused kernel, because their
 * feed-forward products then run on oneDNN (native/src/ops_math.cc, the same row limit):
 * pipeline('text-classification') at batch 1 on MiniLM went from 83-117 to 106-130 sentences/s
 * over three alternating runs (2 threads, AMD EPYC with AVX-512, libtorch 2.13).
 */
const ONEDNN_MAX_ROWS = 64;

/** `FINETUNE_FUSED_ENCODER=0` turns the fused path off (to compare against the eager layers). */
function fusedEncoderAllowed(): boolean {
  return process.env.FINETUNE_FUSED_ENCODER !== '0';
}

/**
 * The query, key and value weights stacked as the kernel takes them ([3E, E] and [3E]), kept
 * from one forward to the next while the six source tensors are the same objects at the same
 * versions (every in-place update, the optimizer's included, bumps a tensor's version).
 */
interface StackedQkv { sources: Tensor[]; versions: number[]; weight: Tensor; bias: Tensor }
const stackedQkv = new WeakMap<Module, StackedQkv>();

function stackQkv(q: Linear, k: Linear, v: Linear): [Tensor, Tensor] {
  const sources = [q.weight, k.weight, v.weight, q.bias!, k.bias!, v.bias!];
  const versions = sources.map((t) => t._version);
  const held = stackedQkv.get(q);
  if (held && versions.every((n, i) => n >= 0 && n === held.versions[i] && sources[i] === held.sources[i])) return [held.weight, held.bias];
  dropStackedQkv(q);
  const weight = keep(cat(sources.slice(0, 3)));
  const bias = keep(cat(sources.slice(3)));
  // inference tensors keep no version count: stacked anew on every call instead of kept
  if (versions.every((n) => n >= 0)) stackedQkv.set(q, { sources, versions, weight, bias });
  return [weight, bias];
}

function dropStackedQkv(query: Module): void {
  const held = stackedQkv.get(query);
  if (!held) return;
  stackedQkv.delete(query);
  held.weight.dispose();
  held.bias.dispose();
}

/**
 * The 12 weights per layer the native op takes, or null when a layer is not the stock
 * arrangement (a LoRA-wrapped or otherwise replaced Linear, a subclassed LayerNorm): those
 * modules compute something else, so only the eager layers may run them.
 */
function layerWeights(layer: FusableLayer): Tensor[] | null {
  const linears = [layer.query, layer.key, layer.value, layer.attentionOutput, layer.intermediate, layer.output];
  const norms = [layer.attentionNorm, layer.outputNorm];
  if (!linears.every((m) => m.constructor === Linear && (m as Linear).bias)) return null;
  if (!norms.every((m) => m.constructor === LayerNorm && (m as LayerNorm).weight && (m as LayerNorm).bias)) return null;
  const [q, k, v, attnOut, inter, out] = linears as Linear[];
  const [attnNorm, outNorm] = norms as LayerNorm[];
  return [
    ...stackQkv(q, k, v), attnOut.weight, attnOut.bias!, attnNorm.weight!, attnNorm.bias!,
    inter.weight, inter.bias!, out.weight, out.bias!, outNorm.weight!, outNorm.bias!,
  ];
}

export interface FusedEncoderConfig {
  numAttentionHeads: number;
  layerNormEps: number;
  hiddenAct: string;
}

/**
 * The last hidden state of `layers` through the fused kernel, or null where it does not apply
 * (then the caller runs the eager layers). attentionMask is the model's [batch, seq] 1/0 mask;
 * dropPadding lets padding positions come back as zeros (callers that read only real tokens).
 */
export function fusedEncoderForward(layers: readonly FusableLayer[], hidden: Tensor, attentionMask: Tensor | null,
  config: FusedEncoderConfig, want: KeepOutputs, dropPadding: boolean): Tensor | null {
  const gelu = GELU_FLAG[config.hiddenAct];
  if (gelu === undefined || want.hiddenStates || want.attentions || !fusedEncoderAllowed()) return null;
  if (isGradEnabled() || isAutocastEnabled('cpu') || hidden.dtype !== 'float32' || hidden.device !== 'cpu') return null;
  if (layers.some((l) => l.training)) {
    // training changes the weights at every step: the stacked copies would only hold memory
    for (const l of layers) dropStackedQkv(l.query);
    return null;
  }
  // few tokens (a sentence at a time): the eager layers, whose Linears then run on oneDNN, are faster
  if (hidden.size(0) * hidden.size(1) <= ONEDNN_MAX_ROWS && N.oneDnnLinearEnabled()) return null;
  const padding = attentionMask ? attentionMask.eq(0) : null;
  try {
    const share = padding ? padding.float().mean().item() : 0;
    if (share > 0 && !worthFusingPadded(share, hidden.size(2), dropPadding)) return null;
    const weights: Tensor[] = [];
    for (const layer of layers) {
      const w = layerWeights(layer);
      if (!w) return null;
      weights.push(...w);
    }
    // a batch without padding runs unmasked
    return N.fusedEncoderLayers(hidden, share > 0 ? padding : null, weights, config.numAttentionHeads, config.layerNormEps, gelu, dropPadding);
  } finally {
    padding?.dispose();
  }
}

/**
 * The output of an encoder's layer stack: the fused kernel where it applies, the eager layers
 * otherwise. lastFirstTokenOnly (modeling_layers.ts firstTokenLastLayer): the last layer runs
 * eagerly for the first position alone, after the others fused, since one position through
 * the eager layer costs less than every position through the kernel. firstTokenOnly: the
 * caller reads only the first token (the fused layers may then skip padding, whose zeros the
 * last layer's mask leaves unread).
 */
export function encoderOutput(layers: readonly EncoderLayer[], fusable: readonly FusableLayer[] | null, hidden: Tensor, attentionMask: Tensor | null,
  config: FusedEncoderConfig, want: KeepOutputs, o: { firstTokenOnly: boolean; lastFirstTokenOnly: boolean }): BaseModelOutput {
  const fusedCount = o.lastFirstTokenOnly ? layers.length - 1 : layers.length;
  const fused = fusable && fusedCount > 0 ? fusedEncoderForward(fusable.slice(0, fusedCount), hidden, attentionMask, config, want, o.firstTokenOnly) : null;
  if (fused && fusedCount === layers.length) return { lastHiddenState: fused };
  // no mask means attend everywhere: adding zeros would change nothing, so none is built
  const mask = attentionMask ? extendedAttentionMask(attentionMask, hidden.dtype) : null;
  if (fused) return runLayers(layers.slice(fusedCount), fused, mask, want, true);
  return runLayers(layers, hidden, mask, want, o.lastFirstTokenOnly);
}

/**
 * Where padding is present the fused kernel is not always the faster path (measured with
 * libtorch 2.13 on 2 cores, batch 32, sequences of 32-128): its masked attention materialises
 * the scores where the eager path's scaled_dot_product_attention does not, and a nested
 * tensor saves the padding's compute but costs per sequence, which pays off only for wider
 * layers with much padding (hidden 384, a third padding: 18% faster; hidden 128: 10-40%
 * slower). So a padded batch takes it only to skip the padding, when both hold.
 */
const NESTED_MIN_PADDING_SHARE = 0.25;
const NESTED_MIN_HIDDEN = 256;

function worthFusingPadded(share: number, hiddenSize: number, dropPadding: boolean): boolean {
  return dropPadding && hiddenSize >= NESTED_MIN_HIDDEN && share >= NESTED_MIN_PADDING_SHARE;
}
