// serve's replies for each task are the pipeline's own outputs for the same inputs and
// parameters (sent in snake_case, as the Inference API sends them), and the task is found
// from config.json's architectures.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { logging, pipeline } from '../../src/index.js';
import { detectTask, serve, type ServeHandle } from '../../src/serve/index.js';
import { fixture, makeChatModel, makeClassifier, request, tempDir } from './fixtures.js';

logging.setVerbosity('error');

/** Equal, with numbers to 1e-6 (a batch pads inputs to its longest, which moves scores in the last bits). */
function same(actual: unknown, expected: unknown, where = 'reply'): void {
  if (typeof expected === 'number') return assert.ok(Math.abs((actual as number) - expected) < 1e-6, `${where}: ${actual} vs ${expected}`);
  if (expected === null || typeof expected !== 'object') return assert.equal(actual, expected, where);
  assert.equal(typeof actual, 'object', `${where}: ${JSON.stringify(actual)}`);
  assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${where}: keys`);
  for (const [k, v] of Object.entries(expected)) same((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
}

describe('serve: text-classification', () => {
  let dir: string;
  let server: ServeHandle;
  before(async () => {
    dir = await makeClassifier(tempDir());
    server = await serve({ model: dir, port: 0 });
  });
  after(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

  it('finds the task from architectures', () => {
    assert.equal(detectTask(dir), 'text-classification');
    assert.equal(server.task, 'text-classification');
  });

  it("answers as the pipeline: one text, a list, top_k, function_to_apply, a text pair", async () => {
    const clf = await pipeline('text-classification', dir);
    const cases: [unknown, Record<string, unknown> | undefined, () => Promise<unknown>][] = [
      ['the film is good', undefined, () => clf('the film is good')],
      [['the film is good', 'an utterly bad conclusion'], undefined, () => clf(['the film is good', 'an utterly bad conclusion'])],
      ['the film is good', { top_k: 2 }, () => clf('the film is good', { topK: 2 })],
      [['a', 'the film'], { top_k: null, function_to_apply: 'sigmoid' }, () => clf(['a', 'the film'], { topK: null, functionToApply: 'sigmoid' })],
      [{ text: 'the film', text_pair: 'is good' }, undefined, () => clf({ text: 'the film', textPair: 'is good' })],
    ];
    for (const [inputs, parameters, expected] of cases) {
      const r = await request(server.url, '/', { inputs, parameters });
      assert.equal(r.status, 200, r.text);
      same(r.json, await expected(), `inputs ${JSON.stringify(inputs)} ${JSON.stringify(parameters)}`);
    }
  });
});

describe('serve: token-classification and fill-mask', () => {
  it('ner with each aggregation_strategy gives the pipeline\'s entities', async () => {
    const server = await serve({ model: fixture('ner'), port: 0 });
    try {
      assert.equal(server.task, 'token-classification');
      const text = 'Steven Spielberg directed it in New York, badly.';
      for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) {
        const ner = await pipeline('ner', fixture('ner'), { aggregationStrategy: strategy });
        const r = await request(server.url, '/', { inputs: text, parameters: { aggregation_strategy: strategy } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, await ner(text), strategy);
      }
      const ner = await pipeline('ner', fixture('ner'));
      const r = await request(server.url, '/', { inputs: [text, 'New York'] });
      assert.deepEqual(r.json, [await ner(text), await ner('New York')]);
    } finally {
      await server.close();
    }
  });

  it('fill-mask with top_k and targets gives the pipeline\'s completions', async () => {
    const server = await serve({ model: fixture('fill-mask'), port: 0 });
    try {
      assert.equal(server.task, 'fill-mask');
      const fill = await pipeline('fill-mask', fixture('fill-mask'));
      const text = 'The film is a [MASK] journey.';
      assert.deepEqual((await request(server.url, '/', { inputs: text })).json, await fill(text));
      assert.deepEqual((await request(server.url, '/', { inputs: 'an utterly [MASK] [MASK] conclusion', parameters: { top_k: 2 } })).json, await fill('an utterly [MASK] [MASK] conclusion', { topK: 2 }));
      assert.deepEqual((await request(server.url, '/', { inputs: text, parameters: { targets: ['good', 'bad'] } })).json, await fill(text, { targets: ['good', 'bad'] }));
      const empty = await request(server.url, '/', { inputs: text, parameters: { targets: [' '] } });
      assert.equal(empty.status, 400, empty.text);
      assert.match(empty.text, /fill-mask: at least one target must be provided/);
      const r = await request(server.url, '/', { inputs: 'no mask here' });
      assert.equal(r.status, 400);
      assert.match(r.text, /inputs must contain the mask token \[MASK\]/);
    } finally {
      await server.close();
    }
  });
});

describe('serve: text-generation', () => {
  it('POST / gives the pipeline\'s generated_text (max_new_tokens, return_full_text, a list)', async () => {
    const dir = await makeChatModel(tempDir());
    const server = await serve({ model: dir, port: 0 });
    try {
      assert.equal(server.task, 'text-generation');
      const generator = await pipeline('text-generation', dir);
      let r = await request(server.url, '/', { inputs: 'the film is', parameters: { max_new_tokens: 6 } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, await generator('the film is', { maxNewTokens: 6 }));
      r = await request(server.url, '/', { inputs: ['the film is', 'a'], parameters: { max_new_tokens: 4, return_full_text: false } });
      assert.deepEqual(r.json, await generator(['the film is', 'a'], { maxNewTokens: 4, returnFullText: false }));
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve: question-answering', () => {
  it('{question, context} inputs give the pipeline\'s answers (top_k, max_answer_len, handle_impossible_answer, a list)', async () => {
    const server = await serve({ model: fixture('qa'), port: 0 });
    try {
      assert.equal(server.task, 'question-answering');
      const qa = await pipeline('question-answering', fixture('qa'));
      const ex = { question: 'Who directed the film?', context: 'The film was directed by Steven Spielberg in New York, and it is a charming and often affecting journey.' };
      const other = { question: 'Where was it made?', context: ex.context };
      assert.deepEqual((await request(server.url, '/', { inputs: ex })).json, await qa(ex));
      assert.deepEqual((await request(server.url, '/', { inputs: ex, parameters: { top_k: 3, max_answer_len: 2 } })).json, await qa(ex, { topK: 3, maxAnswerLen: 2 }));
      assert.deepEqual((await request(server.url, '/', { inputs: ex, parameters: { handle_impossible_answer: true } })).json, await qa(ex, { handleImpossibleAnswer: true }));
      assert.deepEqual((await request(server.url, '/', { inputs: [ex, other] })).json, await qa([ex, other]));
      for (const [inputs, message] of [
        ['who?', /inputs must be \{"question", "context"\}, got string/],
        [{ question: 'who?' }, /inputs\.context must be a string, got undefined/],
        [[ex, { question: '', context: 'x' }], /inputs\[1\]\.question must not be empty/],
        [{ ...ex, answer: 'x' }, /inputs\.answer is not known/],
      ] as const) {
        const r = await request(server.url, '/', { inputs });
        assert.equal(r.status, 400, r.text);
        assert.match((r.json as { error: string }).error, message);
      }
      const r = await request(server.url, '/', { inputs: ex, parameters: { doc_stride: 'wide' } });
      assert.match(r.text, /parameters\.doc_stride must be an integer/);
    } finally {
      await server.close();
    }
  });
});
