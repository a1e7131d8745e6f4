// The text-generation entry of the serve table: prompts of requests with the same generation
// parameters run as one left-padded batch through the pipeline (greedy results are the same
// as one by one). A prompt whose tokens and new tokens do not fit the model's positions is a 422.
import { modelGenerationConfig } from '../generation/utils.js';
import { pipeline, type TextGenerator } from '../pipelines/index.js';
import type { TextGenerationOptions } from '../pipelines/text_generation.js';
import { HttpError } from './http.js';
import { bad, readParameters, readTexts, type ParamSpec } from './params.js';
import { modelMaxTokens, tooLong, type TaskHandler } from './task_types.js';

/** The generation parameters the Inference API sends (snake_case there). */
export const GENERATION_PARAMETERS: Record<string, ParamSpec> = {
  maxNewTokens: { kind: 'integer', min: 1 }, minNewTokens: { kind: 'integer', min: 0 }, doSample: { kind: 'boolean' },
  temperature: { kind: 'number', gt: 0 }, topK: { kind: 'nullable-integer', min: 1 }, topP: { kind: 'number', gt: 0, max: 1 },
  repetitionPenalty: { kind: 'number', gt: 0 },
};

/**
 * How many tokens generation will add to a prompt of `promptTokens`, as generate() decides it,
 * and a 422 when that is nothing or when the whole does not fit the model's positions.
 */
export function checkGenerationLength(generator: TextGenerator, field: string, promptTokens: number, maxNewTokens: number | undefined, maxTokens: number): number {
  if (promptTokens > maxTokens) throw tooLong(field, promptTokens, maxTokens);
  const config = modelGenerationConfig(generator.model);
  const newTokens = maxNewTokens ?? config.maxNewTokens ?? config.maxLength - promptTokens;
  if (newTokens <= 0) throw new HttpError(422, `${field} has ${promptTokens} tokens, at least the model's max_length of ${config.maxLength}: set the number of new tokens`);
  const positions = (generator.model.config as unknown as { maxPositionEmbeddings?: number }).maxPositionEmbeddings;
  if (typeof positions === 'number' && promptTokens + newTokens > positions) {
    throw new HttpError(422, `${field} has ${promptTokens} tokens; with ${newTokens} new tokens that is more than the model's ${positions} positions (max_position_embeddings)`);
  }
  return newTokens;
}

export async function textGenerationTask(modelDir: string): Promise<TaskHandler> {
  const generator = await pipeline('text-generation', modelDir);
  const tokenizer = generator.tokenizer;
  return {
    task: 'text-generation', tokenizer, batchable: true, generator,
    modelMaxTokens: modelMaxTokens(tokenizer, generator.model.config),
    parse(body) {
      for (const key of Object.keys(body)) if (key !== 'inputs' && key !== 'parameters' && key !== 'options') throw bad(`${key} is not a field of the request (inputs, parameters, options)`);
      const { texts, single } = readTexts(body.inputs);
      const params = readParameters(body.parameters, { ...GENERATION_PARAMETERS, returnFullText: { kind: 'boolean' } });
      return { items: texts, single, params };
    },
    async checkLength(job, maxTokens) {
      for (const [i, text] of (job.items as string[]).entries()) {
        const n = (await tokenizer.encode(text)).length;
        checkGenerationLength(generator, job.single ? 'inputs' : `inputs[${i}]`, n, job.params.maxNewTokens as number | undefined, maxTokens);
      }
    },
    async run(items, params) {
      return generator(items as string[], params as TextGenerationOptions);
    },
    reply: (results, job) => (job.single ? results[0] : results),
  };
}
