// BERT, as transformers' modeling_bert.py: the same modules with the same attribute names
// (so the weights' dotted names are Hugging Face's: bert.encoder.layer.0.attention.self.query.weight),
// the same arithmetic, and the same loss for sequence classification. Read top to bottom:
// embeddings → self-attention → attention output → feed-forward → layer → encoder → pooler →
// BertModel → BertForSequenceClassification → the MLM head and BertForMaskedLM →
// BertForTokenClassification → BertForQuestionAnswering.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module, Parameter } from '../../nn/module.js';
import { Dropout, Embedding, LayerNorm, Linear, Tanh } from '../../nn/layers.js';
import { getActivation } from '../activations.js';
import { multiHeadAttention } from '../attention.js';
import { initNormalWeights } from '../initialization.js';
import { encoderOutput } from '../fused_encoder.js';
import type { FusableLayer } from '../fused_encoder.js';
import { readInputs } from '../model_inputs.js';
import type { ModelInputs, ReadInputs } from '../model_inputs.js';
import { LayerStack, embed, firstPosition, firstTokenLastLayer } from '../modeling_layers.js';
import { classifySequences } from '../modeling_outputs.js';
import type { BaseModelOutput, SequenceClassification, SequenceClassifierOutputFor } from '../modeling_outputs.js';
import { QA_HEAD_INPUTS, QA_LABEL_NAMES, TOKEN_HEAD_INPUTS, answerSpans, classifyTokens } from '../modeling_heads.js';
import type { MaskedLM, MaskedLMOutputFor, QuestionAnswering, QuestionAnsweringOutputFor, TokenClassification, TokenClassifierOutputFor } from '../modeling_heads.js';
import { PreTrainedModel } from '../modeling_utils.js';
import { BertConfig } from './configuration_bert.js';

export class BertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  declare position_ids: Tensor;
  declare token_type_ids: Tensor;

  constructor(config: BertConfig) {
    super();
    this.word_embeddings = new Embedding(config.vocabSize, config.hiddenSize, { paddingIdx: config.padTokenId });
    this.position_embeddings = new Embedding(config.maxPositionEmbeddings, config.hiddenSize);
    this.token_type_embeddings = new Embedding(config.typeVocabSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
    // non-persistent, as in transformers >= 4.31: not in the state dict, ignored when a checkpoint has them
    this.registerBuffer('position_ids', torch.arange(config.maxPositionEmbeddings).expand(1, -1), false);
    this.registerBuffer('token_type_ids', torch.zeros([1, config.maxPositionEmbeddings], { dtype: 'int64' }), false);
  }

  /** BERT counts positions 0, 1, …; RoBERTa overrides this. */
  protected positionIdsFor(inputIds: Tensor): Tensor {
    return this.position_ids.slice(1, 0, inputIds.size(1));
  }

  forward(inputIds: Tensor, tokenTypeIds: Tensor | null = null, positionIds: Tensor | null = null): Tensor {
    const [batch, seq] = inputIds.shape;
    if (seq > this.position_embeddings.numEmbeddings) {
      throw new RangeError(`sequence length ${seq} exceeds max_position_embeddings (${this.position_embeddings.numEmbeddings}); truncate the inputs (tokenizer option truncation: true)`);
    }
    const positions = positionIds ?? this.positionIdsFor(inputIds);
    const types = tokenTypeIds ?? this.token_type_ids.slice(1, 0, seq).expand(batch, seq);
    const embeddings = embed(this.word_embeddings, inputIds, 'vocab_size').add(embed(this.token_type_embeddings, types, 'type_vocab_size'))
      .add(embed(this.position_embeddings, positions, 'max_position_embeddings'));
    return this.dropout.forward(this.LayerNorm.forward(embeddings));
  }
}

export class BertSelfAttention extends Module {
  query: Linear;
  key: Linear;
  value: Linear;
  dropout: Dropout;
  readonly numAttentionHeads: number;

  constructor(config: BertConfig) {
    super();
    this.numAttentionHeads = config.numAttentionHeads;
    this.query = new Linear(config.hiddenSize, config.hiddenSize);
    this.key = new Linear(config.hiddenSize, config.hiddenSize);
    this.value = new Linear(config.hiddenSize, config.hiddenSize);
    this.dropout = new Dropout(config.attentionProbsDropoutProb);
  }

  /**
   * Returns the context and, with outputAttentions, the attention probabilities. firstTokenOnly:
   * only the first position queries (its context is [batch, 1, hidden]); every position is
   * still attended to.
   */
  forward(hidden: Tensor, mask: Tensor | null, outputAttentions = false, firstTokenOnly = false): [Tensor, Tensor | null] {
    const queries = firstTokenOnly ? firstPosition(hidden) : hidden;
    return multiHeadAttention(this.query.forward(queries), this.key.forward(hidden), this.value.forward(hidden), {
      heads: this.numAttentionHeads, mask, dropoutP: this.dropout.p, training: this.training, needWeights: outputAttentions,
      dropoutQueryRows: firstTokenOnly ? hidden.size(1) : undefined,
    });
  }
}

/** dense → dropout → LayerNorm(· + residual): after attention (BertSelfOutput) and after the feed-forward (BertOutput). */
export class BertSelfOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(config: BertConfig, inFeatures = config.hiddenSize) {
    super();
    this.dense = new Linear(inFeatures, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  /** drawnLength: hidden is the first positions of a sequence this long, whose dropout draws it takes. */
  forward(hidden: Tensor, residual: Tensor, drawnLength?: number): Tensor {
    return this.LayerNorm.forward(this.dropout.forwardLeadingSlice(this.dense.forward(hidden), 1, drawnLength).add(residual));
  }
}

export class BertAttention extends Module {
  self: BertSelfAttention;
  output: BertSelfOutput;

  constructor(config: BertConfig) {
    super();
    this.self = new BertSelfAttention(config);
    this.output = new BertSelfOutput(config);
  }

  forward(hidden: Tensor, mask: Tensor | null, outputAttentions = false, firstTokenOnly = false): [Tensor, Tensor | null] {
    const [context, probs] = this.self.forward(hidden, mask, outputAttentions, firstTokenOnly);
    if (!firstTokenOnly) return [this.output.forward(context, hidden), probs];
    return [this.output.forward(context, hidden.narrow(1, 0, 1), hidden.size(1)), probs];
  }
}

export class BertIntermediate extends Module {
  dense: Linear;
  readonly intermediateActFn: (x: Tensor) => Tensor;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.intermediateSize);
    this.intermediateActFn = getActivation(config.hiddenAct);
  }

  forward(hidden: Tensor): Tensor {
    return this.intermediateActFn(this.dense.forward(hidden));
  }
}

/** The feed-forward's output: BertSelfOutput's arithmetic from the intermediate size. */
export class BertOutput extends BertSelfOutput {
  constructor(config: BertConfig) {
    super(config, config.intermediateSize);
  }
}

export class BertLayer extends Module {
  attention: BertAttention;
  intermediate: BertIntermediate;
  output: BertOutput;

  constructor(config: BertConfig) {
    super();
    this.attention = new BertAttention(config);
    this.intermediate = new BertIntermediate(config);
    this.output = new BertOutput(config);
  }

  /** firstTokenOnly: the first position's output alone ([batch, 1, hidden]; EncoderLayer). */
  forward(hidden: Tensor, mask: Tensor | null, outputAttentions = false, firstTokenOnly = false): [Tensor, Tensor | null] {
    // tidy: a layer's temporaries are freed as soon as it returns (autograd keeps what backward needs)
    return torch.tidy(() => {
      const [attended, probs] = this.attention.forward(hidden, mask, outputAttentions, firstTokenOnly);
      return [this.output.forward(this.intermediate.forward(attended), attended, firstTokenOnly ? hidden.size(1) : undefined), probs];
    });
  }
}

/** True when every layer is BERT's own arrangement of modules, which the fused kernel computes. */
function stockLayers(encoder: BertEncoder): boolean {
  return [...encoder.layer].every((l) => l.constructor === BertLayer && l.attention.constructor === BertAttention &&
    l.attention.self.constructor === BertSelfAttention && l.attention.output.constructor === BertSelfOutput &&
    l.intermediate.constructor === BertIntermediate && l.output.constructor === BertOutput);
}

/** A BertLayer's modules as the fused kernel reads them. */
function fusableLayer(l: BertLayer): FusableLayer {
  const { self, output } = l.attention;
  return {
    query: self.query, key: self.key, value: self.value, attentionOutput: output.dense, attentionNorm: output.LayerNorm,
    intermediate: l.intermediate.dense, output: l.output.dense, outputNorm: l.output.LayerNorm, training: l.training,
  };
}

/** The classes a layer may be made of for its first-token-only form (firstTokenLastLayer). */
const STOCK_LAYER_MODULES: ReadonlySet<Function> = new Set([
  BertLayer, BertAttention, BertSelfAttention, BertSelfOutput, BertIntermediate, BertOutput, Linear, LayerNorm, Dropout,
]);

/** The layer stack (encoder.layer.N). */
export class BertEncoder extends LayerStack<BertLayer> {
  constructor(config: BertConfig) {
    super(config.numHiddenLayers, () => new BertLayer(config));
  }
}

export class BertPooler extends Module {
  dense: Linear;
  activation: Tanh;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
    this.activation = new Tanh();
  }

  /** The [CLS] (first) token's hidden state through dense + tanh. */
  forward(hidden: Tensor): Tensor {
    return this.activation.forward(this.dense.forward(hidden.select(1, 0)));
  }
}

/** The BERT family's class (RoBERTa's derives from it: transformers gives RoBERTa the same _init_weights). */
export abstract class BertPreTrainedModel<C extends BertConfig = BertConfig> extends PreTrainedModel<C> {
  static override configClass: typeof PreTrainedModel.configClass = BertConfig;
  static override baseModelPrefix = 'bert';

  /** _init_weights: normal(0, initializer_range) weights, zero biases and padding row, LayerNorm 1/0. */
  protected override initWeights(module: Module): void {
    initNormalWeights(module, this.config.initializerRange);
  }
}

export class BertModel extends BertPreTrainedModel {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'output_attentions', 'output_hidden_states'];
  static override labelNames: readonly string[] = [];
  static override inputEmbeddingsPath = 'embeddings.word_embeddings';
  /** The embeddings module's class (RoBERTa's differs only there). */
  static embeddingsClass: new (config: BertConfig) => BertEmbeddings = BertEmbeddings;

  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler | null;

  constructor(config: BertConfig, options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.embeddings = new (this.constructor as typeof BertModel).embeddingsClass(config);
    this.encoder = new BertEncoder(config);
    this.pooler = options.addPoolingLayer === false ? null : new BertPooler(config);
    this.postInit();
  }

  forward(inputs: ModelInputs | Tensor): BaseModelOutput {
    return torch.tidy(() => this.run(readInputs(inputs, this)));
  }

  /**
   * The forward pass on inputs already read (task models call this). firstTokenOnly: the caller
   * reads only the first token's state, so evaluation may skip padding (fused_encoder.ts) and
   * the last layer may compute that token alone (lastHiddenState is then [batch, 1, hidden]).
   */
  run(x: ReadInputs, options: { firstTokenOnly?: boolean } = {}): BaseModelOutput {
    return torch.tidy(() => {
      const embeddingOutput = this.embeddings.forward(x.inputIds, x.tokenTypeIds, x.positionIds);
      const want = {
        hiddenStates: x.outputHiddenStates ?? this.config.outputHiddenStates,
        attentions: x.outputAttentions ?? this.config.outputAttentions,
      };
      const layers = [...this.encoder.layer];
      const firstTokenOnly = options.firstTokenOnly ?? false;
      const out = encoderOutput(layers, stockLayers(this.encoder) ? layers.map(fusableLayer) : null, embeddingOutput, x.attentionMask, this.config, want,
        { firstTokenOnly, lastFirstTokenOnly: firstTokenOnly && firstTokenLastLayer(this.encoder.layer, want, STOCK_LAYER_MODULES) });
      if (this.pooler) out.poolerOutput = this.pooler.forward(out.lastHiddenState);
      return out;
    });
  }
}

export class BertForSequenceClassification extends BertPreTrainedModel implements SequenceClassification {
  static override forwardInputNames: readonly string[] = [
    'input_ids', 'attention_mask', 'token_type_ids', 'position_ids', 'labels', 'output_attentions', 'output_hidden_states',
  ];
  static override labelNames: readonly string[] = ['labels'];
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config);
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = new Linear(config.hiddenSize, config.numLabels);
    this.postInit();
  }

  get numLabels(): number {
    return this.config.numLabels;
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): SequenceClassifierOutputFor<I> {
    return classifySequences(this, inputs, (x) => {
      const out = this.bert.run(x, { firstTokenOnly: true });
      return [this.classifier.forward(this.dropout.forward(out.poolerOutput!)), out];
    });
  }
}

/** dense → activation → LayerNorm: the MLM head's transform of each hidden state. */
export class BertPredictionHeadTransform extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  readonly transformActFn: (x: Tensor) => Tensor;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
    this.transformActFn = getActivation(config.hiddenAct);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
  }

  forward(hidden: Tensor): Tensor {
    return this.LayerNorm.forward(this.transformActFn(this.dense.forward(hidden)));
  }
}

/** transform → decoder onto the vocabulary; the decoder's weight is the word embedding (tied), its bias `bias`. */
export class BertLMPredictionHead extends Module {
  transform: BertPredictionHeadTransform;
  decoder: Linear;
  bias: Parameter;

  constructor(config: BertConfig) {
    super();
    this.transform = new BertPredictionHeadTransform(config);
    this.decoder = new Linear(config.hiddenSize, config.vocabSize);
    // one Parameter under two names (cls.predictions.bias, cls.predictions.decoder.bias), as transformers ties them
    this.bias = this.decoder.bias!;
  }

  forward(hidden: Tensor): Tensor {
    return this.decoder.forward(this.transform.forward(hidden));
  }
}

/** cls.predictions: the MLM head alone (BertForPreTraining's cls also has seq_relationship, the NSP head). */
export class BertOnlyMLMHead extends Module {
  predictions: BertLMPredictionHead;

  constructor(config: BertConfig) {
    super();
    this.predictions = new BertLMPredictionHead(config);
  }

  forward(sequenceOutput: Tensor): Tensor {
    return this.predictions.forward(sequenceOutput);
  }
}

export class BertForMaskedLM extends BertPreTrainedModel implements MaskedLM {
  static override forwardInputNames: readonly string[] = TOKEN_HEAD_INPUTS;
  static override labelNames: readonly string[] = ['labels'];
  static override tiedWeightsKeys: readonly string[] = ['cls\\.predictions\\.decoder\\.weight', 'cls\\.predictions\\.decoder\\.bias'];
  bert: BertModel;
  cls: BertOnlyMLMHead;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.cls = new BertOnlyMLMHead(config);
    this.postInit();
  }

  override getOutputEmbeddings(): Linear {
    return this.cls.predictions.decoder;
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): MaskedLMOutputFor<I> {
    return classifyTokens(this, inputs, (x) => {
      const out = this.bert.run(x);
      return [this.cls.forward(out.lastHiddenState), out];
    });
  }
}

export class BertForTokenClassification extends BertPreTrainedModel implements TokenClassification {
  static override forwardInputNames: readonly string[] = TOKEN_HEAD_INPUTS;
  static override labelNames: readonly string[] = ['labels'];
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = new Linear(config.hiddenSize, config.numLabels);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): TokenClassifierOutputFor<I> {
    return classifyTokens(this, inputs, (x) => {
      const out = this.bert.run(x);
      return [this.classifier.forward(this.dropout.forward(out.lastHiddenState)), out];
    });
  }
}

/** A span head: qa_outputs gives each token a start and an end logit (num_labels = 2). */
export class BertForQuestionAnswering extends BertPreTrainedModel implements QuestionAnswering {
  static override forwardInputNames: readonly string[] = QA_HEAD_INPUTS;
  static override labelNames: readonly string[] = QA_LABEL_NAMES;
  bert: BertModel;
  qa_outputs: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.qa_outputs = new Linear(config.hiddenSize, config.numLabels);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): QuestionAnsweringOutputFor<I> {
    return answerSpans(this, inputs, (x) => {
      const out = this.bert.run(x);
      return [this.qa_outputs.forward(out.lastHiddenState), out];
    });
  }
}
