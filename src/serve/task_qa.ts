// The question-answering entry of the serve table: `inputs` is {question, context} or a list of
// them, as the Inference API sends it; the pipeline answers one example per call (a long context
// is split into windows by the pipeline itself, so only the question is held to the token limit).
import { pipeline } from '../pipelines/index.js';
import type { QuestionAnsweringPipeline } from '../pipelines/question_answering.js';
import { bad, readParameters } from './params.js';
import { oneByOne } from './task_encoders.js';
import { tooLong, type TaskHandler } from './task_types.js';

function example(x: unknown, field: string): { question: string; context: string } {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw bad(`${field} must be {"question", "context"}, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  const { question, context, ...rest } = x as Record<string, unknown>;
  if (Object.keys(rest).length) throw bad(`${field}.${Object.keys(rest)[0]} is not known (only question and context)`);
  for (const [name, v] of [['question', question], ['context', context]] as const) {
    if (typeof v !== 'string') throw bad(`${field}.${name} must be a string, got ${v === null ? 'null' : typeof v}`);
    if (v.trim() === '') throw bad(`${field}.${name} must not be empty`);
  }
  return { question: question as string, context: context as string };
}

export async function questionAnsweringTask(modelDir: string): Promise<TaskHandler> {
  const pipe = ((await pipeline('question-answering', modelDir)) as unknown as { pipeline: QuestionAnsweringPipeline }).pipeline;
  const handler = oneByOne('question-answering', pipe, {
    inputs(value) {
      if (value === undefined) throw bad('inputs is required');
      if (!Array.isArray(value)) return { items: [example(value, 'inputs')], single: true };
      if (value.length === 0) throw bad('inputs must not be an empty list');
      return { items: value.map((x, i) => example(x, `inputs[${i}]`)), single: false };
    },
    parameters: (body) => readParameters(body.parameters, {
      topK: { kind: 'integer', min: 1 }, handleImpossibleAnswer: { kind: 'boolean' }, maxAnswerLen: { kind: 'integer', min: 1 },
      maxSeqLen: { kind: 'integer', min: 2 }, docStride: { kind: 'integer', min: 0 }, maxQuestionLen: { kind: 'integer', min: 1 }, alignToWords: { kind: 'boolean' },
    }),
    async checkLength(job, maxTokens) {
      for (const [i, item] of job.items.entries()) {
        const n = (await pipe.tokenizer.encode((item as { question: string }).question)).length;
        if (n > maxTokens) throw tooLong(job.single ? 'inputs.question' : `inputs[${i}].question`, n, maxTokens);
      }
    },
  });
  return handler;
}
