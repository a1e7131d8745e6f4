// Qwen3, as transformers' modeling_qwen3.py: Qwen2's layout without the q/k/v biases
// (attention_bias, false by default), an explicit head_dim, and an RMSNorm over each head's
// queries and keys (q_norm, k_norm) before the rotary embedding.
import type { Tensor } from '../../engine/tensor.js';
import type { ConfigOptions } from '../configuration_utils.js';
import type { LlamaConfig } from '../llama/configuration_llama.js';
import { LlamaAttention, LlamaForCausalLM, LlamaForSequenceClassification, LlamaMLP, LlamaRMSNorm } from '../llama/modeling_llama.js';
import type { DecoderParts } from '../llama/modeling_llama.js';
import type { PreTrainedModel } from '../modeling_utils.js';
import { Qwen2Config, Qwen2Model } from '../qwen2/modeling_qwen2.js';

export class Qwen3Config extends Qwen2Config {
  static override modelType = 'qwen3';
  constructor(init: ConfigOptions = {}) {
    super();
    this.headDim = 128;
    this.applyOptions(init);
  }
}

export class Qwen3Attention extends LlamaAttention {
  q_norm: LlamaRMSNorm;
  k_norm: LlamaRMSNorm;

  constructor(config: LlamaConfig, layerIdx: number) {
    super(config, layerIdx);
    this.q_norm = new LlamaRMSNorm(this.headDim, config.rmsNormEps);
    this.k_norm = new LlamaRMSNorm(this.headDim, config.rmsNormEps);
  }

  protected override splitHeads(projected: Tensor, heads: number, which: 'q' | 'k' | 'v'): Tensor {
    const split = super.splitHeads(projected, heads, which);
    return which === 'q' ? this.q_norm.forward(split) : which === 'k' ? this.k_norm.forward(split) : split;
  }
}

export class Qwen3Model extends Qwen2Model {
  static override configClass: typeof PreTrainedModel.configClass = Qwen3Config;
  static override parts: DecoderParts = { norm: LlamaRMSNorm, attention: Qwen3Attention, mlp: LlamaMLP };
}

export class Qwen3ForCausalLM extends LlamaForCausalLM {
  static override configClass: typeof PreTrainedModel.configClass = Qwen3Config;
  static override baseModelClass = Qwen3Model;
}

export class Qwen3ForSequenceClassification extends LlamaForSequenceClassification {
  static override configClass: typeof PreTrainedModel.configClass = Qwen3Config;
  static override baseModelClass = Qwen3Model;
}
