// Gemma, as transformers' modeling_gemma.py: Llama's network with the token embeddings scaled
// by √hidden_size, an RMSNorm that multiplies by (1 + weight) (weights start at 0), GeGLU
// (gelu_pytorch_tanh) in the MLP, an explicit head_dim, and the LM head tied to the embedding.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import type { Module } from '../../nn/module.js';
import * as init from '../../nn/init.js';
import type { ConfigOptions } from '../configuration_utils.js';
import { LlamaConfig } from '../llama/configuration_llama.js';
import { LlamaAttention, LlamaForCausalLM, LlamaForSequenceClassification, LlamaMLP, LlamaModel, LlamaRMSNorm } from '../llama/modeling_llama.js';
import type { DecoderParts } from '../llama/modeling_llama.js';
import type { PreTrainedModel } from '../modeling_utils.js';

export class GemmaConfig extends LlamaConfig {
  static override modelType = 'gemma';
  constructor(init: ConfigOptions = {}) {
    super();
    Object.assign(this, {
      vocabSize: 256000, hiddenSize: 3072, intermediateSize: 24576, numHiddenLayers: 28, numAttentionHeads: 16, numKeyValueHeads: 16,
      headDim: 256, hiddenAct: 'gelu_pytorch_tanh', maxPositionEmbeddings: 8192, padTokenId: 0, eosTokenId: 1, bosTokenId: 2, tieWordEmbeddings: true,
    });
    this.applyOptions(init);
    // as transformers: the legacy 'gelu' of the first releases meant the tanh approximation
    if (this.hiddenAct === 'gelu') this.hiddenAct = 'gelu_pytorch_tanh';
  }
}

export class GemmaRMSNorm extends LlamaRMSNorm {
  constructor(hiddenSize: number, eps = 1e-6) {
    super(hiddenSize, eps);
    torch.noGrad(() => this.weight.zero_());
  }

  /** x / √(mean(x²) + eps) · (1 + weight), all in float32, then back to x's dtype. */
  override forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const h = x.to('float32');
      const normed = h.mul(h.pow(2).mean(-1, true).add(this.eps).rsqrt());
      return normed.mul(this.weight.to('float32').add(1)).to(x.dtype);
    });
  }
}

export class GemmaModel extends LlamaModel {
  static override configClass: typeof PreTrainedModel.configClass = GemmaConfig;
  static override parts: DecoderParts = { norm: GemmaRMSNorm, attention: LlamaAttention, mlp: LlamaMLP };

  /** embeddings · √hidden_size, the factor rounded to the hidden dtype first as transformers does. */
  protected override embedTokens(inputIds: Tensor): Tensor {
    return torch.tidy(() => {
      const embeddings = super.embedTokens(inputIds);
      return embeddings.mul(torch.scalarTensor(this.config.hiddenSize ** 0.5, { dtype: embeddings.dtype }));
    });
  }

  protected override initWeights(module: Module): void {
    if (module instanceof GemmaRMSNorm) init.zeros_(module.weight);
    else super.initWeights(module);
  }
}

export class GemmaForCausalLM extends LlamaForCausalLM {
  static override configClass: typeof PreTrainedModel.configClass = GemmaConfig;
  static override baseModelClass = GemmaModel;

  protected override initWeights(module: Module): void {
    if (module instanceof GemmaRMSNorm) init.zeros_(module.weight);
    else super.initWeights(module);
  }
}

export class GemmaForSequenceClassification extends LlamaForSequenceClassification {
  static override configClass: typeof PreTrainedModel.configClass = GemmaConfig;
  static override baseModelClass = GemmaModel;
}
