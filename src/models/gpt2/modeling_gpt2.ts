// GPT-2, as transformers' modeling_gpt2.py: learned positions, post-2019 pre-norm blocks, the
// Conv1D layout of OpenAI's weights (transformer.h.0.attn.c_attn.weight is [in, 3·in]), and
// the LM head tied to the token embedding. Old checkpoints' attn.bias / attn.masked_bias
// (the causal mask saved as a buffer) are ignored on load, as transformers ignores them.
import * as torch from '../../engine/torch.js';
import type { Tensor } from '../../engine/tensor.js';
import { Dropout, Embedding, LayerNorm, Linear, ModuleList } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import * as init from '../../nn/init.js';
import { getActivation } from '../activations.js';
import { DynamicCache } from '../cache_utils.js';
import { CAUSAL_LM_INPUT_NAMES, groupedQueryAttention, lastNonPadLogits } from '../decoder_utils.js';
import { initNormalWeights } from '../initialization.js';
import { causalLMLoss } from '../loss_utils.js';
import { createCausalMask } from '../masking_utils.js';
import type { CausalMask } from '../masking_utils.js';
import { readInputs } from '../model_inputs.js';
import type { ModelInputs, ReadInputs } from '../model_inputs.js';
import { embed } from '../modeling_layers.js';
import type { CausalLMOutputWithPast, SequenceClassifierOutput } from '../modeling_outputs.js';
import { PreTrainedModel } from '../modeling_utils.js';
import { Conv1D } from '../pytorch_utils.js';
import type { DecoderOutput } from '../llama/modeling_llama.js';
import { GPT2Config } from './configuration_gpt2.js';

export class GPT2Attention extends Module {
  c_attn: Conv1D;
  c_proj: Conv1D;
  attn_dropout: Dropout;
  resid_dropout: Dropout;
  readonly numHeads: number;
  readonly headDim: number;
  readonly scaling: number;

  constructor(config: GPT2Config, readonly layerIdx: number) {
    super();
    const embed = config.nEmbd;
    this.numHeads = config.nHead;
    this.headDim = embed / this.numHeads;
    this.c_attn = new Conv1D(3 * embed, embed);
    this.c_proj = new Conv1D(embed, embed);
    this.attn_dropout = new Dropout(config.attnPdrop);
    this.resid_dropout = new Dropout(config.residPdrop);
    let scaling = config.scaleAttnWeights ? this.headDim ** -0.5 : 1.0;
    if (config.scaleAttnByInverseLayerIdx) scaling /= layerIdx + 1;
    this.scaling = scaling;
  }

  forward(hidden: Tensor, mask: CausalMask | null, cache: DynamicCache | null): Tensor {
    return torch.tidy(() => {
      const [batch, seq, embed] = hidden.shape;
      const heads = (t: Tensor) => t.view(batch, seq, this.numHeads, this.headDim).transpose(1, 2);
      const [q, k, v] = this.c_attn.forward(hidden).split(embed, 2).map(heads);
      const [keys, values] = cache ? cache.update(k, v, this.layerIdx) : [k, v];
      const context = groupedQueryAttention(q, keys, values, mask, { scale: this.scaling, dropoutP: this.attn_dropout.p, training: this.training });
      return this.resid_dropout.forward(this.c_proj.forward(context));
    });
  }
}

export class GPT2MLP extends Module {
  c_fc: Conv1D;
  c_proj: Conv1D;
  dropout: Dropout;
  readonly act: (x: Tensor) => Tensor;

  constructor(innerDim: number, config: GPT2Config) {
    super();
    this.c_fc = new Conv1D(innerDim, config.nEmbd);
    this.c_proj = new Conv1D(config.nEmbd, innerDim);
    this.act = getActivation(config.activationFunction);
    this.dropout = new Dropout(config.residPdrop);
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.dropout.forward(this.c_proj.forward(this.act(this.c_fc.forward(x)))));
  }
}

export class GPT2Block extends Module {
  ln_1: LayerNorm;
  attn: GPT2Attention;
  ln_2: LayerNorm;
  mlp: GPT2MLP;

  constructor(config: GPT2Config, layerIdx: number) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon });
    this.attn = new GPT2Attention(config, layerIdx);
    this.ln_2 = new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon });
    this.mlp = new GPT2MLP(config.nInner ?? 4 * config.nEmbd, config);
  }

  forward(hidden: Tensor, mask: CausalMask | null, cache: DynamicCache | null): Tensor {
    return torch.tidy(() => {
      const attended = hidden.add(this.attn.forward(this.ln_1.forward(hidden), mask, cache));
      return attended.add(this.mlp.forward(this.ln_2.forward(attended)));
    });
  }
}

/** GPT-2's _init_weights: normal(0, initializer_range), and the residual projections (c_proj) scaled by 1/√(2·n_layer). */
export abstract class GPT2PreTrainedModel extends PreTrainedModel<GPT2Config> {
  static override configClass: typeof PreTrainedModel.configClass = GPT2Config;
  static override baseModelPrefix = 'transformer';
  static override keysToIgnoreOnLoadUnexpected: readonly string[] = ['attn\\.masked_bias$', 'attn\\.bias$'];

  protected override initWeights(module: Module): void {
    const std = this.config.initializerRange;
    if (module instanceof Conv1D) {
      init.normal_(module.weight, 0, std);
      init.zeros_(module.bias);
    } else initNormalWeights(module, std);
    // the OpenAI GPT-2 paper's scheme: a module's own c_proj.weight redrawn after its children's init
    if (module instanceof GPT2Attention || module instanceof GPT2MLP) init.normal_(module.c_proj.weight, 0, std / Math.sqrt(2 * this.config.nLayer));
  }
}

export class GPT2Model extends GPT2PreTrainedModel {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'position_ids', 'past_key_values', 'use_cache'];
  static override labelNames: readonly string[] = [];
  static override inputEmbeddingsPath = 'wte';

  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList<GPT2Block>;
  ln_f: LayerNorm;

  constructor(config: GPT2Config) {
    super(config);
    this.wte = new Embedding(config.vocabSize, config.nEmbd);
    this.wpe = new Embedding(config.nPositions, config.nEmbd);
    this.drop = new Dropout(config.embdPdrop);
    this.h = new ModuleList(Array.from({ length: config.nLayer }, (_, i) => new GPT2Block(config, i)));
    this.ln_f = new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon });
    this.postInit();
  }

  forward(inputs: ModelInputs | Tensor): DecoderOutput {
    return torch.tidy(() => this.run(readInputs(inputs, this)));
  }

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
      if (past + seq > this.config.nPositions && !x.positionIds) {
        throw new RangeError(`${this.config.where()}: ${past + seq} positions exceed n_positions (${this.config.nPositions}), GPT-2's learned position table; truncate the inputs`);
      }
      const positionIds = x.positionIds ?? torch.arange(past, past + seq).unsqueeze(0);
      const tokens = embed(this.wte, x.inputIds, 'vocab_size');
      let hidden = this.drop.forward(tokens.add(embed(this.wpe, positionIds, 'n_positions')));
      const mask = createCausalMask({ attentionMask: x.attentionMask, batch, queryLength: seq, pastLength: past, dtype: hidden.dtype });
      for (const block of this.h) {
        const next = block.forward(hidden, mask, cache);
        hidden.dispose();
        hidden = next;
      }
      const out: DecoderOutput = { lastHiddenState: this.ln_f.forward(hidden) };
      if (cache) out.pastKeyValues = cache;
      return out;
    });
  }
}

export class GPT2LMHeadModel extends GPT2PreTrainedModel {
  static override forwardInputNames = CAUSAL_LM_INPUT_NAMES;
  static override labelNames: readonly string[] = ['labels'];
  static override tiedWeightsKeys: readonly string[] = ['lm_head\\.weight'];
  /** The loss shifts the labels (the Trainer counts labels[..., 1:] for num_items_in_batch). */
  static lossShiftsLabels = true;

  transformer: GPT2Model;
  lm_head: Linear;

  constructor(config: GPT2Config) {
    super(config);
    this.transformer = new GPT2Model(config);
    this.lm_head = new Linear(config.nEmbd, config.vocabSize, { bias: false });
    this.postInit();
  }

  override getOutputEmbeddings(): Linear {
    return this.lm_head;
  }

  forward(inputs: ModelInputs | Tensor): CausalLMOutputWithPast {
    return torch.tidy(() => {
      const x = readInputs(inputs, this);
      const out = this.transformer.run(x);
      const keep = x.logitsToKeep ?? 0;
      const h = out.lastHiddenState;
      const hidden = keep > 0 ? h.narrow(1, Math.max(h.size(1) - keep, 0), Math.min(keep, h.size(1))) : h;
      const result: CausalLMOutputWithPast = { logits: this.lm_head.forward(hidden) };
      if (x.labels) result.loss = causalLMLoss(result.logits, x.labels, x.numItemsInBatch);
      if (out.pastKeyValues) result.pastKeyValues = out.pastKeyValues;
      return result;
    });
  }
}

export class GPT2ForSequenceClassification extends GPT2PreTrainedModel {
  static override forwardInputNames: readonly string[] = ['input_ids', 'attention_mask', 'position_ids', 'labels', 'use_cache'];
  static override labelNames: readonly string[] = ['labels'];

  transformer: GPT2Model;
  score: Linear;

  constructor(config: GPT2Config) {
    super(config);
    this.transformer = new GPT2Model(config);
    this.score = new Linear(config.nEmbd, config.numLabels, { bias: false });
    this.postInit();
  }

  get numLabels(): number {
    return this.config.numLabels;
  }

  forward(inputs: ModelInputs | Tensor): SequenceClassifierOutput {
    return torch.tidy(() => {
      const x = readInputs(inputs, this);
      const out = this.transformer.run({ ...x, useCache: x.useCache ?? false });
      return lastNonPadLogits(this.config, x, out.lastHiddenState, (h) => this.score.forward(h));
    });
  }
}
