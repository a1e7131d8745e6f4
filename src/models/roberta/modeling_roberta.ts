// RoBERTa (and XLM-RoBERTa), as transformers' modeling_roberta.py: BERT's encoder unchanged,
// with two differences, which are all this file holds: positions count from padding_idx + 1
// and skip padding, and the classification head reads the <s> token through its own
// dense + tanh instead of BERT's pooler; the LM head (lm_head) is dense → gelu → layer_norm →
// decoder. Token classification and QA are BERT's heads on RoBERTa's base model.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../../nn/module.js';
import { Dropout, Embedding, LayerNorm, Linear } from '../../nn/layers.js';
import type { Parameter } from '../../nn/module.js';
import * as F from '../../nn/functional.js';
import {
  BertEmbeddings, BertForMaskedLM, BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification, BertModel, BertPreTrainedModel,
} from '../bert/modeling_bert.js';
import type { BertConfig } from '../bert/configuration_bert.js';
import type { ModelInputs } from '../model_inputs.js';
import { classifySequences } from '../modeling_outputs.js';
import type { SequenceClassification, SequenceClassifierOutputFor } from '../modeling_outputs.js';
import { PreTrainedModel } from '../modeling_utils.js';
import { answerSpans, classifyTokens } from '../modeling_heads.js';
import type { MaskedLM, MaskedLMOutputFor, QuestionAnswering, QuestionAnsweringOutputFor, TokenClassification, TokenClassifierOutputFor } from '../modeling_heads.js';
import { RobertaConfig, XLMRobertaConfig } from './configuration_roberta.js';

/** create_position_ids_from_input_ids: padding keeps padding_idx, tokens count padding_idx + 1, + 2, … */
export function createPositionIdsFromInputIds(inputIds: Tensor, paddingIdx: number): Tensor {
  return torch.tidy(() => {
    const mask = inputIds.ne(paddingIdx).to('int64');
    return mask.cumsum(1).mul(mask).add(paddingIdx);
  });
}

export class RobertaEmbeddings extends BertEmbeddings {
  readonly paddingIdx: number;

  constructor(config: BertConfig) {
    super(config);
    if (config.padTokenId === null) throw new Error(`${config.where()}: RoBERTa needs pad_token_id (its positions count from it)`);
    this.paddingIdx = config.padTokenId;
    // as transformers: BERT's table is replaced by one whose padding row is the pad position
    this.position_embeddings.weight.dispose();
    this.position_embeddings = new Embedding(config.maxPositionEmbeddings, config.hiddenSize, { paddingIdx: this.paddingIdx });
  }

  protected override positionIdsFor(inputIds: Tensor): Tensor {
    const needed = inputIds.size(1) + this.paddingIdx + 1;
    if (needed > this.position_embeddings.numEmbeddings) {
      throw new RangeError(`sequence length ${inputIds.size(1)} needs ${needed} position embeddings (positions start after padding_idx ${this.paddingIdx}) but max_position_embeddings is ${this.position_embeddings.numEmbeddings}; truncate the inputs`);
    }
    return createPositionIdsFromInputIds(inputIds, this.paddingIdx);
  }
}

/** RoBERTa's family class: BERT's _init_weights (transformers' RobertaPreTrainedModel has the same arithmetic). */
export abstract class RobertaPreTrainedModel extends BertPreTrainedModel<RobertaConfig> {
  static override configClass: typeof PreTrainedModel.configClass = RobertaConfig;
  static override baseModelPrefix = 'roberta';
}

/** BertModel with RoBERTa's embeddings. */
export class RobertaModel extends BertModel {
  static override configClass: typeof PreTrainedModel.configClass = RobertaConfig;
  static override baseModelPrefix = 'roberta';
  static override embeddingsClass = RobertaEmbeddings;
}

export class RobertaClassificationHead extends Module {
  dense: Linear;
  dropout: Dropout;
  out_proj: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.out_proj = new Linear(config.hiddenSize, config.numLabels);
  }

  /** The <s> token's hidden state → dropout → dense → tanh → dropout → out_proj. */
  forward(features: Tensor): Tensor {
    const x = this.dropout.forward(this.dense.forward(this.dropout.forward(features.select(1, 0))).tanh());
    return this.out_proj.forward(x);
  }
}

export class RobertaForSequenceClassification extends RobertaPreTrainedModel implements SequenceClassification {
  static override forwardInputNames = BertForSequenceClassification.forwardInputNames;
  static override labelNames = BertForSequenceClassification.labelNames;
  roberta: RobertaModel;
  classifier: RobertaClassificationHead;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = new RobertaModel(config, { addPoolingLayer: false });
    this.classifier = new RobertaClassificationHead(config);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): SequenceClassifierOutputFor<I> {
    return classifySequences(this, inputs, (x) => {
      const out = this.roberta.run(x, { firstTokenOnly: true });
      return [this.classifier.forward(out.lastHiddenState), out];
    });
  }
}

/** lm_head: dense → gelu → layer_norm → decoder (weight tied to the word embedding, bias `bias`). */
export class RobertaLMHead extends Module {
  dense: Linear;
  layer_norm: LayerNorm;
  decoder: Linear;
  bias: Parameter;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
    this.layer_norm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.decoder = new Linear(config.hiddenSize, config.vocabSize);
    this.bias = this.decoder.bias!;
  }

  forward(features: Tensor): Tensor {
    return this.decoder.forward(this.layer_norm.forward(F.gelu(this.dense.forward(features))));
  }
}

export class RobertaForMaskedLM extends RobertaPreTrainedModel implements MaskedLM {
  static override forwardInputNames = BertForMaskedLM.forwardInputNames;
  static override labelNames = BertForMaskedLM.labelNames;
  static override tiedWeightsKeys: readonly string[] = ['lm_head\\.decoder\\.weight', 'lm_head\\.decoder\\.bias'];
  roberta: RobertaModel;
  lm_head: RobertaLMHead;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = new RobertaModel(config, { addPoolingLayer: false });
    this.lm_head = new RobertaLMHead(config);
    this.postInit();
  }

  override getOutputEmbeddings(): Linear {
    return this.lm_head.decoder;
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): MaskedLMOutputFor<I> {
    return classifyTokens(this, inputs, (x) => {
      const out = this.roberta.run(x);
      return [this.lm_head.forward(out.lastHiddenState), out];
    });
  }
}

export class RobertaForTokenClassification extends RobertaPreTrainedModel implements TokenClassification {
  static override forwardInputNames = BertForTokenClassification.forwardInputNames;
  static override labelNames = BertForTokenClassification.labelNames;
  roberta: RobertaModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = new RobertaModel(config, { addPoolingLayer: false });
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = new Linear(config.hiddenSize, config.numLabels);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): TokenClassifierOutputFor<I> {
    return classifyTokens(this, inputs, (x) => {
      const out = this.roberta.run(x);
      return [this.classifier.forward(this.dropout.forward(out.lastHiddenState)), out];
    });
  }
}

export class RobertaForQuestionAnswering extends RobertaPreTrainedModel implements QuestionAnswering {
  static override forwardInputNames = BertForQuestionAnswering.forwardInputNames;
  static override labelNames = BertForQuestionAnswering.labelNames;
  roberta: RobertaModel;
  qa_outputs: Linear;

  constructor(config: RobertaConfig) {
    super(config);
    this.roberta = new RobertaModel(config, { addPoolingLayer: false });
    this.qa_outputs = new Linear(config.hiddenSize, config.numLabels);
    this.postInit();
  }

  forward<I extends ModelInputs | Tensor>(inputs: I): QuestionAnsweringOutputFor<I> {
    return answerSpans(this, inputs, (x) => {
      const out = this.roberta.run(x);
      return [this.qa_outputs.forward(out.lastHiddenState), out];
    });
  }
}

/** XLM-RoBERTa: RoBERTa's network under its own config and class names. */
export class XLMRobertaModel extends RobertaModel {
  static override configClass: typeof PreTrainedModel.configClass = XLMRobertaConfig;
}

export class XLMRobertaForSequenceClassification extends RobertaForSequenceClassification {
  static override configClass: typeof PreTrainedModel.configClass = XLMRobertaConfig;
}

export class XLMRobertaForMaskedLM extends RobertaForMaskedLM {
  static override configClass: typeof PreTrainedModel.configClass = XLMRobertaConfig;
}

export class XLMRobertaForTokenClassification extends RobertaForTokenClassification {
  static override configClass: typeof PreTrainedModel.configClass = XLMRobertaConfig;
}

export class XLMRobertaForQuestionAnswering extends RobertaForQuestionAnswering {
  static override configClass: typeof PreTrainedModel.configClass = XLMRobertaConfig;
}
