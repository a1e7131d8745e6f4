// The decoder families as ONNX graphs: GPT-2 and the Llama family (Llama, Mistral, Qwen2,
// Qwen3, Gemma), causal LM and sequence classification, read like their modeling_*.ts:
// embeddings → pre-norm layers (attention with the KV cache, MLP) → final norm → head.
// The causal LM takes what transformers.js feeds a decoder (input_ids, attention_mask over
// past + new tokens, position_ids, past_key_values.{i}.key/value) and returns logits and
// present.{i}.key/value, as optimum's "text-generation-with-past" export; with withPast false
// it takes the first three only (a full forward each call).
import type { Tensor } from '../engine/tensor.js';
import type { PreTrainedModel } from '../models/modeling_utils.js';
import { GemmaRMSNorm } from '../models/gemma/modeling_gemma.js';
import type { LlamaConfig } from '../models/llama/configuration_llama.js';
import type { LlamaModel } from '../models/llama/modeling_llama.js';
import type { GPT2Model } from '../models/gpt2/modeling_gpt2.js';
import type { GPT2Config } from '../models/gpt2/configuration_gpt2.js';
import { FLOAT, INT64, int, type OnnxGraph } from './graph.js';
import { Weights, activation, layerNorm, linear } from './layers.js';
import { KvCache, applyRotary, type AttentionShape, attention, causalMask, lastNonPad, normScale, rmsNorm, rotaryTables, splitHeads, type Mask } from './decoder_layers.js';

export type DecoderTask = 'text-generation' | 'text-classification';
export const DECODER_TASKS: readonly DecoderTask[] = ['text-generation', 'text-classification'];

const LLAMA_FAMILY = new Set(['llama', 'mistral', 'qwen2', 'qwen3', 'gemma']);

export interface DecoderExport { task: DecoderTask; inputNames: string[]; outputNames: string[] }

/** Whether `model` is a decoder this module exports. */
export function isDecoder(model: PreTrainedModel): boolean {
  return model.config.modelType === 'gpt2' || LLAMA_FAMILY.has(model.config.modelType);
}

function headOf(model: PreTrainedModel): DecoderTask {
  const name = model.constructor.name;
  if (name.endsWith('ForCausalLM') || name.endsWith('LMHeadModel')) return 'text-generation';
  if (name.endsWith('ForSequenceClassification')) return 'text-classification';
  throw new Error(`exportOnnx: ${name} has no head this exporter knows for decoders (ForCausalLM / LMHeadModel, ForSequenceClassification)`);
}

/** The graph inputs and the pieces every layer reads. */
interface Inputs {
  inputIds: string; attentionMask: string; positionIds: string; names: string[];
  /** Each layer's past key/value inputs and the cache that appends to them, without a cache null. */
  cache: { kv: KvCache; past: { key: string; value: string }[] } | null;
}

function declareInputs(g: OnnxGraph, task: DecoderTask, withPast: boolean, s: { layers: number; kvHeads: number; headDim: number }): Inputs {
  const inputIds = g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', INT64, ['batch_size', withPast ? 'total_sequence_length' : 'sequence_length']);
  if (task === 'text-classification') {
    // the classifier's forward without position_ids counts 0 … seq-1 (no padding correction), as transformers
    const seq = g.op('Squeeze', [g.op('Shape', [inputIds], { start: int(1), end: int(2) }), g.int64([0])]);
    const positionIds = g.op('Unsqueeze', [g.op('Range', [g.int64([0], []), seq, g.int64([1], [])]), g.int64([0])]);
    return { inputIds, attentionMask, positionIds, names: [inputIds, attentionMask], cache: null };
  }
  const positionIds = g.input('position_ids', INT64, ['batch_size', 'sequence_length']);
  const names = [inputIds, attentionMask, positionIds];
  if (!withPast) return { inputIds, attentionMask, positionIds, names, cache: null };
  const kv = new KvCache(g, s.kvHeads, s.headDim);
  const past = Array.from({ length: s.layers }, (_, i) => kv.past(i));
  names.push(...past.flatMap((p) => [p.key, p.value]));
  return { inputIds, attentionMask, positionIds, names, cache: { kv, past } };
}

/** One layer's attention on q [batch, heads, seq, d] and new k, v [batch, kv_heads, seq, d], appended to the layer's past. */
function attend(g: OnnxGraph, x: Inputs, layer: number, q: string, k: string, v: string, mask: Mask, s: AttentionShape): string {
  if (!x.cache) return attention(g, q, k, v, mask, s);
  const all = x.cache.kv.append(layer, x.cache.past[layer]!, k, v);
  return attention(g, q, all.key, all.value, mask, s);
}

/** The mask of a graph: the past length is read from layer 0's past key (0 without a cache). */
function maskFor(g: OnnxGraph, x: Inputs, window: number | null): Mask {
  return causalMask(g, x.attentionMask, x.inputIds, x.cache?.past[0]?.key ?? null, window);
}

export function buildDecoder(g: OnnxGraph, model: PreTrainedModel, tensors: ReadonlyMap<string, Tensor>, o: { task?: string; withPast?: boolean }): DecoderExport {
  const task = headOf(model);
  if (o.task !== undefined && o.task !== task) {
    throw new Error(`exportOnnx: ${model.constructor.name} is a ${task} model; it cannot be exported for task ${JSON.stringify(o.task)}`);
  }
  const withPast = task === 'text-generation' && (o.withPast ?? true);
  const w = new Weights(g, tensors, model.constructor.name);
  const hidden = model.config.modelType === 'gpt2'
    ? gpt2Stack(g, w, model, task, withPast)
    : llamaStack(g, w, model, tensors, task, withPast);
  return finish(g, w, model, task, hidden);
}

function finish(g: OnnxGraph, w: Weights, model: PreTrainedModel, task: DecoderTask, built: { hidden: string; inputs: Inputs }): DecoderExport {
  const outputNames: string[] = [];
  if (task === 'text-generation') {
    g.output('logits', linear(g, w, 'lm_head', built.hidden), FLOAT, ['batch_size', 'sequence_length', (model.config as unknown as { vocabSize: number }).vocabSize]);
  } else {
    const pooled = lastNonPad(g, built.hidden, built.inputs.inputIds, model.config.padTokenId ?? null);
    g.output('logits', linear(g, w, 'score', pooled), FLOAT, ['batch_size', model.config.numLabels]);
  }
  outputNames.push('logits');
  for (const [i] of (built.inputs.cache?.past ?? []).entries()) outputNames.push(`present.${i}.key`, `present.${i}.value`);
  return { task, inputNames: built.inputs.names, outputNames };
}

/** Conv1D (GPT-2's [in, out] weight): x W + b. */
function conv1d(g: OnnxGraph, w: Weights, prefix: string, x: string): string {
  return g.op('Add', [g.op('MatMul', [x, w.get(`${prefix}.weight`)]), w.get(`${prefix}.bias`)]);
}

function gpt2Stack(g: OnnxGraph, w: Weights, model: PreTrainedModel, task: DecoderTask, withPast: boolean): { hidden: string; inputs: Inputs } {
  const config = model.config as unknown as GPT2Config;
  const base = (model as unknown as { transformer: GPT2Model }).transformer;
  const embed = config.nEmbd;
  const heads = config.nHead;
  const headDim = embed / heads;
  const x = declareInputs(g, task, withPast, { layers: config.nLayer, kvHeads: heads, headDim });
  const tokens = g.op('Gather', [w.get('transformer.wte.weight'), x.inputIds], { axis: int(0) });
  let hidden = g.op('Add', [tokens, g.op('Gather', [w.get('transformer.wpe.weight'), x.positionIds], { axis: int(0) })]);
  let mask: Mask | null = null;
  for (const [i, block] of [...base.h].entries()) {
    const p = `transformer.h.${i}`;
    const qkv = conv1d(g, w, `${p}.attn.c_attn`, layerNorm(g, w, `${p}.ln_1`, hidden, config.layerNormEpsilon));
    const part = (j: number) => splitHeads(g, g.op('Slice', [qkv, g.int64([j * embed]), g.int64([(j + 1) * embed]), g.int64([-1])]), heads, headDim);
    mask ??= maskFor(g, x, null);
    const context = attend(g, x, i, part(0), part(1), part(2), mask, { heads, kvHeads: heads, headDim, scale: block.attn.scaling });
    const attended = g.op('Add', [hidden, conv1d(g, w, `${p}.attn.c_proj`, context)]);
    const inner = activation(g, config.activationFunction, conv1d(g, w, `${p}.mlp.c_fc`, layerNorm(g, w, `${p}.ln_2`, attended, config.layerNormEpsilon)));
    hidden = g.op('Add', [attended, conv1d(g, w, `${p}.mlp.c_proj`, inner)]);
  }
  return { hidden: layerNorm(g, w, 'transformer.ln_f', hidden, config.layerNormEpsilon), inputs: x };
}

function llamaStack(g: OnnxGraph, w: Weights, model: PreTrainedModel, tensors: ReadonlyMap<string, Tensor>, task: DecoderTask, withPast: boolean): { hidden: string; inputs: Inputs } {
  const config = model.config as unknown as LlamaConfig;
  const base = (model as unknown as { model: LlamaModel }).model;
  const rope = config.rope();
  if (rope.ropeType === 'dynamic') {
    throw new Error(`exportOnnx: rope_type 'dynamic' has no ONNX form here (its frequencies depend on the sequence length); supported: default, linear, llama3`);
  }
  const heads = config.numAttentionHeads;
  const kvHeads = config.keyValueHeads;
  const headDim = config.attentionHeadDim;
  const eps = config.rmsNormEps;
  const x = declareInputs(g, task, withPast, { layers: config.numHiddenLayers, kvHeads, headDim });
  const plusOne = base.norm instanceof GemmaRMSNorm;
  const norm = (name: string, h: string) => rmsNorm(g, normScale(g, w, `${name}.weight`, plusOne, tensors), h, eps);

  let hidden = g.op('Gather', [w.get('model.embed_tokens.weight'), x.inputIds], { axis: int(0) });
  if (config.modelType === 'gemma') hidden = g.op('Mul', [hidden, g.float32([Math.fround(config.hiddenSize ** 0.5)])]);
  const tables = rotaryTables(g, g.weight('model.rotary_emb.inv_freq', base.rotary_emb.inv_freq), x.positionIds);
  const window = (config as unknown as { slidingWindow?: number | null }).slidingWindow ?? null;
  let full: Mask | null = null;
  let sliding: Mask | null = null;
  for (const [i, layer] of [...base.layers].entries()) {
    const p = `model.layers.${i}`;
    const a = layer.self_attn;
    const mask = a.slidingWindow && window !== null ? (sliding ??= maskFor(g, x, window)) : (full ??= maskFor(g, x, null));
    const h = norm(`${p}.input_layernorm`, hidden);
    const qkNorm = (which: 'q' | 'k') => ('q_norm' in a ? (t: string) => norm(`${p}.self_attn.${which}_norm`, t) : undefined);
    const q = applyRotary(g, splitHeads(g, linear(g, w, `${p}.self_attn.q_proj`, h), heads, headDim, qkNorm('q')), tables, headDim);
    const k = applyRotary(g, splitHeads(g, linear(g, w, `${p}.self_attn.k_proj`, h), kvHeads, headDim, qkNorm('k')), tables, headDim);
    const v = splitHeads(g, linear(g, w, `${p}.self_attn.v_proj`, h), kvHeads, headDim);
    const context = attend(g, x, i, q, k, v, mask, { heads, kvHeads, headDim, scale: a.scaling });
    const attended = g.op('Add', [hidden, linear(g, w, `${p}.self_attn.o_proj`, context)]);
    const m = norm(`${p}.post_attention_layernorm`, attended);
    const gated = g.op('Mul', [activation(g, config.hiddenAct, linear(g, w, `${p}.mlp.gate_proj`, m)), linear(g, w, `${p}.mlp.up_proj`, m)]);
    hidden = g.op('Add', [attended, linear(g, w, `${p}.mlp.down_proj`, gated)]);
  }
  return { hidden: norm('model.norm', hidden), inputs: x };
}
