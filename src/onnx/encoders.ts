// The encoder families as ONNX graphs: BERT, RoBERTa / XLM-RoBERTa and DistilBERT, base model
// and task heads, read top to bottom like their modeling_*.py: embeddings → post-LN layers →
// head. The three share one layer (attention + residual LayerNorm, feed-forward + residual
// LayerNorm) under different weight names; the differences are the tables below.
// Inputs and outputs are named as optimum exports them and transformers.js feeds them.
import type { Tensor } from '../engine/tensor.js';
import type { PreTrainedModel } from '../models/modeling_utils.js';
import { FLOAT, INT64, int, type OnnxGraph } from './graph.js';
import { Weights, activation, additiveMask, firstToken, layerNorm, leadingRows, linear, multiHeadAttention } from './layers.js';

export type EncoderTask = 'feature-extraction' | 'text-classification' | 'token-classification' | 'question-answering' | 'fill-mask';
export const ENCODER_TASKS: readonly EncoderTask[] = ['feature-extraction', 'text-classification', 'token-classification', 'question-answering', 'fill-mask'];

type Family = 'bert' | 'roberta' | 'distilbert';

/** The task each model class exports as by default (transformers' class names). */
const HEAD_TASKS: Record<string, EncoderTask> = {
  Model: 'feature-extraction',
  ForSequenceClassification: 'text-classification',
  ForTokenClassification: 'token-classification',
  ForQuestionAnswering: 'question-answering',
  ForMaskedLM: 'fill-mask',
};

/** Weight names inside one layer, per family. */
const LAYER_NAMES: Record<Family, { stack: string; q: string; k: string; v: string; attnOut: string; attnNorm: string; ffnIn: string; ffnOut: string; ffnNorm: string }> = {
  bert: {
    stack: 'encoder.layer', q: 'attention.self.query', k: 'attention.self.key', v: 'attention.self.value',
    attnOut: 'attention.output.dense', attnNorm: 'attention.output.LayerNorm',
    ffnIn: 'intermediate.dense', ffnOut: 'output.dense', ffnNorm: 'output.LayerNorm',
  },
  roberta: null as never, // filled below: RoBERTa's layers are BERT's
  distilbert: {
    stack: 'transformer.layer', q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin',
    attnOut: 'attention.out_lin', attnNorm: 'sa_layer_norm', ffnIn: 'ffn.lin1', ffnOut: 'ffn.lin2', ffnNorm: 'output_layer_norm',
  },
};
LAYER_NAMES.roberta = LAYER_NAMES.bert;

const FAMILIES: Record<string, Family> = { bert: 'bert', roberta: 'roberta', 'xlm-roberta': 'roberta', distilbert: 'distilbert' };

interface Sizes { hidden: number; heads: number; layers: number; eps: number; act: string; padTokenId: number | null; numLabels: number }

function sizesOf(family: Family, config: Record<string, unknown>): Sizes {
  const c = config as Record<string, number> & { hiddenAct: string; activation: string; padTokenId: number | null };
  return family === 'distilbert'
    ? { hidden: c.dim, heads: c.nHeads, layers: c.nLayers, eps: 1e-12, act: c.activation, padTokenId: c.padTokenId, numLabels: c.numLabels }
    : { hidden: c.hiddenSize, heads: c.numAttentionHeads, layers: c.numHiddenLayers, eps: c.layerNormEps, act: c.hiddenAct, padTokenId: c.padTokenId, numLabels: c.numLabels };
}

export interface EncoderExport {
  family: Family;
  task: EncoderTask;
  /** The graph's input names, in order. */
  inputNames: string[];
  outputNames: string[];
}

/** Whether `model` is an encoder this module exports, and as which family. */
export function encoderFamily(model: PreTrainedModel): Family | null {
  return FAMILIES[model.config.modelType] ?? null;
}

/** The model class's head as a task ('BertForSequenceClassification' → 'text-classification'). */
export function headTask(model: PreTrainedModel): EncoderTask | null {
  const name = model.constructor.name;
  for (const [suffix, task] of Object.entries(HEAD_TASKS)) if (name.endsWith(suffix)) return task;
  return null;
}

/**
 * Builds the graph of `model` for `task` (by default its own head's). A task model may be
 * exported as 'feature-extraction' (its base model alone); any other mismatch is refused.
 */
export function buildEncoder(g: OnnxGraph, model: PreTrainedModel, tensors: ReadonlyMap<string, Tensor>, requested?: EncoderTask): EncoderExport {
  const family = encoderFamily(model);
  if (!family) throw new Error(`exportOnnx: model_type ${JSON.stringify(model.config.modelType)} is not an encoder family this exporter knows (bert, roberta, xlm-roberta, distilbert)`);
  const own = headTask(model);
  if (!own) throw new Error(`exportOnnx: ${model.constructor.name} has no head this exporter knows (Model, ForSequenceClassification, ForTokenClassification, ForQuestionAnswering, ForMaskedLM)`);
  const task = requested ?? own;
  if (task !== own && task !== 'feature-extraction') {
    throw new Error(`exportOnnx: ${model.constructor.name} is a ${own} model; it cannot be exported for task ${JSON.stringify(task)} (only ${JSON.stringify(own)} or "feature-extraction")`);
  }
  const w = new Weights(g, tensors, model.constructor.name);
  const prefix = own === 'feature-extraction' ? '' : `${(model.constructor as typeof PreTrainedModel).baseModelPrefix}.`;
  const s = sizesOf(family, model.config as unknown as Record<string, unknown>);

  const dims = ['batch_size', 'sequence_length'];
  const inputIds = g.input('input_ids', INT64, dims);
  const attentionMask = g.input('attention_mask', INT64, dims);
  // as optimum: only BERT takes token_type_ids (RoBERTa's table has one row, DistilBERT has none)
  const tokenTypeIds = family === 'bert' ? g.input('token_type_ids', INT64, dims) : null;

  let hidden = embeddings(g, w, family, prefix, s, inputIds, tokenTypeIds);
  const mask = additiveMask(g, attentionMask);
  const n = LAYER_NAMES[family];
  for (let i = 0; i < s.layers; i++) {
    const p = `${prefix}${n.stack}.${i}`;
    const attended = multiHeadAttention(g, linear(g, w, `${p}.${n.q}`, hidden), linear(g, w, `${p}.${n.k}`, hidden), linear(g, w, `${p}.${n.v}`, hidden), mask, s.heads, s.hidden);
    const afterAttention = layerNorm(g, w, `${p}.${n.attnNorm}`, g.op('Add', [linear(g, w, `${p}.${n.attnOut}`, attended), hidden]), s.eps);
    const ffn = linear(g, w, `${p}.${n.ffnOut}`, activation(g, s.act, linear(g, w, `${p}.${n.ffnIn}`, afterAttention)));
    hidden = layerNorm(g, w, `${p}.${n.ffnNorm}`, g.op('Add', [ffn, afterAttention]), s.eps);
  }

  const outputs = head(g, w, family, task, s, hidden);
  return { family, task, inputNames: [inputIds, attentionMask, ...(tokenTypeIds ? [tokenTypeIds] : [])], outputNames: outputs };
}

function embeddings(g: OnnxGraph, w: Weights, family: Family, prefix: string, s: Sizes, inputIds: string, tokenTypeIds: string | null): string {
  const e = `${prefix}embeddings`;
  const words = g.op('Gather', [w.get(`${e}.word_embeddings.weight`), inputIds], { axis: int(0) });
  let sum: string;
  if (family === 'roberta') {
    // create_position_ids_from_input_ids: padding keeps padding_idx, tokens count padding_idx + 1, + 2, …
    if (s.padTokenId === null) throw new Error('exportOnnx: RoBERTa needs pad_token_id (its positions count from it)');
    const notPad = g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, g.int64([s.padTokenId], [])])])], { to: int(INT64) });
    const positions = g.op('Add', [g.op('Mul', [g.op('CumSum', [notPad, g.int64([1], [])]), notPad]), g.int64([s.padTokenId], [])]);
    const typeRow = g.op('Gather', [w.get(`${e}.token_type_embeddings.weight`), g.int64([0], [])], { axis: int(0) });
    sum = g.op('Add', [g.op('Add', [words, typeRow]), g.op('Gather', [w.get(`${e}.position_embeddings.weight`), positions], { axis: int(0) })]);
  } else {
    const positions = leadingRows(g, w.get(`${e}.position_embeddings.weight`), inputIds);
    sum = g.op('Add', [words, positions]);
    if (tokenTypeIds) sum = g.op('Add', [sum, g.op('Gather', [w.get(`${e}.token_type_embeddings.weight`), tokenTypeIds], { axis: int(0) })]);
  }
  return layerNorm(g, w, `${e}.LayerNorm`, sum, s.eps);
}

/** The task head on the last hidden state; returns the output names. */
function head(g: OnnxGraph, w: Weights, family: Family, task: EncoderTask, s: Sizes, hidden: string): string[] {
  const tokens = ['batch_size', 'sequence_length'];
  switch (task) {
    case 'feature-extraction':
      g.output('last_hidden_state', hidden, FLOAT, [...tokens, s.hidden]);
      return ['last_hidden_state'];
    case 'text-classification': {
      let logits: string;
      if (family === 'bert') logits = linear(g, w, 'classifier', g.op('Tanh', [linear(g, w, 'bert.pooler.dense', firstToken(g, hidden))]));
      else if (family === 'roberta') logits = linear(g, w, 'classifier.out_proj', g.op('Tanh', [linear(g, w, 'classifier.dense', firstToken(g, hidden))]));
      else logits = linear(g, w, 'classifier', g.op('Relu', [linear(g, w, 'pre_classifier', firstToken(g, hidden))]));
      g.output('logits', logits, FLOAT, ['batch_size', s.numLabels]);
      return ['logits'];
    }
    case 'token-classification':
      g.output('logits', linear(g, w, 'classifier', hidden), FLOAT, [...tokens, s.numLabels]);
      return ['logits'];
    case 'question-answering': {
      const both = linear(g, w, 'qa_outputs', hidden); // [batch, seq, 2]
      for (const [i, name] of [[0, 'start_logits'], [1, 'end_logits']] as const) {
        g.output(name, g.op('Gather', [both, g.int64([i], [])], { axis: int(-1) }), FLOAT, tokens);
      }
      return ['start_logits', 'end_logits'];
    }
    case 'fill-mask': {
      const names = {
        bert: { dense: 'cls.predictions.transform.dense', norm: 'cls.predictions.transform.LayerNorm', decoder: 'cls.predictions.decoder', act: s.act },
        roberta: { dense: 'lm_head.dense', norm: 'lm_head.layer_norm', decoder: 'lm_head.decoder', act: 'gelu' },
        distilbert: { dense: 'vocab_transform', norm: 'vocab_layer_norm', decoder: 'vocab_projector', act: s.act },
      }[family];
      const transformed = layerNorm(g, w, names.norm, activation(g, names.act, linear(g, w, names.dense, hidden)), s.eps);
      g.output('logits', linear(g, w, names.decoder, transformed), FLOAT, [...tokens, 'vocab_size']);
      return ['logits'];
    }
  }
}
