// Llama, as transformers' modeling_llama.py: the same modules under the same attribute names
// (model.layers.0.self_attn.q_proj.weight, …) and the same arithmetic. Read top to bottom:
// RMSNorm → MLP (SwiGLU) → attention (rotary, grouped-query, KV cache) → decoder layer →
// LlamaModel → LlamaForCausalLM → LlamaForSequenceClassification. Mistral, Qwen2, Qwen3 and
// Gemma derive from these classes and hold only their differences.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module, Parameter } from '../../nn/module.js';
import { Embedding, Linear, ModuleList } from '../../nn/layers.js';
import * as init from '../../nn/init.js';
import { getActivation } from '../activations.js';
import { DynamicCache } from '../cache_utils.js';
import { initNormalWeights } from '../initialization.js';
import { causalLMLoss } from '../loss_utils.js';
import { createCausalMask } from '../masking_utils.js';
import type { CausalMask } from '../masking_utils.js';
import { readInputs } from '../model_inputs.js';
import type { ModelInputs, ReadInputs } from '../model_inputs.js';
import { embed } from '../modeling_layers.js';
import type { CausalLMOutputWithPast, SequenceClassifierOutput } from '../modeling_outputs.js';
import { PreTrainedModel } from '../modeling_utils.js';
import { RotaryEmbedding, applyRotaryPosEmb } from '../rope_utils.js';
import { CAUSAL_LM_INPUT_NAMES, groupedQueryAttention, lastNonPadLogits } from '../decoder_utils.js';
import { LlamaConfig } from './configuration_llama.js';

export class LlamaRMSNorm extends Module {
  weight: Parameter;

  constructor(readonly hiddenSize: number, readonly eps = 1e-6) {
    super();
    this.weight = new Parameter(torch.ones([hiddenSize]));
  }

  /** x / √(mean(x²) + eps) · weight, normalised in float32 as transformers does (then back to x's dtype). */
  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      const h = x.to('float32');
      const normed = h.mul(h.pow(2).mean(-1, true).add(this.eps).rsqrt());
      return this.weight.mul(normed.to(x.dtype));
    });
  }

  extraRepr(): string {
    return `(${this.hiddenSize},), eps=${this.eps}`;
  }
}

export class LlamaMLP extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
  readonly actFn: (x: Tensor) => Tensor;

  constructor(config: LlamaConfig, activation = config.hiddenAct) {
    super();
    const bias = { bias: config.mlpBias };
    this.gate_proj = new Linear(config.hiddenSize, config.intermediateSize, bias);
    this.up_proj = new Linear(config.hiddenSize, config.intermediateSize, bias);
    this.down_proj = new Linear(config.intermediateSize, config.hiddenSize, bias);
    this.actFn = getActivation(activation);
  }

  /** down(act(gate(x)) · up(x)). */
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.down_proj.forward(this.actFn(this.gate_proj.forward(x)).mul(this.up_proj.forward(x))));
  }
}

/** What a layer's attention receives besides the hidden states. */
export interface AttentionContext {
  cos: Tensor;
  sin: Tensor;
  /** Additive causal + padding mask, or null (nothing to mask). */
  mask: CausalMask | null;
  /** The sliding-window variant of the mask (Mistral), where a layer uses one. */
  slidingMask?: CausalMask | null;
  cache: DynamicCache | null;
}

export class LlamaAttention extends Module {
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;
  readonly headDim: number;
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly scaling: number;
  readonly attentionDropout: number;
  /** Layers with sliding-window attention read AttentionContext.slidingMask. */
  slidingWindow = false;

  constructor(config: LlamaConfig, readonly layerIdx: number, bias: { qkv: boolean; o: boolean } = { qkv: config.attentionBias, o: config.attentionBias }) {
    super();
    this.headDim = config.attentionHeadDim;
    this.numHeads = config.numAttentionHeads;
    this.numKeyValueHeads = config.keyValueHeads;
    this.scaling = this.headDim ** -0.5;
    this.attentionDropout = config.attentionDropout;
    this.q_proj = new Linear(config.hiddenSize, this.numHeads * this.headDim, { bias: bias.qkv });
    this.k_proj = new Linear(config.hiddenSize, this.numKeyValueHeads * this.headDim, { bias: bias.qkv });
    this.v_proj = new Linear(config.hiddenSize, this.numKeyValueHeads * this.headDim, { bias: bias.qkv });
    this.o_proj = new Linear(this.numHeads * this.headDim, config.hiddenSize, { bias: bias.o });
  }

  /** [batch, seq, heads · head_dim] → [batch, seq, heads, head_dim]; Qwen3 normalises q and k here. */
  protected splitHeads(projected: Tensor, heads: number, _which: 'q' | 'k' | 'v'): Tensor {
    return projected.view(projected.size(0), projected.size(1), heads, this.headDim);
  }

  forward(hidden: Tensor, ctx: AttentionContext): Tensor {
    return torch.tidy(() => {
      const q = this.splitHeads(this.q_proj.forward(hidden), this.numHeads, 'q').transpose(1, 2);
      const k = this.splitHeads(this.k_proj.forward(hidden), this.numKeyValueHeads, 'k').transpose(1, 2);
      const v = this.splitHeads(this.v_proj.forward(hidden), this.numKeyValueHeads, 'v').transpose(1, 2);
      const [query, key] = applyRotaryPosEmb(q, k, ctx.cos, ctx.sin);
      const [keys, values] = ctx.cache ? ctx.cache.update(key, v, this.layerIdx) : [key, v];
      const context = groupedQueryAttention(query, keys, values, this.slidingWindow ? ctx.slidingMask ?? null : ctx.mask, {
        scale: this.scaling, dropoutP: this.attentionDropout, training: this.training,
      });
      return this.o_proj.forward(context);
    });
  }
}

/** The classes a family builds its layers from (Gemma's norm, Qwen3's attention, …). */
export interface DecoderParts {
  norm: new (hiddenSize: number, eps: number) => LlamaRMSNorm;
  attention: new (config: never, layerIdx: number) => LlamaAttention;
  mlp: new (config: never) => LlamaMLP;
}

export class LlamaDecoderLayer extends Module {
  self_attn: LlamaAttention;
  mlp: LlamaMLP;
  input_layernorm: LlamaRMSNorm;
  post_attention_layernorm: LlamaRMSNorm;

  constructor(config: LlamaConfig, layerIdx: number, parts: DecoderParts) {
    super();
    this.self_attn = new parts.attention(config as never, layerIdx);
    this.mlp = new parts.mlp(config as never);
    this.input_layernorm = new parts.norm(config.hiddenSize, config.rmsNormEps);
    this.post_attention_layernorm = new parts.norm(config.hiddenSize, config.rmsNormEps);
  }

  /** Pre-norm residual blocks: h + attn(norm(h)), then h + mlp(norm(h)). */
  forward(hidden: Tensor, ctx: AttentionContext): Tensor {
    return torch.tidy(() => {
      const attended = hidden.add(this.self_attn.forward(this.input_layernorm.forward(hidden), ctx));
      return attended.add(this.mlp.forward(this.post_attention_layernorm.forward(attended)));
    });
  }
}

/** The Llama family's class: transformers' _init_weights (normal(0, initializer_range), RMSNorm weights 1). */
export abstract class LlamaPreTrainedModel<C extends LlamaConfig = LlamaConfig> extends PreTrainedModel<C> {
  static override configClass: typeof PreTrainedModel.configClass = LlamaConfig;
  static override baseModelPrefix = 'model';
  /** Checkpoints of transformers < 4.38 saved each layer's rotary inverse frequencies. */
  static override keysToIgnoreOnLoadUnexpected: readonly string[] = ['rotary_emb\\.inv_freq$'];

  protected override initWeights(module: Module): void {
    if (module instanceof LlamaRMSNorm) init.ones_(module.weight);
    else initNormalWeights(module, this.config.initializerRange);
  }
}

/** What the decoder stack returns. */
export interface DecoderOutput {
  lastHiddenState: Tensor;
  pastKeyValues?: DynamicCache;
}

export class LlamaModel extends LlamaPreTrainedModel {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'position_ids', 'past_key_values', 'use_cache'];
  static override labelNames: readonly string[] = [];
  static override inputEmbeddingsPath = 'embed_tokens';
  static parts: DecoderParts = { norm: LlamaRMSNorm, attention: LlamaAttention, mlp: LlamaMLP };

  embed_tokens: Embedding;
  layers: ModuleList<LlamaDecoderLayer>;
  norm: LlamaRMSNorm;
  rotary_emb: RotaryEmbedding;

  constructor(config: LlamaConfig) {
    super(config);
    const parts = (this.constructor as typeof LlamaModel).parts;
    this.embed_tokens = new Embedding(config.vocabSize, config.hiddenSize, { paddingIdx: config.padTokenId });
    this.layers = new ModuleList(Array.from({ length: config.numHiddenLayers }, (_, i) => new LlamaDecoderLayer(config, i, parts)));
    this.norm = new parts.norm(config.hiddenSize, config.rmsNormEps);
    this.rotary_emb = new RotaryEmbedding(config.rope(), config.attentionHeadDim, config.maxPositionEmbeddings);
    this.postInit();
  }

  forward(inputs: ModelInputs | Tensor): DecoderOutput {
    return torch.tidy(() => this.run(readInputs(inputs, this)));
  }

  /** The token embeddings (Gemma scales them). */
  protected embedTokens(inputIds: Tensor): Tensor {
    return embed(this.embed_tokens, inputIds, 'vocab_size');
  }

  /** The sliding window of the layers that have one (Mistral), else null. */
  protected slidingWindow(): number | null {
    return null;
  }

  /** The forward pass on inputs already read (the task models call this). */
  run(x: ReadInputs): DecoderOutput {
    const useCache = x.useCache ?? (this.training ? false : this.config.useCache);
    let cache: DynamicCache | null = null;
    if (x.pastKeyValues != null) {
      if (!(x.pastKeyValues instanceof DynamicCache)) throw new TypeError(`${this.constructor.name}.forward: past_key_values must be the DynamicCache a previous call returned`);
      cache = x.pastKeyValues;
    } else if (useCache) {
      cache = new DynamicCache();
    }
    return torch.tidy(() => {
      const [batch, seq] = x.inputIds.shape;
      const past = cache?.getSeqLength() ?? 0;
      let hidden = this.embedTokens(x.inputIds);
      const positionIds = x.positionIds ?? torch.arange(past, past + seq).unsqueeze(0);
      const maskOptions = { attentionMask: x.attentionMask, batch, queryLength: seq, pastLength: past, dtype: hidden.dtype, positionIds: x.positionIds ?? null };
      const window = this.slidingWindow();
      const [cos, sin] = this.rotary_emb.forward(hidden, positionIds);
      const ctx: AttentionContext = {
        cos, sin, cache,
        mask: createCausalMask(maskOptions),
        slidingMask: window === null ? null : createCausalMask({ ...maskOptions, slidingWindow: window }),
      };
      for (const layer of this.layers) {
        const next = layer.forward(hidden, ctx);
        hidden.dispose(); // autograd keeps what backward needs; the handle is not needed
        hidden = next;
      }
      const out: DecoderOutput = { lastHiddenState: this.norm.forward(hidden) };
      if (cache) out.pastKeyValues = cache;
      return out;
    });
  }
}

export class LlamaForCausalLM extends LlamaPreTrainedModel {
  static override forwardInputNames = CAUSAL_LM_INPUT_NAMES;
  static override labelNames: readonly string[] = ['labels'];
  static override tiedWeightsKeys: readonly string[] = ['lm_head\\.weight'];
  /** The loss shifts the labels (the Trainer counts labels[..., 1:] for num_items_in_batch). */
  static lossShiftsLabels = true;
  /** The base model's class (Mistral's, Qwen's, … differ). */
  static baseModelClass: new (config: never) => LlamaModel = LlamaModel;

  model: LlamaModel;
  lm_head: Linear;

  constructor(config: LlamaConfig) {
    super(config);
    this.model = new (this.constructor as typeof LlamaForCausalLM).baseModelClass(config as never);
    this.lm_head = new Linear(config.hiddenSize, config.vocabSize, { bias: false });
    this.postInit();
  }

  override getOutputEmbeddings(): Linear {
    return this.lm_head;
  }

  /** Logits for every position (or the last logitsToKeep); with labels, the next-token loss. */
  forward(inputs: ModelInputs | Tensor): CausalLMOutputWithPast {
    return torch.tidy(() => {
      const x = readInputs(inputs, this);
      const out = this.model.run(x);
      const keep = x.logitsToKeep ?? 0;
      const hidden = keep > 0 ? out.lastHiddenState.narrow(1, Math.max(out.lastHiddenState.size(1) - keep, 0), Math.min(keep, out.lastHiddenState.size(1))) : out.lastHiddenState;
      const result: CausalLMOutputWithPast = { logits: this.lmLogits(hidden) };
      if (x.labels) result.loss = causalLMLoss(result.logits, x.labels, x.numItemsInBatch);
      if (out.pastKeyValues) result.pastKeyValues = out.pastKeyValues;
      return result;
    });
  }

  /** lm_head(hidden) (Gemma 2 would soft-cap here). */
  protected lmLogits(hidden: Tensor): Tensor {
    return this.lm_head.forward(hidden);
  }
}

export class LlamaForSequenceClassification extends LlamaPreTrainedModel {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'position_ids', 'past_key_values', 'labels', 'use_cache'];
  static override labelNames: readonly string[] = ['labels'];
  static baseModelClass: new (config: never) => LlamaModel = LlamaModel;

  model: LlamaModel;
  score: Linear;

  constructor(config: LlamaConfig) {
    super(config);
    this.model = new (this.constructor as typeof LlamaForSequenceClassification).baseModelClass(config as never);
    this.score = new Linear(config.hiddenSize, config.numLabels, { bias: false });
    this.postInit();
  }

  get numLabels(): number {
    return this.config.numLabels;
  }

  /** The score head read at each sequence's last non-pad token, as transformers. */
  forward(inputs: ModelInputs | Tensor): SequenceClassifierOutput {
    return torch.tidy(() => {
      const x = readInputs(inputs, this);
      const out = this.model.run({ ...x, useCache: x.useCache ?? false });
      return lastNonPadLogits(this.config, x, out.lastHiddenState, (h) => this.score.forward(h));
    });
  }
}
