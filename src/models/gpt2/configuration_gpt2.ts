// GPT2Config, as transformers' configuration_gpt2.py: OpenAI's field names (n_embd, n_layer, …)
// with the generic names (hiddenSize, …) as aliases, like its attribute_map.
import { checkActivation, checkSizes } from '../bert/configuration_bert.js';
import { PretrainedConfig } from '../configuration_utils.js';
import type { ConfigOptions } from '../configuration_utils.js';

export class GPT2Config extends PretrainedConfig {
  static override modelType = 'gpt2';
  static override attributeMap = { hidden_size: 'n_embd', max_position_embeddings: 'n_positions', num_attention_heads: 'n_head', num_hidden_layers: 'n_layer' };

  vocabSize = 50257;
  nPositions = 1024;
  nEmbd = 768;
  nLayer = 12;
  nHead = 12;
  nInner: number | null = null;
  activationFunction = 'gelu_new';
  residPdrop = 0.1;
  embdPdrop = 0.1;
  attnPdrop = 0.1;
  layerNormEpsilon = 1e-5;
  initializerRange = 0.02;
  summaryType = 'cls_index';
  summaryUseProj = true;
  summaryActivation: string | null = null;
  summaryProjToLabels = true;
  summaryFirstDropout = 0.1;
  scaleAttnWeights = true;
  useCache = true;
  scaleAttnByInverseLayerIdx = false;
  reorderAndUpcastAttn = false;

  constructor(init: ConfigOptions = {}) {
    super();
    this.bosTokenId = 50256;
    this.eosTokenId = 50256;
    this.applyOptions(init);
  }

  get hiddenSize(): number { return this.nEmbd; }
  set hiddenSize(v: number) { this.nEmbd = v; }
  get numAttentionHeads(): number { return this.nHead; }
  set numAttentionHeads(v: number) { this.nHead = v; }
  get numHiddenLayers(): number { return this.nLayer; }
  set numHiddenLayers(v: number) { this.nLayer = v; }
  get maxPositionEmbeddings(): number { return this.nPositions; }
  set maxPositionEmbeddings(v: number) { this.nPositions = v; }

  validate(): void {
    checkSizes(this, ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nHead']);
    if (this.nInner !== null) checkSizes(this, ['nInner']);
    if (this.nEmbd % this.nHead !== 0) throw new Error(`${this.where()}: n_embd (${this.nEmbd}) is not a multiple of n_head (${this.nHead})`);
    checkActivation(this, 'activationFunction');
    if (this.addCrossAttention) throw new Error(`${this.where()}: add_cross_attention (GPT-2 as an encoder-decoder's decoder) is not supported`);
  }
}
