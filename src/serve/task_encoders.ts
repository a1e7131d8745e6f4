// The encoder tasks of the serve table: text classification (one padded forward pass over the
// batch), token classification and fill-mask (the pipelines take one text per call, so these
// are queued but not batched). Replies are the pipelines' own outputs for the request's inputs.
import { pipeline } from '../pipelines/index.js';
import type { ClassificationInput, LabelScore, TextClassificationPipeline } from '../pipelines/text_classification.js';
import type { FillMaskPipeline } from '../pipelines/fill_mask.js';
import type { TokenClassificationPipeline } from '../pipelines/token_classification.js';
import { HttpError } from './http.js';
import { bad, readParameters, readTexts } from './params.js';
import { modelMaxTokens, tooLong, type Job, type TaskHandler } from './task_types.js';

type Pair = { text: string; text_pair?: string; textPair?: string };

/** inputs: a text, {text, text_pair}, or a list of them (all pairs or none). */
function classificationInputs(value: unknown): { items: ClassificationInput[]; single: boolean } {
  const one = (x: unknown, field: string): ClassificationInput => {
    if (typeof x === 'string') {
      if (x.trim() === '') throw bad(`${field} must not be empty`);
      return x;
    }
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw bad(`${field} must be a string or {"text", "text_pair"}, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
    const { text, text_pair: snake, textPair: camel, ...rest } = x as Pair & Record<string, unknown>;
    if (Object.keys(rest).length) throw bad(`${field}.${Object.keys(rest)[0]} is not known (only text and text_pair)`);
    if (typeof text !== 'string' || text.trim() === '') throw bad(`${field}.text must be a non-empty string`);
    const pair = snake ?? camel;
    if (pair !== undefined && typeof pair !== 'string') throw bad(`${field}.text_pair must be a string`);
    return pair === undefined ? text : { text, textPair: pair };
  };
  if (value === undefined) throw bad('inputs is required');
  if (!Array.isArray(value)) return { items: [one(value, 'inputs')], single: true };
  if (value.length === 0) throw bad('inputs must not be an empty list');
  const items = value.map((x, i) => one(x, `inputs[${i}]`));
  const pairs = items.filter((x) => typeof x !== 'string').length;
  if (pairs > 0 && pairs < items.length) throw bad('inputs must be all text pairs or all texts, not a mix');
  return { items, single: false };
}

function noExtraFields(body: Record<string, unknown>): void {
  // `options` is the Inference API's (wait_for_model, use_cache): nothing to do here
  for (const key of Object.keys(body)) if (key !== 'inputs' && key !== 'parameters' && key !== 'options') throw bad(`${key} is not a field of the request (inputs, parameters, options)`);
}

/** A 422 for the first item over the limit, counting tokens as the tokenizer makes them (special tokens included). */
async function checkTexts(handler: TaskHandler, job: Job, maxTokens: number): Promise<void> {
  for (const [i, item] of job.items.entries()) {
    const [text, pair] = typeof item === 'string' ? [item, null] : [(item as Pair).text, (item as Pair).textPair ?? null];
    const n = (await handler.tokenizer.encode(text, pair)).length;
    if (n > maxTokens) throw tooLong(job.single ? 'inputs' : `inputs[${i}]`, n, maxTokens);
  }
}

export async function classificationTask(modelDir: string, options: { maxBatchSize: number }): Promise<TaskHandler> {
  const clf = await pipeline('text-classification', modelDir, { batchSize: options.maxBatchSize });
  const pipe: TextClassificationPipeline = clf.pipeline;
  const handler: TaskHandler = {
    task: 'text-classification', tokenizer: pipe.tokenizer, batchable: true, modelMaxTokens: pipe.maxLength,
    parse(body) {
      noExtraFields(body);
      const { items, single } = classificationInputs(body.inputs);
      const params = readParameters(body.parameters, {
        topK: { kind: 'nullable-integer', min: 1 }, functionToApply: { kind: 'string', choices: ['softmax', 'sigmoid', 'none'] },
      });
      return { items, single, params, group: typeof items[0] === 'string' ? 'text' : 'pair' };
    },
    checkLength: (job, max) => checkTexts(handler, job, max),
    async run(items, params) {
      // every item as a list of labels (top 1 without top_k); reply() gives each request its shape
      const topK = 'topK' in params ? params.topK as number | null : 1;
      return pipe.run(items as ClassificationInput[], { ...params, topK }) as Promise<LabelScore[][]>;
    },
    reply(results, job) {
      const lists = results as LabelScore[][];
      if (job.single) return lists[0];
      // transformers' legacy output: without top_k, a list of inputs gives one {label, score} each
      return 'topK' in job.params ? lists : lists.map((r) => r[0]);
    },
  };
  return handler;
}

export interface OneByOne {
  /** The request's `inputs` → the pipeline's items (400s naming the field). */
  inputs(value: unknown): { items: unknown[]; single: boolean };
  parameters(body: Record<string, unknown>): Record<string, unknown>;
  /** A 422 for an item over the token limit (default: the item as text, special tokens included). */
  checkLength?(job: Job, maxTokens: number): Promise<void>;
}

/** A task whose pipeline takes one input per call: a request's items run one after the other. */
export function oneByOne(task: string, pipe: { tokenizer: TaskHandler['tokenizer']; model: { config: unknown }; run(item: never, o: object): Promise<unknown> }, spec: OneByOne): TaskHandler {
  const handler: TaskHandler = {
    task, tokenizer: pipe.tokenizer, batchable: false, modelMaxTokens: modelMaxTokens(pipe.tokenizer, pipe.model.config),
    parse(body) {
      noExtraFields(body);
      return { ...spec.inputs(body.inputs), params: spec.parameters(body) };
    },
    checkLength: (job, max) => (spec.checkLength ? spec.checkLength(job, max) : checkTexts(handler, job, max)),
    async run(items, params) {
      const out: unknown[] = [];
      try {
        for (const item of items) out.push(await pipe.run(item as never, params));
      } catch (e) {
        // the pipeline's own checks of its options (their messages start with the task) are the client's error
        const message = (e as Error).message ?? '';
        if (message.startsWith(`${task}:`)) throw new HttpError(400, message);
        throw e;
      }
      return out;
    },
    reply: (results, job) => (job.single ? results[0] : results),
  };
  return handler;
}

export async function tokenClassificationTask(modelDir: string): Promise<TaskHandler> {
  const pipe = ((await pipeline('token-classification', modelDir)) as unknown as { pipeline: TokenClassificationPipeline }).pipeline;
  return oneByOne('token-classification', pipe, {
    inputs: (value) => { const { texts, single } = readTexts(value); return { items: texts, single }; },
    parameters: (body) => readParameters(body.parameters, {
      aggregationStrategy: { kind: 'string', choices: ['none', 'simple', 'first', 'average', 'max'] }, ignoreLabels: { kind: 'string[]' },
    }),
  });
}

export async function fillMaskTask(modelDir: string): Promise<TaskHandler> {
  const pipe = ((await pipeline('fill-mask', modelDir)) as unknown as { pipeline: FillMaskPipeline }).pipeline;
  const mask = pipe.tokenizer.maskToken;
  if (typeof mask !== 'string') throw new Error(`serve: the tokenizer of ${modelDir} has no mask token, which fill-mask needs`);
  return oneByOne('fill-mask', pipe, {
    inputs(value) {
      const { texts, single } = readTexts(value);
      texts.forEach((t, i) => { if (!t.includes(mask)) throw bad(`${single ? 'inputs' : `inputs[${i}]`} must contain the mask token ${mask}`); });
      return { items: texts, single };
    },
    parameters: (body) => readParameters(body.parameters, { topK: { kind: 'integer', min: 1 }, targets: { kind: 'string[]' } }),
  });
}
