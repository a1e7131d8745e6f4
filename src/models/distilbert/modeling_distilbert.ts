// DistilBERT, as transformers' modeling_distilbert.py: BERT's arithmetic (the attention is
// shared with BERT's in ../attention.ts) under DistilBERT's own module names (q_lin,
// sa_layer_norm, ffn.lin1, …), without token type embeddings and without a pooler; the
// classification head is pre_classifier + ReLU on the first token; the MLM head is
// vocab_transform → activation → vocab_layer_norm → vocab_projector (tied to the word embedding).
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../../nn/module.js';
import { Dropout, Embedding, LayerNorm, Linear } from '../../nn/layers.js';
import { getActivation } from '../activations.js';
import { encoderOutput } from '../fused_encoder.js';
import type { FusableLayer } from '../fused_encoder.js';
import { multiHeadAttention } from '../attention.js';
import { initNormalWeights } from '../initialization.js';
import { readInputs } from '../model_inputs.js';
import type { ModelInputs, ReadInputs } from '../model_inputs.js';
import { LayerStack, embed, firstPosition, firstTokenLastLayer } from '../modeling_layers.js';
import { classifySequences } from '../modeling_outputs.js';
import type { BaseModelOutput, SequenceClassification, SequenceClassifierOutputFor } from '../modeling_outputs.js';
import { PreTrainedModel } from '../modeling_utils.js';
import { QA_LABEL_NAMES, answerSpans, classifyTokens } from '../modeling_heads.js';
import type { MaskedLM, MaskedLMOutputFor, QuestionAnswering, QuestionAnsweringOutputFor, TokenClassification, TokenClassifierOutputFor } from '../modeling_heads.js';
import { DistilBertConfig } from './configuration_distilbert.js';

/** create_sinusoidal_embeddings: sin on even columns, cos on odd ones, fixed (no gradient). */
export function sinusoidalEmbeddings_(weight: Tensor): void {
  const [positions, dim] = weight.shape;
  const values = new Float64Array(positions * dim);
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      values[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  torch.tidy(() => torch.noGrad(() => weight.copy_(torch.tensor(values, { shape: [positions, dim] }))));
  weight.requiresGrad_(false);
}

export class Embeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  declare position_ids: Tensor;

  constructor(config: DistilBertConfig) {
    super();
    this.word_embeddings = new Embedding(config.vocabSize, config.dim, { paddingIdx: config.padTokenId });
    this.position_embeddings = new Embedding(config.maxPositionEmbeddings, config.dim);
    if (config.sinusoidalPosEmbds) sinusoidalEmbeddings_(this.position_embeddings.weight);
    this.LayerNorm = new LayerNorm(config.dim, { eps: 1e-12 });
    this.dropout = new Dropout(config.dropout);
    this.registerBuffer('position_ids', torch.arange(config.maxPositionEmbeddings).expand(1, -1), false);
  }

  forward(inputIds: Tensor): Tensor {
    const seq = inputIds.size(1);
    if (seq > this.position_embeddings.numEmbeddings) {
      throw new RangeError(`sequence length ${seq} exceeds max_position_embeddings (${this.position_embeddings.numEmbeddings}); truncate the inputs (tokenizer option truncation: true)`);
    }
    const positions = this.position_ids.slice(1, 0, seq);
    const embeddings = embed(this.word_embeddings, inputIds, 'vocab_size').add(embed(this.position_embeddings, positions, 'max_position_embeddings'));
    return this.dropout.forward(this.LayerNorm.forward(embeddings));
  }
}

export class MultiHeadSelfAttention extends Module {
  dropout: Dropout;
  q_lin: Linear;
  k_lin: Linear;
  v_lin: Linear;
  out_lin: Linear;
  readonly nHeads: number;

  constructor(config: DistilBertConfig) {
    super();
    this.nHeads = config.nHeads;
    this.dropout = new Dropout(config.attentionDropout);
    this.q_lin = new Linear(config.dim, config.dim);
    this.k_lin = new Linear(config.dim, config.dim);
    this.v_lin = new Linear(config.dim, config.dim);
    this.out_lin = new Linear(config.dim, config.dim);
  }

  /** firstTokenOnly: only the first position queries (its context is [batch, 1, dim]). */
  forward(x: Tensor, mask: Tensor | null, outputAttentions = false, firstTokenOnly = false): [Tensor, Tensor | null] {
    const queries = firstTokenOnly ? firstPosition(x) : x;
    const [context, probs] = multiHeadAttention(this.q_lin.forward(queries), this.k_lin.forward(x), this.v_lin.forward(x), {
      heads: this.nHeads, mask, dropoutP: this.dropout.p, training: this.training, needWeights: outputAttentions,
      dropoutQueryRows: firstTokenOnly ? x.size(1) : undefined,
    });
    return [this.out_lin.forward(context), probs];
  }
}

export class FFN extends Module {
  dropout: Dropout;
  lin1: Linear;
  lin2: Linear;
  readonly activation: (x: Tensor) => Tensor;

  constructor(config: DistilBertConfig) {
    super();
    this.dropout = new Dropout(config.dropout);
    this.lin1 = new Linear(config.dim, config.hiddenDim);
    this.lin2 = new Linear(config.hiddenDim, config.dim);
    this.activation = getActivation(config.activation);
  }

  /** drawnLength: x is the first positions of a sequence this long, whose dropout draws it takes. */
  forward(x: Tensor, drawnLength?: number): Tensor {
    return this.dropout.forwardLeadingSlice(this.lin2.forward(this.activation(this.lin1.forward(x))), 1, drawnLength);
  }
}

export class TransformerBlock extends Module {
  attention: MultiHeadSelfAttention;
  sa_layer_norm: LayerNorm;
  ffn: FFN;
  output_layer_norm: LayerNorm;

  constructor(config: DistilBertConfig) {
    super();
    this.attention = new MultiHeadSelfAttention(config);
    this.sa_layer_norm = new LayerNorm(config.dim, { eps: 1e-12 });
    this.ffn = new FFN(config);
    this.output_layer_norm = new LayerNorm(config.dim, { eps: 1e-12 });
  }

  /** firstTokenOnly: the first position's output alone ([batch, 1, dim]; EncoderLayer). */
  forward(x: Tensor, mask: Tensor | null, outputAttentions = false, firstTokenOnly = false): [Tensor, Tensor | null] {
    return torch.tidy(() => {
      const [attended, probs] = this.attention.forward(x, mask, outputAttentions, firstTokenOnly);
      const sa = this.sa_layer_norm.forward(attended.add(firstTokenOnly ? x.narrow(1, 0, 1) : x));
      return [this.output_layer_norm.forward(this.ffn.forward(sa, firstTokenOnly ? x.size(1) : undefined).add(sa)), probs];
    });
  }
}

/** True when every block is DistilBERT's own arrangement of modules, which the fused kernel computes. */
function stockBlocks(transformer: Transformer): boolean {
  return [...transformer.layer].every((b) => b.constructor === TransformerBlock && b.attention.constructor === MultiHeadSelfAttention && b.ffn.constructor === FFN);
}

/** A TransformerBlock's modules as the fused kernel reads them. */
function fusableBlock(b: TransformerBlock): FusableLayer {
  return {
    query: b.attention.q_lin, key: b.attention.k_lin, value: b.attention.v_lin, attentionOutput: b.attention.out_lin, attentionNorm: b.sa_layer_norm,
    intermediate: b.ffn.lin1, output: b.ffn.lin2, outputNorm: b.output_layer_norm, training: b.training,
  };
}

/** The classes a block may be made of for its first-token-only form (firstTokenLastLayer). */
const STOCK_BLOCK_MODULES: ReadonlySet<Function> = new Set([TransformerBlock, MultiHeadSelfAttention, FFN, Linear, LayerNorm, Dropout]);

/** The layer stack (transformer.layer.N). */
export class Transformer extends LayerStack<TransformerBlock> {
  constructor(config: DistilBertConfig) {
    super(config.nLayers, () => new TransformerBlock(config));
  }
}

export abstract class DistilBertPreTrainedModel extends PreTrainedModel<DistilBertConfig> {
  static override configClass: typeof PreTrainedModel.configClass = DistilBertConfig;
  static override baseModelPrefix = 'distilbert';
  /** A BERT tokenizer's token_type_ids are dropped: DistilBERT has no token type embeddings. */
  static override ignoredInputNames: readonly string[] = ['token_type_ids'];

  /** _init_weights: BERT's arithmetic, then the fixed sinusoidal table when the config asks for it. */
  protected override initWeights(module: Module): void {
    initNormalWeights(module, this.config.initializerRange);
    if (module instanceof Embeddings && this.config.sinusoidalPosEmbds) sinusoidalEmbeddings_(module.position_embeddings.weight);
  }
}

export class DistilBertModel extends DistilBertPreTrainedModel {
  // transformers' DistilBertModel.forward takes no token_type_ids and no position_ids
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'output_attentions', 'output_hidden_states'];
  static override labelNames: readonly string[] = [];
  static override inputEmbeddingsPath = 'embeddings.word_embeddings';
  embeddings: Embeddings;
  transformer: Transformer;

  constructor(config: DistilBertConfig) {
    super(config);
    this.embeddings = new Embeddings(config);
    this.transformer = new Transformer(config);
    this.postInit();
  }

  forward(inputs: ModelInputs | Tensor): BaseModelOutput {
    return torch.tidy(() => this.run(readInputs(inputs, this)));
  }

  /** firstTokenOnly: the caller reads only the first token's state (see BertModel.run). */
  run(x: ReadInputs, options: { firstTokenOnly?: boolean } = {}): BaseModelOutput {
    return torch.tidy(() => {
      const hidden = this.embeddings.forward(x.inputIds);
      const want = {
        hiddenStates: x.outputHiddenStates ?? this.config.outputHiddenStates,
        attentions: x.outputAttentions ?? this.config.outputAttentions,
      };
      const { nHeads, activation } = this.config;
      const blocks = [...this.transformer.layer];
      const firstTokenOnly = options.firstTokenOnly ?? false;
      return encoderOutput(blocks, stockBlocks(this.transformer) ? blocks.map(fusableBlock) : null, hidden, x.attentionMask,
        { numAttentionHeads: nHeads, layerNormEps: 1e-12, hiddenAct: activation }, want,
        { firstTokenOnly, lastFirstTokenOnly: firstTokenOnly && firstTokenLastLayer(this.transformer.layer, want, STOCK_BLOCK_MODULES) });
    });
  }
}

export class DistilBertForSequenceClassification extends DistilBertPreTrainedModel implements SequenceClassification {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'labels', 'output_attentions', 'output_hidden_states'];
  static override labelNames: readonly string[] = ['labels'];
  distilbert: DistilBertModel;
  pre_classifier: Linear;
  classifier: Linear;
  dropout: Dropout;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertModel(config);
    this.pre_classifier = new Linear(config.dim, config.dim);
    this.classifier = new Linear(config.dim, config.numLabels);
    this.dropout = new Dropout(config.seqClassifDropout);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): SequenceClassifierOutputFor<I> {
    return classifySequences(this, inputs, (x) => {
      const out = this.distilbert.run(x, { firstTokenOnly: true });
      const pooled = this.pre_classifier.forward(out.lastHiddenState.select(1, 0)).relu();
      return [this.classifier.forward(this.dropout.forward(pooled)), out];
    });
  }
}

/** DistilBERT's forward inputs for token-level heads (no token_type_ids, no position_ids). */
const DISTILBERT_TOKEN_INPUTS = ['input_ids', 'attention_mask', 'labels', 'output_attentions', 'output_hidden_states'];

export class DistilBertForMaskedLM extends DistilBertPreTrainedModel implements MaskedLM {
  static override forwardInputNames: readonly string[] = DISTILBERT_TOKEN_INPUTS;
  static override labelNames: readonly string[] = ['labels'];
  static override tiedWeightsKeys: readonly string[] = ['vocab_projector\\.weight'];
  readonly activation: (x: Tensor) => Tensor;
  distilbert: DistilBertModel;
  vocab_transform: Linear;
  vocab_layer_norm: LayerNorm;
  vocab_projector: Linear;

  constructor(config: DistilBertConfig) {
    super(config);
    this.activation = getActivation(config.activation);
    this.distilbert = new DistilBertModel(config);
    this.vocab_transform = new Linear(config.dim, config.dim);
    this.vocab_layer_norm = new LayerNorm(config.dim, { eps: 1e-12 });
    this.vocab_projector = new Linear(config.dim, config.vocabSize);
    this.postInit();
  }

  override getOutputEmbeddings(): Linear {
    return this.vocab_projector;
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): MaskedLMOutputFor<I> {
    return classifyTokens(this, inputs, (x) => {
      const out = this.distilbert.run(x);
      const hidden = this.vocab_layer_norm.forward(this.activation(this.vocab_transform.forward(out.lastHiddenState)));
      return [this.vocab_projector.forward(hidden), out];
    });
  }
}

export class DistilBertForTokenClassification extends DistilBertPreTrainedModel implements TokenClassification {
  static override forwardInputNames: readonly string[] = DISTILBERT_TOKEN_INPUTS;
  static override labelNames: readonly string[] = ['labels'];
  distilbert: DistilBertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: DistilBertConfig) {
    super(config);
    this.distilbert = new DistilBertModel(config);
    this.dropout = new Dropout(config.dropout);
    this.classifier = new Linear(config.dim, config.numLabels);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): TokenClassifierOutputFor<I> {
    return classifyTokens(this, inputs, (x) => {
      const out = this.distilbert.run(x);
      return [this.classifier.forward(this.dropout.forward(out.lastHiddenState)), out];
    });
  }
}

export class DistilBertForQuestionAnswering extends DistilBertPreTrainedModel implements QuestionAnswering {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'start_positions', 'end_positions', 'output_attentions', 'output_hidden_states'];
  static override labelNames: readonly string[] = QA_LABEL_NAMES;
  distilbert: DistilBertModel;
  qa_outputs: Linear;
  dropout: Dropout;

  constructor(config: DistilBertConfig) {
    super(config);
    if (config.numLabels !== 2) throw new Error(`${config.where()}: DistilBertForQuestionAnswering needs num_labels 2 (a start and an end logit), got ${config.numLabels}`);
    this.distilbert = new DistilBertModel(config);
    this.qa_outputs = new Linear(config.dim, config.numLabels);
    this.dropout = new Dropout(config.qaDropout);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): QuestionAnsweringOutputFor<I> {
    return answerSpans(this, inputs, (x) => {
      const out = this.distilbert.run(x);
      return [this.qa_outputs.forward(this.dropout.forward(out.lastHiddenState)), out];
    });
  }
}
