// DistilBertConfig, as transformers' configuration_distilbert.py: its own field names (dim,
// n_layers, …) with the generic names (hiddenSize, …) as aliases, like attribute_map.
import { checkActivation, checkSizes } from '../bert/configuration_bert.js';
import { PretrainedConfig } from '../configuration_utils.js';
import type { ConfigOptions } from '../configuration_utils.js';

export class DistilBertConfig extends PretrainedConfig {
  static override modelType = 'distilbert';
  static override attributeMap = { hidden_size: 'dim', num_attention_heads: 'n_heads', num_hidden_layers: 'n_layers' };

  vocabSize = 30522;
  maxPositionEmbeddings = 512;
  sinusoidalPosEmbds = false;
  nLayers = 6;
  nHeads = 12;
  dim = 768;
  hiddenDim = 4 * 768;
  dropout = 0.1;
  attentionDropout = 0.1;
  activation = 'gelu';
  initializerRange = 0.02;
  qaDropout = 0.1;
  seqClassifDropout = 0.2;

  constructor(init: ConfigOptions = {}) {
    super();
    this.padTokenId = 0;
    this.applyOptions(init);
  }

  get hiddenSize(): number { return this.dim; }
  set hiddenSize(v: number) { this.dim = v; }
  get numAttentionHeads(): number { return this.nHeads; }
  set numAttentionHeads(v: number) { this.nHeads = v; }
  get numHiddenLayers(): number { return this.nLayers; }
  set numHiddenLayers(v: number) { this.nLayers = v; }

  validate(): void {
    checkSizes(this, ['vocabSize', 'maxPositionEmbeddings', 'nLayers', 'nHeads', 'dim', 'hiddenDim']);
    if (this.dim % this.nHeads !== 0) throw new Error(`${this.where()}: dim (${this.dim}) is not a multiple of n_heads (${this.nHeads})`);
    checkActivation(this, 'activation');
  }
}
