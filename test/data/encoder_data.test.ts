// The data side of the encoder tasks against transformers (fixture:
// scripts/fixtures/make_encoder_data_fixtures.py): DataCollatorForLanguageModeling's masks
// after the same seed (global and its own generator), whole word masking, causal labels;
// run_ner.py's label alignment on is_split_into_words input and DataCollatorForTokenClassification;
// run_qa.py's train and validation features (windows with a stride) and its postprocessing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';

import {
  AutoTokenizer, DataCollatorForLanguageModeling, DataCollatorForTokenClassification, DataCollatorForWholeWordMask, alignBatchLabels,
  groupTexts, postprocessQaPredictions, prepareTrainFeatures, prepareValidationFeatures, torch,
} from '../../src/index.js';
import type { PreTrainedTokenizerFast } from '../../src/index.js';
import type { QaTokenizer } from '../../src/data/question_answering.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const E = JSON.parse(readFileSync(new URL('../fixtures/encoder_data/expected.json', import.meta.url), 'utf8')) as any;
const SENTENCES = ['The quick brown fox jumps over the lazy dog.', 'Unbelievably, tokenization splits words.', 'Short one.',
  'Hugging Face is based in New York City and Paris.'];
let tok: PreTrainedTokenizerFast;
before(async () => { tok = await AutoTokenizer.fromPretrained(new URL('../../../shared/tokenizers/bert-base-uncased', import.meta.url).pathname); });
const rows = async (options: Record<string, unknown> = {}) => Promise.all(SENTENCES.map(async (s) => (await tok(s, options)).toObject()));

describe('DataCollatorForLanguageModeling against transformers', () => {
  it('gives transformers\' masks and labels after torch.manualSeed (80/10/10, specials and padding never masked)', async () => {
    torch.manualSeed(E.mlm_global.seed);
    const b = new DataCollatorForLanguageModeling({ tokenizer: tok, mlmProbability: 0.3 })(await rows());
    assert.deepEqual(b.input_ids.toArray(), E.mlm_global.input_ids);
    assert.deepEqual(b.labels.toArray(), E.mlm_global.labels);
  });

  it('with seed: its own generator, two batches in a row as transformers\', the special_tokens_mask column used and dropped', async () => {
    const c = new DataCollatorForLanguageModeling({ tokenizer: tok, mlmProbability: 0.5, seed: 42 });
    const features = await rows({ returnSpecialTokensMask: true });
    torch.manualSeed(0);
    const before = torch.rand([3]).toArray();
    torch.manualSeed(0);
    for (const expected of E.mlm_seeded) {
      const b = c(features);
      assert.equal('special_tokens_mask' in b, false);
      assert.deepEqual(b.input_ids.toArray(), expected.input_ids);
      assert.deepEqual(b.labels.toArray(), expected.labels);
    }
    assert.deepEqual(torch.rand([3]).toArray(), before, 'the global generator is left alone');
  });

  it('whole word masking from the offsets, as transformers 5', async () => {
    torch.manualSeed(E.wwm.seed);
    const features = await rows({ returnOffsetsMapping: true, padding: 'max_length', maxLength: 16, truncation: true });
    const b = new DataCollatorForWholeWordMask({ tokenizer: tok, mlmProbability: 0.4 })(features);
    assert.deepEqual(b.input_ids.toArray(), E.wwm.input_ids);
    assert.deepEqual(b.labels.toArray(), E.wwm.labels);
  });

  it('mlm: false gives the inputs as labels with padding -100', async () => {
    const b = new DataCollatorForLanguageModeling({ tokenizer: tok, mlm: false })(await rows());
    assert.deepEqual(b.input_ids.toArray(), E.causal.input_ids);
    assert.deepEqual(b.labels.toArray(), E.causal.labels);
  });

  it('groupTexts concatenates and cuts into blocks, dropping the remainder (run_mlm.py)', () => {
    const out = groupTexts(4)({ input_ids: [[1, 2, 3], [4, 5, 6, 7, 8], [9, 10]], attention_mask: [[1, 1, 1], [1, 1, 1, 1, 1], [1, 1]] });
    assert.deepEqual(out.input_ids, [[1, 2, 3, 4], [5, 6, 7, 8]]);
    assert.deepEqual(out.attention_mask, [[1, 1, 1, 1], [1, 1, 1, 1]]);
    assert.throws(() => groupTexts(4)({ text: ['a'], input_ids: [[1]] }), /column 'text' is not lists of token ids/);
  });
});

describe('token classification data against run_ner.py', () => {
  it('isSplitIntoWords gives transformers\' ids and word ids; labels align with and without labelAllTokens', async () => {
    const enc = await tok(E.ner.words, { truncation: true, isSplitIntoWords: true });
    assert.deepEqual(enc.input_ids, E.ner.input_ids);
    assert.deepEqual([enc.wordIds(0), enc.wordIds(1)], E.ner.word_ids);
    assert.deepEqual(alignBatchLabels(enc, E.ner.tags), E.ner.labels);
    assert.deepEqual(alignBatchLabels(enc, E.ner.tags, { labelAllTokens: true, labelList: E.ner.label_list }), E.ner.labels_all);
  });

  it('DataCollatorForTokenClassification pads the labels with -100', () => {
    const features = [0, 1].map((i) => ({ input_ids: E.ner.input_ids[i], attention_mask: E.ner.collated.attention_mask[i].slice(0, E.ner.input_ids[i].length),
      token_type_ids: new Array(E.ner.input_ids[i].length).fill(0), labels: E.ner.labels[i] }));
    const b = new DataCollatorForTokenClassification({ tokenizer: tok })(features);
    for (const key of Object.keys(E.ner.collated)) assert.deepEqual(b[key].toArray(), E.ner.collated[key], key);
  });
});

describe('question answering data against run_qa.py', () => {
  const qaTok = () => tok as unknown as QaTokenizer;
  const copy = () => JSON.parse(JSON.stringify(E.qa.examples));
  it('prepareTrainFeatures: the windows of long contexts and the answers\' start/end tokens', async () => {
    const f = await prepareTrainFeatures(qaTok(), copy(), { maxLength: E.qa.max_length, stride: E.qa.stride });
    for (const key of Object.keys(E.qa.train)) assert.deepEqual(f[key], E.qa.train[key], key);
    assert.ok((f.input_ids as unknown[]).length > 3, 'the long context overflows into several windows');
  });

  it('prepareValidationFeatures: example ids and context-only offsets', async () => {
    const f = await prepareValidationFeatures(qaTok(), copy(), { maxLength: E.qa.max_length, stride: E.qa.stride });
    assert.deepEqual(f.input_ids, E.qa.validation.input_ids);
    assert.deepEqual(f.example_id, E.qa.validation.example_id);
    assert.deepEqual(f.offset_mapping, E.qa.validation.offset_mapping);
  });

  it('postprocessQaPredictions: predictions, n-best probabilities and SQuAD v2 null scores as utils_qa.py', () => {
    for (const post of E.qa.post) {
      const r = postprocessQaPredictions(E.qa.examples, E.qa.validation, [E.qa.start_logits, E.qa.end_logits],
        { version2WithNegative: post.v2, nBestSize: post.n_best_size, maxAnswerLength: post.max_answer_length });
      assert.deepEqual(Object.fromEntries(r.predictions), post.predictions);
      for (const [id, list] of Object.entries(post.nbest as Record<string, { text: string; probability: number; start_logit: number }[]>)) {
        const ours = r.nbest.get(id)!;
        assert.deepEqual(ours.map((p) => p.text), list.map((p) => p.text), `n-best of ${id}`);
        ours.forEach((p, i) => assert.ok(Math.abs(p.probability - list[i].probability) < 1e-9 && Math.abs(p.startLogit - list[i].start_logit) < 1e-12));
      }
      for (const [id, d] of Object.entries(post.scores_diff as Record<string, number>)) assert.ok(Math.abs(r.scoresDiff.get(id)! - d) < 1e-9);
    }
  });
});
