// pipeline('fill-mask') and pipeline('token-classification' | 'ner') against transformers' own
// pipelines on tiny random BERT models with a small WordPiece tokenizer
// (scripts/fixtures/make_encoder_pipelines_fixtures.py): tokens, words, offsets, scores (1e-6).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';

import { logging, pipeline } from '../../src/index.js';

const dir = (name: string) => new URL(`../fixtures/encoder_pipelines/${name}`, import.meta.url).pathname;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const E = JSON.parse(readFileSync(dir('expected.json'), 'utf8')) as any;
logging.setVerbosity('error');

function same(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    assert.ok(Math.abs((actual as number) - expected) < 1e-6, `${where}: ${actual} vs ${expected}`);
    return;
  }
  if (expected === null || typeof expected !== 'object') return assert.equal(actual, expected, where);
  const [a, e] = [actual as Record<string, unknown>, expected as Record<string, unknown>];
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${where}: keys of ${JSON.stringify(a)}`);
  for (const k of Object.keys(e)) same(a[k], e[k], `${where}.${k}`);
}

describe("pipeline('fill-mask') against transformers", () => {
  let fill: (text: string, options?: { topK?: number; targets?: string[] }) => Promise<unknown>;
  before(async () => { fill = await pipeline('fill-mask', dir('fill-mask')); });
  it('topK over one and two masks, the default 5, and targets', async () => {
    for (const [i, text] of (E.fill_mask.inputs as string[]).entries()) same(await fill(text, { topK: 3 }), E.fill_mask.top3[i], `top3 ${i}`);
    same(await fill(E.fill_mask.inputs[0]), E.fill_mask.default, 'default');
    same(await fill(E.fill_mask.inputs[0], { targets: ['good', 'bad', 'film'] }), E.fill_mask.targets, 'targets');
    await assert.rejects(fill('no mask here'), /no mask_token/);
  });
});

describe("pipeline('ner') against transformers", () => {
  for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) {
    it(`aggregationStrategy '${strategy}': entities, words, offsets and scores`, async () => {
      const ner = await pipeline(strategy === 'none' ? 'ner' : 'token-classification', dir('ner'), { aggregationStrategy: strategy });
      for (const [i, s] of (E.sentences as string[]).entries()) same(await ner(s), E.ner[strategy][i], `${strategy} sentence ${i}`);
    });
  }
});
