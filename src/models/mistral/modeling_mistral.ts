// Mistral, as transformers' modeling_mistral.py: Llama's network with sliding-window attention
// in every layer (a token sees the last sliding_window positions) when sliding_window is set.
// That, and its config's defaults, are all this file holds.
import type { ConfigOptions } from '../configuration_utils.js';
import { LlamaConfig } from '../llama/configuration_llama.js';
import { LlamaForCausalLM, LlamaForSequenceClassification, LlamaModel } from '../llama/modeling_llama.js';
import type { PreTrainedModel } from '../modeling_utils.js';

export class MistralConfig extends LlamaConfig {
  static override modelType = 'mistral';
  slidingWindow: number | null = 4096;

  constructor(init: ConfigOptions = {}) {
    super();
    Object.assign(this, { intermediateSize: 14336, numKeyValueHeads: 8, maxPositionEmbeddings: 4096 * 32 });
    this.applyOptions(init);
  }

  override validate(): void {
    super.validate();
    if (this.slidingWindow !== null && !(Number.isInteger(this.slidingWindow) && this.slidingWindow >= 1)) {
      throw new Error(`${this.where()}: sliding_window must be a positive integer or null, got ${this.slidingWindow}`);
    }
  }
}

export class MistralModel extends LlamaModel {
  static override configClass: typeof PreTrainedModel.configClass = MistralConfig;
  constructor(config: MistralConfig) {
    super(config);
    if (config.slidingWindow !== null) for (const layer of this.layers) layer.self_attn.slidingWindow = true;
  }
  protected override slidingWindow(): number | null {
    return (this.config as MistralConfig).slidingWindow;
  }
}

export class MistralForCausalLM extends LlamaForCausalLM {
  static override configClass: typeof PreTrainedModel.configClass = MistralConfig;
  static override baseModelClass = MistralModel;
}

export class MistralForSequenceClassification extends LlamaForSequenceClassification {
  static override configClass: typeof PreTrainedModel.configClass = MistralConfig;
  static override baseModelClass = MistralModel;
}
