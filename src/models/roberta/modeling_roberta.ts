// RoBERTa (and XLM-RoBERTa), as transformers' modeling_roberta.py: BERT's encoder unchanged,
// with two differences, which are all this file holds: positions count from padding_idx + 1
// and skip padding, and the classification head reads the <s> token through its own
// dense + tanh instead of BERT's pooler.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../../nn/module.js';
import { Dropout, Embedding, Linear } from '../../nn/layers.js';
import { BertEmbeddings, BertForSequenceClassification, BertModel, BertPreTrainedModel } from '../bert/modeling_bert.js';
import type { BertConfig } from '../bert/configuration_bert.js';
import type { ModelInputs } from '../model_inputs.js';
import { classifySequences } from '../modeling_outputs.js';
import type { SequenceClassification, SequenceClassifierOutputFor } from '../modeling_outputs.js';
import { PreTrainedModel } from '../modeling_utils.js';
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
      const out = this.roberta.run(x);
      return [this.classifier.forward(out.lastHiddenState), out];
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
