// Qwen2, as transformers' modeling_qwen2.py: Llama's network with biases on the q/k/v
// projections (none on o_proj), and sliding-window attention in the layers layer_types marks
// 'sliding_attention' (by default none: use_sliding_window is false).
import type { ConfigOptions } from '../configuration_utils.js';
import { LlamaConfig } from '../llama/configuration_llama.js';
import { LlamaAttention, LlamaForCausalLM, LlamaForSequenceClassification, LlamaModel, LlamaMLP, LlamaRMSNorm } from '../llama/modeling_llama.js';
import type { DecoderParts } from '../llama/modeling_llama.js';
import type { PreTrainedModel } from '../modeling_utils.js';

export class Qwen2Config extends LlamaConfig {
  static override modelType = 'qwen2';
  useSlidingWindow = false;
  slidingWindow: number | null = 4096;
  maxWindowLayers = 28;
  layerTypes: string[] | null = null;

  constructor(init: ConfigOptions = {}) {
    super();
    Object.assign(this, { vocabSize: 151936, intermediateSize: 22016, numKeyValueHeads: 32, maxPositionEmbeddings: 32768, bosTokenId: null, eosTokenId: null });
    this.applyOptions(init);
  }

  /** transformers' layer_types: 'sliding_attention' from max_window_layers on, when use_sliding_window. */
  attentionTypes(): string[] {
    if (this.layerTypes) return this.layerTypes;
    const window = this.useSlidingWindow ? this.slidingWindow : null;
    return Array.from({ length: this.numHiddenLayers }, (_, i) => (window !== null && i >= this.maxWindowLayers ? 'sliding_attention' : 'full_attention'));
  }

  override validate(): void {
    super.validate();
    const types = this.attentionTypes();
    if (types.length !== this.numHiddenLayers || types.some((t) => t !== 'full_attention' && t !== 'sliding_attention')) {
      throw new Error(`${this.where()}: layer_types must list 'full_attention' or 'sliding_attention' for each of the ${this.numHiddenLayers} layers, got ${JSON.stringify(types)}`);
    }
  }
}

export class Qwen2Attention extends LlamaAttention {
  constructor(config: LlamaConfig, layerIdx: number) {
    super(config, layerIdx, { qkv: true, o: false });
  }
}

/** A base model of the Qwen family: each layer's attention type from layer_types. */
export class Qwen2Model extends LlamaModel {
  static override configClass: typeof PreTrainedModel.configClass = Qwen2Config;
  static override parts: DecoderParts = { norm: LlamaRMSNorm, attention: Qwen2Attention, mlp: LlamaMLP };

  constructor(config: Qwen2Config) {
    super(config);
    const types = config.attentionTypes();
    for (const [i, layer] of [...this.layers].entries()) layer.self_attn.slidingWindow = types[i] === 'sliding_attention';
  }

  protected override slidingWindow(): number | null {
    const config = this.config as Qwen2Config;
    return config.attentionTypes().includes('sliding_attention') ? config.slidingWindow : null;
  }
}

export class Qwen2ForCausalLM extends LlamaForCausalLM {
  static override configClass: typeof PreTrainedModel.configClass = Qwen2Config;
  static override baseModelClass = Qwen2Model;
}

export class Qwen2ForSequenceClassification extends LlamaForSequenceClassification {
  static override configClass: typeof PreTrainedModel.configClass = Qwen2Config;
  static override baseModelClass = Qwen2Model;
}
