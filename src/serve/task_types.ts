// What a task of the serve table is: a request as a queued job, the loaded task's handler,
// and the table entry that loads one; with the token-limit helpers the handlers share.
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { HttpError } from './http.js';

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
