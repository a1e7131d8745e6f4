// The SFT collators and TRL's best-fit-decreasing packing against the real libraries' outputs
// on the same token ids (test/fixtures/trl/collators.json, made by scripts/fixtures/trl_collators.py
// with trl 1.16 and transformers 5.24), and DataCollatorForCompletionOnlyLM's masks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { DataCollatorForCompletionOnlyLM, DataCollatorForSeq2Seq, DataCollatorWithFlattening, trl } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/trl/collators.json', import.meta.url), 'utf8')) as Record<string, unknown> & {
  examples: Record<string, number[]>[]; seqs: number[][]; packed_bfd: Record<string, number[][]>;
};
const plain = (batch: Record<string, unknown>) => Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, typeof v === 'number' ? v : (v as Tensor).tolist()]));
const withLabels = fixture.examples.map((e) => ({ ...e, labels: e.labels ?? e.input_ids }));
const rowsOf = (d: Record<string, unknown[]>) => d.input_ids.map((_, i) => Object.fromEntries(Object.keys(d).map((k) => [k, d[k][i]])));

describe("TRL's DataCollatorForLanguageModeling", () => {
  it('pads ids with the pad token and labels with -100: an EOS equal to the pad token stays in the labels', () => {
    assert.deepEqual(plain(new trl.DataCollatorForLanguageModeling({ padTokenId: 2 })(withLabels)), fixture.lm);
    assert.deepEqual(plain(new trl.DataCollatorForLanguageModeling({ padTokenId: 0, padToMultipleOf: 8 })(withLabels)), fixture.lm_multiple);
  });

  it('paddingFree: one row, position_ids per sequence, the first label of each -100, and the varlen boundaries', () => {
    assert.deepEqual(plain(new trl.DataCollatorForLanguageModeling({ padTokenId: 0, paddingFree: true })(withLabels)), fixture.lm_padding_free);
  });

  it('packed rows: position_ids restart at each of their seq_lengths', () => {
    const packed = rowsOf(fixture.packed_bfd as never).slice(0, 2);
    assert.deepEqual(plain(new trl.DataCollatorForLanguageModeling({ padTokenId: 0, paddingFree: true })(packed)), fixture.lm_packed);
  });
});

describe('packing (best-fit decreasing)', () => {
  it("packs as TRL's pack_dataset(strategy='bfd'), and 'bfd_split' splits instead of truncating", () => {
    const rows = fixture.seqs.map((s) => ({ input_ids: s, labels: [-100, ...s.slice(1)] }));
    const asColumns = (packed: Record<string, number[]>[]) => Object.fromEntries(['input_ids', 'labels', 'seq_lengths'].map((k) => [k, packed.map((r) => r[k])]));
    assert.deepEqual(asColumns(trl.packBfd(rows, 8)), fixture.packed_bfd);
    assert.deepEqual(asColumns(trl.packBfd(rows, 8, 'split')), fixture.packed_bfd_split);
    const long = trl.packBfd([{ input_ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }], 4, 'split');
    assert.deepEqual(long.map((r) => r.seq_lengths), [[4], [4], [2]]);
    assert.deepEqual(trl.packBfd([{ input_ids: [1, 2, 3, 4, 5, 6] }], 4).map((r) => r.input_ids), [[1, 2, 3, 4]]);
    assert.throws(() => trl.packBfd([{ input_ids: [1, 2], labels: [1] }], 4), /row 0's 'labels' has 1 entries but 'input_ids' has 2/);
  });
});

describe("transformers' DataCollatorForSeq2Seq and DataCollatorWithFlattening", () => {
  const tokenizer = {
    padTokenId: 0, paddingSide: 'right', maskToken: null, maskTokenId: null, allSpecialIds: [0], numTokens: 2,
    pad(features: Record<string, unknown>[], options: { padToMultipleOf?: number }) {
      const { padRows } = awaitedPadRows;
      const ids = features.map((f) => f.input_ids as number[]);
      return { input_ids: padRows(ids, 0, options), attention_mask: padRows(ids.map((r) => r.map(() => 1)), 0, options) } as never;
    },
  };
  let awaitedPadRows: typeof import('../../src/data/seq2seq_collators.js');

  it('Seq2Seq pads labels with -100 (to a multiple when asked)', async () => {
    awaitedPadRows = await import('../../src/data/seq2seq_collators.js');
    const features = fixture.seq2seq_features as Record<string, number[]>[];
    const ours = plain(new DataCollatorForSeq2Seq({ tokenizer })(features));
    assert.deepEqual(ours.labels, (fixture.seq2seq as Record<string, unknown>).labels);
    assert.deepEqual(ours.input_ids, (fixture.seq2seq as Record<string, unknown>).input_ids);
    assert.deepEqual(plain(new DataCollatorForSeq2Seq({ tokenizer, padToMultipleOf: 4 })(features)).labels, (fixture.seq2seq_multiple as Record<string, unknown>).labels);
  });

  it('WithFlattening concatenates with separator labels and position_ids (and flash-attention kwargs)', () => {
    assert.deepEqual(plain(new DataCollatorWithFlattening()([fixture.examples[0], { input_ids: [8, 9, 2] }])), fixture.flattening);
    const kw = new DataCollatorWithFlattening({ returnFlashAttnKwargs: true, returnSeqIdx: true })([{ input_ids: [8, 9, 2], labels: [-100, 9, 2] }, { input_ids: [10, 2], labels: [10, 2] }]);
    assert.deepEqual(plain(kw), fixture.flattening_kwargs);
  });
});

describe('DataCollatorForCompletionOnlyLM', () => {
  const tokenizer = { padTokenId: 0, maskToken: null, maskTokenId: null, allSpecialIds: [], numTokens: 0, pad: () => { throw new Error('unused'); } };
  it('trains only after the response template', () => {
    const c = new DataCollatorForCompletionOnlyLM({ responseTemplate: [50, 51], tokenizer });
    const out = c([{ input_ids: [1, 2, 50, 51, 7, 8, 2] }, { input_ids: [3, 50, 51, 9] }]);
    assert.deepEqual(out.labels.tolist(), [[-100, -100, -100, -100, 7, 8, 2], [-100, -100, -100, 9, -100, -100, -100]]);
    assert.deepEqual((out.input_ids.tolist() as number[][])[1], [3, 50, 51, 9, 0, 0, 0]);
  });

  it('with an instruction template, only the responses of every turn count', () => {
    const c = new DataCollatorForCompletionOnlyLM({ responseTemplate: [50], instructionTemplate: [40], tokenizer });
    const out = c([{ input_ids: [40, 1, 50, 2, 3, 40, 4, 50, 5] }]);
    assert.deepEqual(out.labels.tolist(), [[-100, -100, -100, 2, 3, -100, -100, -100, 5]]);
  });

  it('an example without the template is left out of the loss, with a warning; strings are refused with what to do', () => {
    const c = new DataCollatorForCompletionOnlyLM({ responseTemplate: [50], tokenizer });
    assert.deepEqual(c([{ input_ids: [1, 2] }]).labels.tolist(), [[-100, -100]]);
    assert.throws(() => new DataCollatorForCompletionOnlyLM({ responseTemplate: '### Answer:' as never, tokenizer }), /encode it first/);
  });
});
