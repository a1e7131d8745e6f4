// Text generation: model.generate(), GenerationConfig, logits processors and streamers. The
// models layer knows nothing of generation: importing this module gives every PreTrainedModel
// transformers' GenerationMixin.generate.
import type { Tensor } from '../engine/tensor.js';
import { PreTrainedModel } from '../models/modeling_utils.js';
import type { GenerationConfig } from './configuration_utils.js';
import { generate } from './utils.js';
import type { GenerateOptions, GenerativeModel } from './utils.js';

export { GenerationConfig, GENERATION_CONFIG_NAME, type GenerationOptions } from './configuration_utils.js';
export { generate, modelGenerationConfig, type GenerateOptions, type GenerativeModel } from './utils.js';
export { TextStreamer, type BaseStreamer, type TextStreamerOptions } from './streamers.js';
export { logitsProcessors, type LogitsProcessor } from './logits_process.js';

declare module '../models/modeling_utils.js' {
  interface PreTrainedModel {
    /** The decoding settings generate() starts from (generation_config.json, read on first use). */
    generationConfig?: GenerationConfig;
    /** Greedy or sampled continuation of the prompts, with the KV cache: [batch, prompt + new]. */
    generate(inputs: Tensor | Record<string, unknown>, options?: GenerateOptions): Tensor;
  }
}

PreTrainedModel.prototype.generate = function (this: PreTrainedModel, inputs: Tensor | Record<string, unknown>, options?: GenerateOptions): Tensor {
  return generate(this as unknown as GenerativeModel, inputs, options);
};
