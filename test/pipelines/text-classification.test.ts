// pipeline('text-classification'): scores are the softmax (or sigmoid) of the model's own
// logits computed independently, labels come from id2label, topK picks and sorts, inputs
// longer than the model's maximum are truncated, and batching changes nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { AutoTokenizer, BertConfig, BertForSequenceClassification, pipeline, torch } from '../../src/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/tokenizer.js';
import type { LabelScore, TextClassifier } from '../../src/pipelines/index.js';

const TOKENIZER = fileURLToPath(new URL('../../../shared/tokenizers/bert-base-uncased', import.meta.url));
const skip = existsSync(TOKENIZER) ? false : `no tokenizer at ${TOKENIZER}`;
const ID2LABEL = { 0: 'negative', 1: 'neutral', 2: 'positive' };

describe('pipeline text-classification', { skip }, () => {
  let dir: string;
  let tokenizer: PreTrainedTokenizerFast;
  let model: BertForSequenceClassification;
  let clf: TextClassifier;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'finetune-pipeline-'));
    tokenizer = await AutoTokenizer.fromPretrained(TOKENIZER);
    // small max_position_embeddings so that truncation is needed well before 2000 words
    const config = new BertConfig().applyOptions({
      hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 37, maxPositionEmbeddings: 64, id2label: ID2LABEL,
    });
    torch.manualSeed(0);
    model = BertForSequenceClassification.fromConfig(config);
    // the untrained classifier's logits are tiny; larger weights make label order meaningful
    torch.noGrad(() => model.classifier.weight.mul_(50));
    await model.savePretrained(dir, { tokenizer });
    clf = await pipeline('text-classification', dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Softmax of the logits of one text, computed here from model.forward. */
  async function expected(text: string, fn: 'softmax' | 'sigmoid' = 'softmax'): Promise<number[]> {
    const enc = await tokenizer(text, { returnTensors: 'pt', truncation: true, maxLength: 64 });
    return torch.noGrad(() => torch.tidy(() => {
      model.eval();
      const { logits } = model.forward(enc);
      const p = fn === 'softmax' ? logits.to('float64').softmax(-1) : logits.to('float64').sigmoid();
      return (p.toArray() as number[][])[0];
    }));
  }

  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);

  it('gives the best label with its softmax score, named by id2label', async () => {
    const text = 'the movie was wonderful';
    const out = await clf(text);
    const probs = await expected(text);
    const best = probs.indexOf(Math.max(...probs));
    assert.equal(out.length, 1);
    assert.equal(out[0].label, ID2LABEL[best as 0 | 1 | 2]);
    close(out[0].score, probs[best], 'score');
  });

  it('topK: null gives every label, sorted; topK: 2 the best two', async () => {
    const text = 'a dull and boring film';
    const probs = await expected(text);
    const all = await clf(text, { topK: null });
    assert.equal(all.length, 3);
    assert.deepEqual(new Set(all.map((x) => x.label)), new Set(Object.values(ID2LABEL)));
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].score >= all[i].score, 'sorted by score');
    for (const { label, score } of all) close(score, probs[Number(Object.entries(ID2LABEL).find(([, l]) => l === label)![0])], label);
    close(all.reduce((s, x) => s + x.score, 0), 1, 'softmax sums to one');
    const two = await clf(text, { topK: 2 });
    assert.deepEqual(two, all.slice(0, 2));
  });

  it('functionToApply sigmoid and none', async () => {
    const text = 'fine';
    const sig = await clf(text, { topK: null, functionToApply: 'sigmoid' });
    const expectedSig = await expected(text, 'sigmoid');
    for (const { label, score } of sig) close(score, expectedSig[Object.values(ID2LABEL).indexOf(label)], label);
    const raw = await clf(text, { topK: null, functionToApply: 'none' });
    assert.ok(raw.some((x) => x.score < 0 || x.score > 1), 'raw logits are not probabilities');
  });

  it('a list gives one result per input, the same as one by one, whatever the batch size', async () => {
    const texts = ['good', 'a much longer sentence with many more words in it than the others', 'bad', 'okay I guess', 'terrible acting'];
    const single: LabelScore[][] = [];
    for (const t of texts) single.push(await clf(t, { topK: null }));
    for (const batchSize of [1, 2, 8]) {
      const batched = (await clf(texts, { topK: null, batchSize })) as LabelScore[][];
      assert.equal(batched.length, texts.length);
      batched.forEach((r, i) => r.forEach((x, j) => {
        assert.equal(x.label, single[i][j].label);
        close(x.score, single[i][j].score, `input ${i} batch ${batchSize}`);
      }));
    }
    // without topK, a list gives one {label, score} per input (transformers' output)
    const flat = (await clf(texts)) as LabelScore[];
    assert.equal(flat.length, texts.length);
    flat.forEach((x, i) => {
      assert.equal(x.label, single[i][0].label);
      close(x.score, single[i][0].score, `flat ${i}`);
    });
  });

  it('truncates an input longer than the model maximum (2000 words)', async () => {
    const long = Array.from({ length: 2000 }, (_, i) => `word${i % 50}`).join(' ');
    const out = await clf(long, { topK: null });
    assert.equal(out.length, 3);
    const probs = await expected(long);
    for (const { label, score } of out) close(score, probs[Object.values(ID2LABEL).indexOf(label)], label);
  });

  it('sentiment-analysis is an alias; sentence pairs; bad options are errors', async () => {
    const alias = await pipeline('sentiment-analysis', model, { tokenizer });
    assert.deepEqual(await alias('nice'), await clf('nice'));
    const pair = await clf({ text: 'a man plays guitar', textPair: 'someone plays music' }, { topK: null });
    assert.equal(pair.length, 3);
    await assert.rejects(() => clf('x', { topK: 0 }), /topK/);
    await assert.rejects(() => clf('x', { functionToApply: 'relu' as 'none' }), /functionToApply/);
    await assert.rejects(() => pipeline('translation' as 'text-classification', dir), /Unknown task/);
  });

  it('defaults to sigmoid for multi-label models', async () => {
    const multi = BertForSequenceClassification.fromConfig(model.config.clone().applyOptions({ problemType: 'multi_label_classification' }));
    const p = await pipeline('text-classification', multi, { tokenizer });
    assert.equal(p.pipeline.defaultFunction(), 'sigmoid');
    const all = await p('hello', { topK: null });
    assert.ok(all.reduce((s, x) => s + x.score, 0) > 1.01 || all.reduce((s, x) => s + x.score, 0) < 0.99, 'sigmoid scores do not sum to one');
  });
});
