// pipeline('question-answering') against transformers' QuestionAnsweringPipeline (4.57, the
// last release that has it) on a tiny random BertForQuestionAnswering
// (scripts/fixtures/make_qa_pipeline_fixtures.py): scores 1e-4, starts, ends and answers
// exactly, over short and long (windowed) contexts, topK, maxAnswerLen, handleImpossibleAnswer,
// alignToWords and a batch of inputs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';

import { logging, pipeline, type QaAnswer, type QuestionAnswerer } from '../../src/index.js';

const dir = (name: string) => new URL(`../fixtures/encoder_pipelines/${name}`, import.meta.url).pathname;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const E = JSON.parse(readFileSync(dir('qa_expected.json'), 'utf8')) as any;
logging.setVerbosity('error');

const camel = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), v]));

function sameAnswers(actual: unknown, expected: unknown, where: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected a list, got ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${where}: ${JSON.stringify(actual)}`);
    expected.forEach((e, i) => sameAnswers((actual as unknown[])[i], e, `${where}[${i}]`));
    return;
  }
  const [a, e] = [actual as QaAnswer, expected as QaAnswer];
  assert.deepEqual({ start: a.start, end: a.end, answer: a.answer }, { start: e.start, end: e.end, answer: e.answer }, where);
  assert.ok(Math.abs(a.score - e.score) < 1e-4, `${where}: score ${a.score} vs ${e.score}`);
}

describe("pipeline('question-answering') against transformers", () => {
  let qa: QuestionAnswerer;
  before(async () => { qa = await pipeline('question-answering', dir('qa')); });

  for (const c of E.cases as { name: string; inputs: { question: string; context: string }; options: Record<string, unknown>; expected: unknown }[]) {
    it(c.name, async () => sameAnswers(await qa(c.inputs, camel(c.options)), c.expected, c.name));
  }

  it('parallel lists of questions and contexts give a result per example', async () => {
    sameAnswers(await qa(E.batch.inputs, camel(E.batch.options)), E.batch.expected, 'batch');
    sameAnswers(await qa([{ question: E.batch.inputs.question[0], context: E.batch.inputs.context[0] }], { topK: 2 }), E.batch.expected[0], 'list of one');
  });

  it('the long context really is split into windows', async () => {
    const long = E.cases.find((c: { name: string }) => c.name === 'long small windows').inputs;
    const enc = await qa.pipeline.tokenizer([long.question], [long.context], { truncation: 'only_second', maxLength: 32, stride: 8, returnOverflowingTokens: true });
    assert.ok((enc.input_ids as number[][]).length > 3);
  });

  it('bad inputs and options are named', async () => {
    await assert.rejects(qa({ question: 'q' } as never), /keys \{question, context\}/);
    await assert.rejects(qa({ question: '', context: 'c' }), /`question` cannot be empty/);
    await assert.rejects(qa({ question: ['a', 'b'], context: ['c'] }), /same lengths/);
    await assert.rejects(qa({ question: 'a', context: 'b c' }, { topK: 0 }), /topK should be >= 1/);
    await assert.rejects(qa({ question: 'a', context: 'b c' }, { maxAnswerLen: 0 }), /maxAnswerLen should be >= 1/);
    await assert.rejects(qa({ question: 'a', context: 'b c' }, { maxSeqLen: 8, docStride: 9 }), /docStride \(9\) is larger than maxSeqLen \(8\)/);
  });
});
