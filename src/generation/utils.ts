// generate(), as transformers' GenerationMixin.generate for decoder-only models: greedy search
// or sampling over the KV cache (the prompt once, then one token per step, only the last
// position's logits computed), batched with left padding (positions from the attention mask),
// stopping at max_new_tokens / max_length or when every sequence has produced an end token.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { DynamicCache } from '../models/cache_utils.js';
import type { PretrainedConfig } from '../models/configuration_utils.js';
import { positionIdsFromMask } from '../models/masking_utils.js';
import type { CausalLMOutputWithPast } from '../models/modeling_outputs.js';
import { GENERATION_CONFIG_NAME, GenerationConfig } from './configuration_utils.js';
import type { GenerationOptions } from './configuration_utils.js';
import { logitsProcessors } from './logits_process.js';
import type { BaseStreamer } from './streamers.js';

export interface GenerateOptions extends GenerationOptions {
  /** Receives the prompt's tokens, then each new token (batch of one only). */
  streamer?: BaseStreamer | null;
  /** Settings to start from instead of the model's generation config. */
  generationConfig?: GenerationConfig;
  [snakeCase: string]: unknown;
}

/** What generate() needs of a model. */
export interface GenerativeModel {
  config: PretrainedConfig;
  generationConfig?: GenerationConfig;
  forward(inputs: Record<string, unknown>): CausalLMOutputWithPast;
}

/** The model's generation_config.json (next to its config), else the settings of its config; read once. */
export function modelGenerationConfig(model: GenerativeModel): GenerationConfig {
  if (!model.generationConfig) {
    const file = model.config.nameOrPath ? join(model.config.nameOrPath, GENERATION_CONFIG_NAME) : '';
    model.generationConfig = file && existsSync(file) ? GenerationConfig.fromPretrained(file) : GenerationConfig.fromModelConfig(model.config);
  }
  return model.generationConfig;
}

function asTensor(value: unknown, what: string): Tensor {
  if (value instanceof torch.Tensor) return value;
  if (Array.isArray(value)) return torch.tensor(value as number[][]);
  throw new TypeError(`generate: ${what} must be a Tensor or an array of token ids`);
}

/** Sampling from softmax(scores): argmax(p / E) with E ~ Exp(1), torch.multinomial's one-sample method. */
function sample(scores: Tensor): Tensor {
  const probs = scores.softmax(-1);
  const exponential = torch.randLike(probs).log().neg();
  return probs.div(exponential).argmax(-1);
}

/** model.generate(inputIds | { input_ids, attention_mask }, options): the prompt followed by the new tokens, [batch, length]. */
export function generate(model: GenerativeModel, inputs: Tensor | Record<string, unknown>, options: GenerateOptions = {}): Tensor {
  const { streamer = null, generationConfig, ...rest } = options;
  const config = Object.assign(new GenerationConfig(), generationConfig ?? modelGenerationConfig(model)).update(rest);
  const bag = inputs instanceof torch.Tensor || Array.isArray(inputs) ? { input_ids: inputs } : inputs;
  const inputIds = asTensor(bag.input_ids ?? bag.inputIds, 'input_ids').to('int64');
  if (inputIds.dim() !== 2) throw new Error(`generate: input_ids must have shape [batch, sequence], got [${inputIds.shape.join(', ')}]`);
  const [batch, promptLength] = inputIds.shape;
  const eos = config.eosIds();
  const pad = config.padTokenId ?? eos[0] ?? null;
  const maskGiven = bag.attention_mask ?? bag.attentionMask;
  let mask = maskGiven != null ? asTensor(maskGiven, 'attention_mask').to('int64')
    : pad !== null && batch > 1 ? inputIds.ne(pad).to('int64') : torch.onesLike(inputIds);
  const maxNew = config.maxNewTokens ?? config.maxLength - promptLength;
  if (!(maxNew > 0)) throw new RangeError(`generate: the prompt has ${promptLength} tokens and maxLength is ${config.maxLength}: nothing to generate (set maxNewTokens)`);
  const maxPositions = (model.config as unknown as { maxPositionEmbeddings?: number }).maxPositionEmbeddings;
  if (maxPositions !== undefined && promptLength > maxPositions) {
    throw new RangeError(`generate: the prompt has ${promptLength} tokens, more than max_position_embeddings (${maxPositions}) in ${model.config.configFile ?? model.config.constructor.name}; truncate it`);
  }
  if (streamer && batch !== 1) throw new Error('generate: a streamer works with a batch of one prompt only');
  const processors = logitsProcessors(config, promptLength);
  const cache = new DynamicCache({ capacity: promptLength + maxNew });
  let ids = inputIds.clone();
  let unfinished = torch.ones([batch], { dtype: 'int64' });
  streamer?.put(Array.from(inputIds.select(0, 0).data() as BigInt64Array, Number));
  try {
    return torch.noGrad(() => {
      for (let step = 0; step < maxNew; step++) {
        const next = torch.tidy(() => {
          const positions = positionIdsFromMask(mask);
          const newTokens = step === 0 ? ids : ids.narrow(1, ids.size(1) - 1, 1);
          const out = model.forward({
            input_ids: newTokens, attention_mask: mask, position_ids: positions.narrow(1, positions.size(1) - newTokens.size(1), newTokens.size(1)),
            past_key_values: cache, use_cache: true, logits_to_keep: 1,
          });
          let scores = out.logits.select(1, out.logits.size(1) - 1).to('float32');
          for (const process of processors) scores = process(ids, scores);
          let tokens = config.doSample ? sample(scores) : scores.argmax(-1);
          // finished sequences get padding
          if (pad !== null && eos.length > 0) tokens = tokens.mul(unfinished).add(unfinished.neg().add(1).mul(pad));
          let stillGoing = unfinished;
          for (const id of eos) stillGoing = stillGoing.mul(tokens.ne(id).to('int64'));
          return {
            ids: torch.cat([ids, tokens.unsqueeze(1)], 1),
            mask: torch.cat([mask, torch.ones([batch, 1], { dtype: 'int64' })], 1),
            unfinished: stillGoing,
            token: tokens,
          };
        });
        if (ids !== inputIds) ids.dispose();
        if (mask !== maskGiven) mask.dispose();
        unfinished.dispose();
        ({ ids, mask, unfinished } = next);
        streamer?.put([Number(next.token.item())]);
        next.token.dispose();
        if (eos.length > 0 && unfinished.max().item() === 0) break;
      }
      return ids;
    });
  } finally {
    cache.dispose();
    unfinished.dispose();
    if (mask !== maskGiven) mask.dispose();
    streamer?.end();
  }
}
