// Decoder-LM tokenizers (GPT-2, Llama-3, Qwen2, Llama-2, Mistral, Gemma shapes) against the peers'
// transformers: ids with/without special tokens, tokens, decodes, a pair and a left-padded batch.
// Fixture: scripts/fixtures/make_decoder_tokenizer_fixtures.py.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AutoTokenizer } from '../../src/tokenizers/auto.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'decoder_tokenizers');

interface Case { text: string; input_ids: number[]; input_ids_no_special: number[]; tokens: string[]; decode: string; decode_skip: string; decode_no_special: string }
interface Expected {
  bos_token: string | null; eos_token: string | null; unk_token: string | null; pad_token: string | null; mask_token: string | null; mask_token_id: number | null; pad_token_set_to_eos: boolean; padding_side: 'left' | 'right'; vocab_size: number; len: number;
  cases: Case[];
  pair: { text: string; text_pair: string; input_ids: number[] };
  batch_left: { texts: string[]; input_ids: number[][]; attention_mask: number[][]; decode_skip: string[] };
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
const NAMES = ['gpt2', 'llama3', 'qwen2', 'llama2', 'mistral', 'gemma'];

describe('decoder tokenizers match transformers', () => {
  for (const name of NAMES) {
    const want = expected[name];
    it(`${name}: encode, tokens and decode`, async () => {
      const tok = await AutoTokenizer.fromPretrained(join(DIR, name));
      assert.equal(tok.bosToken, want.bos_token);
      assert.equal(tok.eosToken, want.eos_token);
      assert.equal(tok.paddingSide, want.padding_side, 'default padding side');
      assert.equal(tok.unkToken, want.unk_token);
      assert.equal(tok.padToken, want.pad_token);
      assert.equal(tok.maskToken, want.mask_token, 'mask token (GemmaTokenizer adds its default <mask>)');
      assert.equal(tok.maskTokenId, want.mask_token_id);
      assert.equal(tok.vocabSize, want.vocab_size);
      assert.equal(tok.numTokens, want.len, 'len(tokenizer)');
      for (const c of want.cases) {
        const label = `${name} ${JSON.stringify(c.text)}`;
        assert.deepEqual((await tok(c.text)).inputIds, c.input_ids, label);
        assert.deepEqual(await tok.encode(c.text), c.input_ids, label);
        assert.deepEqual((await tok(c.text, { addSpecialTokens: false })).inputIds, c.input_ids_no_special, label);
        assert.deepEqual(tok.convertIdsToTokens(c.input_ids), c.tokens, label);
        assert.equal(tok.decode(c.input_ids), c.decode, label);
        assert.equal(tok.decode(c.input_ids, { skipSpecialTokens: true }), c.decode_skip, label);
        assert.equal(tok.decode(c.input_ids_no_special), c.decode_no_special, label);
      }
    });
    it(`${name}: pair and left-padded batch`, async () => {
      const tok = await AutoTokenizer.fromPretrained(join(DIR, name));
      assert.deepEqual((await tok(want.pair.text, want.pair.text_pair)).inputIds, want.pair.input_ids);
      if (want.pad_token_set_to_eos) tok.padToken = tok.eosToken;
      tok.paddingSide = 'left';
      const batch = await tok(want.batch_left.texts, { padding: true });
      assert.deepEqual(batch.inputIds, want.batch_left.input_ids);
      assert.deepEqual(batch.attentionMask, want.batch_left.attention_mask);
      assert.deepEqual(tok.batchDecode(batch.inputIds, { skipSpecialTokens: true }), want.batch_left.decode_skip);
    });
  }
  it('addBosToken/addEosToken rebuild the post-processor (llama2)', async () => {
    const tok = await AutoTokenizer.fromPretrained(join(DIR, 'llama2'));
    const plain = expected.llama2.cases[0].input_ids_no_special;
    tok.addEosToken = true;
    assert.deepEqual(await tok.encode(expected.llama2.cases[0].text), [tok.bosTokenId, ...plain, tok.eosTokenId]);
    tok.addBosToken = false;
    assert.deepEqual(await tok.encode(expected.llama2.cases[0].text), [...plain, tok.eosTokenId]);
  });
  it('savePretrained then fromPretrained keeps the ids, roles and padding side (llama2, gemma, qwen2)', async () => {
    for (const name of ['llama2', 'gemma', 'qwen2']) {
      const dir = mkdtempSync(join(tmpdir(), `ft-dec-tok-${name}-`));
      await (await AutoTokenizer.fromPretrained(join(DIR, name))).savePretrained(dir);
      const tok = await AutoTokenizer.fromPretrained(dir);
      for (const c of expected[name].cases) assert.deepEqual(await tok.encode(c.text), c.input_ids, `${name} ${JSON.stringify(c.text)}`);
      assert.equal(tok.maskTokenId, expected[name].mask_token_id);
      assert.equal(tok.numTokens, expected[name].len);
      assert.equal(tok.paddingSide, expected[name].padding_side);
    }
  });
});
