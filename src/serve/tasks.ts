// The task table of `finetune serve`: for each Inference API task, how a model folder's
// architectures name it, how its pipeline is loaded, how a request body becomes pipeline
// items and options (400s naming the field), how many tokens an item has (for the 422 limit),
// and how one pipeline call over many requests' items is split back into each request's reply.
// A new task is one entry in TASKS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { HttpError } from './http.js';
import { classificationTask, fillMaskTask, tokenClassificationTask } from './task_encoders.js';
import { textGenerationTask } from './task_generation.js';

/** One request, ready for the queue: its pipeline items and options. */
export interface Job {
  items: unknown[];
  /** The pipeline's options (camelCase); requests batch together only when these are equal. */
  params: Record<string, unknown>;
  /** The request's `inputs` was one item, not a list: the reply is that item's result alone. */
  single: boolean;
  /** Anything else that must match for two requests to share a pipeline call (text pairs). */
  group?: string;
}

/** A loaded model behind one task. */
export interface TaskHandler {
  readonly task: string;
  readonly tokenizer: PreTrainedTokenizerFast;
  /** Whether the pipeline takes several items in one call (one forward pass over a padded batch). */
  readonly batchable: boolean;
  /** The longest input, in tokens, the model takes (the default of --max-input-tokens). */
  readonly modelMaxTokens: number;
  /** A request body → a job (HttpError 400 for what is wrong, naming the field). */
  parse(body: Record<string, unknown>): Job;
  /** Throws a 422 naming the limit when an item is longer than maxTokens. */
  checkLength(job: Job, maxTokens: number): Promise<void>;
  /** One pipeline call over the items of several jobs with the same params: one result per item. */
  run(items: unknown[], params: Record<string, unknown>): Promise<unknown[]>;
  /** The items' results → the reply body, shaped as the pipeline returns them for the request's inputs. */
  reply(results: unknown[], job: Job): unknown;
  /** For causal LMs: the pipeline itself (chat completions use its model and tokenizer). */
  readonly generator?: unknown;
}

export interface TaskEntry {
  /** The head's architecture names end so (BertForSequenceClassification). */
  architectures: RegExp;
  load(modelDir: string, options: { maxBatchSize: number }): Promise<TaskHandler>;
}

export const TASKS: Record<string, TaskEntry> = {
  'text-classification': { architectures: /ForSequenceClassification$/, load: classificationTask },
  'token-classification': { architectures: /ForTokenClassification$/, load: tokenClassificationTask },
  'fill-mask': { architectures: /ForMaskedLM$/, load: fillMaskTask },
  'text-generation': { architectures: /(ForCausalLM|LMHeadModel)$/, load: textGenerationTask },
};

/** The Inference API's other names for tasks. */
export const TASK_ALIASES: Record<string, string> = { 'sentiment-analysis': 'text-classification', ner: 'token-classification' };

export function resolveTask(task: string): string {
  const name = TASK_ALIASES[task] ?? task;
  if (!(name in TASKS)) throw new Error(`serve: unknown task '${task}' (known: ${[...Object.keys(TASKS), ...Object.keys(TASK_ALIASES)].join(', ')})`);
  return name;
}

/** The task of a model folder, from config.json's architectures (transformers' own choice of head). */
export function detectTask(modelDir: string): string {
  const file = join(modelDir, 'config.json');
  let config: { architectures?: unknown };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as { architectures?: unknown };
  } catch (e) {
    throw new Error(`serve: cannot read ${file}: ${(e as Error).message}`);
  }
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  for (const arch of architectures) {
    for (const [task, entry] of Object.entries(TASKS)) if (entry.architectures.test(arch)) return task;
  }
  throw new Error(`serve: ${file} names no architecture serve knows (${architectures.join(', ') || 'none'}); pass --task (${Object.keys(TASKS).join(', ')})`);
}

export async function loadTask(modelDir: string, task: string | undefined, options: { maxBatchSize: number }): Promise<TaskHandler> {
  const name = task === undefined ? detectTask(modelDir) : resolveTask(task);
  return TASKS[name].load(modelDir, options);
}

/** The 422 for an input over the token limit. */
export function tooLong(field: string, tokens: number, maxTokens: number): HttpError {
  return new HttpError(422, `${field} has ${tokens} tokens, more than the limit of ${maxTokens} (--max-input-tokens)`);
}

/** The model's own limit: the tokenizer's model_max_length, capped by max_position_embeddings. */
export function modelMaxTokens(tokenizer: PreTrainedTokenizerFast, config: unknown, offset = 0): number {
  const positions = (config as { maxPositionEmbeddings?: number }).maxPositionEmbeddings;
  let max = tokenizer.modelMaxLength < 1e12 ? tokenizer.modelMaxLength : Infinity;
  if (typeof positions === 'number') max = Math.min(max, positions - offset);
  return max;
}
