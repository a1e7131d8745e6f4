// LlamaConfig, as transformers' configuration_llama.py: the same fields and defaults. The rope
// settings are read from transformers 5's `rope_parameters` or from the older `rope_theta` +
// `rope_scaling` (both are found in real config.json files).
import { checkActivation, checkSizes } from '../bert/configuration_bert.js';
import { PretrainedConfig } from '../configuration_utils.js';
import type { ConfigOptions } from '../configuration_utils.js';
import { ROPE_TYPES } from '../rope_utils.js';
import type { RopeParameters } from '../rope_utils.js';

export class LlamaConfig extends PretrainedConfig {
  static override modelType = 'llama';

  vocabSize = 32000;
  hiddenSize = 4096;
  intermediateSize = 11008;
  numHiddenLayers = 32;
  numAttentionHeads = 32;
  numKeyValueHeads: number | null = null;
  hiddenAct = 'silu';
  maxPositionEmbeddings = 2048;
  initializerRange = 0.02;
  rmsNormEps = 1e-6;
  useCache = true;
  pretrainingTp = 1;
  ropeTheta = 10000.0;
  ropeScaling: Record<string, unknown> | null = null;
  ropeParameters: Record<string, unknown> | null = null;
  attentionBias = false;
  attentionDropout = 0.0;
  mlpBias = false;
  headDim: number | null = null;

  constructor(init: ConfigOptions = {}) {
    super();
    this.bosTokenId = 1;
    this.eosTokenId = 2;
    this.tieWordEmbeddings = false;
    this.applyOptions(init);
  }

  /** head_dim, or hidden_size / num_attention_heads when unset. */
  get attentionHeadDim(): number {
    return this.headDim ?? this.hiddenSize / this.numAttentionHeads;
  }

  get keyValueHeads(): number {
    return this.numKeyValueHeads ?? this.numAttentionHeads;
  }

  /** The rope type and its numbers, from rope_parameters, else rope_theta and rope_scaling. */
  rope(): RopeParameters {
    const given = this.ropeParameters ?? this.ropeScaling ?? {};
    const field = this.ropeParameters ? 'rope_parameters' : 'rope_scaling';
    const type = (given.rope_type ?? given.type ?? 'default') as string;
    if (!(ROPE_TYPES as readonly string[]).includes(type)) {
      throw new Error(`${this.where()}: ${field}.rope_type '${type}' is not supported (supported: ${ROPE_TYPES.join(', ')})`);
    }
    const number = (key: string, required: boolean): number | undefined => {
      const v = given[key];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.where()}: ${field}.${key} must be a number for rope_type '${type}', got ${JSON.stringify(v)}`);
      return v;
    };
    const theta = (this.ropeParameters ? number('rope_theta', false) : undefined) ?? this.ropeTheta;
    const p: RopeParameters = { ropeType: type as RopeParameters['ropeType'], ropeTheta: theta };
    if (type !== 'default') p.factor = number('factor', true);
    if (type === 'llama3') {
      p.lowFreqFactor = number('low_freq_factor', true);
      p.highFreqFactor = number('high_freq_factor', true);
      p.originalMaxPositionEmbeddings = number('original_max_position_embeddings', true);
    }
    if (p.factor !== undefined && !(p.factor >= 1) && type !== 'linear') throw new Error(`${this.where()}: ${field}.factor must be ≥ 1, got ${p.factor}`);
    return p;
  }

  validate(): void {
    checkSizes(this, ['vocabSize', 'hiddenSize', 'intermediateSize', 'numHiddenLayers', 'numAttentionHeads', 'maxPositionEmbeddings']);
    if (this.numKeyValueHeads !== null) checkSizes(this, ['numKeyValueHeads']);
    if (this.headDim !== null) checkSizes(this, ['headDim']);
    else if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw new Error(`${this.where()}: hidden_size (${this.hiddenSize}) is not a multiple of num_attention_heads (${this.numAttentionHeads}); set head_dim or change one of them`);
    }
    if (this.numAttentionHeads % this.keyValueHeads !== 0) {
      throw new Error(`${this.where()}: num_attention_heads (${this.numAttentionHeads}) is not a multiple of num_key_value_heads (${this.keyValueHeads})`);
    }
    if (this.attentionHeadDim % 2 !== 0) throw new Error(`${this.where()}: the head dimension (${this.attentionHeadDim}) must be even for rotary embeddings`);
    if (!(this.rmsNormEps > 0)) throw new Error(`${this.where()}: rms_norm_eps must be > 0, got ${this.rmsNormEps}`);
    checkActivation(this, 'hiddenAct');
    this.rope();
  }
}
