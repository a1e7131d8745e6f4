// The task table of `finetune serve`: for each Inference API task, how a model folder's
// architectures name it, how its pipeline is loaded, how a request body becomes pipeline
// items and options (400s naming the field), how many tokens an item has (for the 422 limit),
// and how one pipeline call over many requests' items is split back into each request's reply.
// A new task is one entry in TASKS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { classificationTask, fillMaskTask, tokenClassificationTask } from './task_encoders.js';
import { textGenerationTask } from './task_generation.js';
import { questionAnsweringTask } from './task_qa.js';
import type { TaskEntry, TaskHandler } from './task_types.js';

export { modelMaxTokens, tooLong, type Job, type TaskEntry, type TaskHandler } from './task_types.js';

export const TASKS: Record<string, TaskEntry> = {
  'text-classification': { architectures: /ForSequenceClassification$/, load: classificationTask },
  'token-classification': { architectures: /ForTokenClassification$/, load: tokenClassificationTask },
  'fill-mask': { architectures: /ForMaskedLM$/, load: fillMaskTask },
  'question-answering': { architectures: /ForQuestionAnswering$/, load: questionAnsweringTask },
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
