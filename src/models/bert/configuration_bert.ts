// BertConfig, as transformers' configuration_bert.py (same fields, same defaults).
import { PretrainedConfig } from '../configuration_utils.js';
import type { ConfigOptions } from '../configuration_utils.js';
import { ACTIVATIONS } from '../activations.js';

export class BertConfig extends PretrainedConfig {
  static override modelType = 'bert';

  vocabSize = 30522;
  hiddenSize = 768;
  numHiddenLayers = 12;
  numAttentionHeads = 12;
  intermediateSize = 3072;
  hiddenAct = 'gelu';
  hiddenDropoutProb = 0.1;
  attentionProbsDropoutProb = 0.1;
  maxPositionEmbeddings = 512;
  typeVocabSize = 2;
  initializerRange = 0.02;
  layerNormEps = 1e-12;
  positionEmbeddingType = 'absolute';
  useCache = true;
  classifierDropout: number | null = null;

  /** `new BertConfig({ hiddenSize: 128, numLabels: 3 })`: camelCase fields, as BertConfig(hidden_size=128, num_labels=3). */
  constructor(init: ConfigOptions = {}) {
    super();
    this.padTokenId = 0;
    this.applyOptions(init);
  }

  /** The checks a model makes before building itself, with the config file in the message. */
  validate(): void {
    checkSizes(this, ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize']);
    if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw new Error(`${this.where()}: the hidden size (${this.hiddenSize}) is not a multiple of the number of attention heads (${this.numAttentionHeads})`);
    }
    checkActivation(this, 'hiddenAct');
    if (this.positionEmbeddingType !== 'absolute') {
      throw new Error(`${this.where()}: position_embedding_type '${this.positionEmbeddingType}' is not supported (only 'absolute')`);
    }
    if (this.isDecoder || this.addCrossAttention) throw new Error(`${this.where()}: decoder configurations (is_decoder, add_cross_attention) are not supported`);
  }
}

/** Each named field must be a positive integer (0 allowed for layer counts). */
export function checkSizes(config: PretrainedConfig, fields: string[]): void {
  for (const field of fields) {
    const value = (config as unknown as Record<string, unknown>)[field];
    const min = /Layers$/.test(field) ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      const name = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      throw new Error(`${config.where()}: '${name}' must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    }
  }
}

export function checkActivation(config: PretrainedConfig, field: string): void {
  const value = (config as unknown as Record<string, unknown>)[field];
  if (typeof value !== 'string' || !(value in ACTIVATIONS)) {
    const name = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    throw new Error(`${config.where()}: '${name}' ${JSON.stringify(value)} is not a known activation (${Object.keys(ACTIVATIONS).join(', ')})`);
  }
}
