// tokenizer_config.json / special_tokens_map.json values: roles merged from every source as
// transformers does, and a wrongly typed or out-of-range value is an error naming file and key.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AutoTokenizer } from '../../src/data-index.js';
import { bertTokenizerJsonFromVocab } from '../../src/tokenizers/files.js';
import { tempDir } from './helpers.js';

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'a', 'b', 'c', '##s'];

function folder(files: Record<string, unknown>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'vocab.txt'), VOCAB.join('\n') + '\n');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

test('a tokenizer_config.json with only pad_token keeps every other role', async () => {
  const tok = await AutoTokenizer.fromPretrained(folder({ 'tokenizer_config.json': { pad_token: '[PAD]' } }));
  assert.deepEqual([tok.unkToken, tok.clsToken, tok.sepToken, tok.maskToken, tok.padToken], ['[UNK]', '[CLS]', '[SEP]', '[MASK]', '[PAD]']);
  assert.deepEqual(tok.convertTokensToIds(['qqq']), [1], 'an unknown token maps to [UNK]');
  // An explicit null still removes a role.
  const noMask = await AutoTokenizer.fromPretrained(folder({ 'tokenizer_config.json': { mask_token: null } }));
  assert.equal(noMask.maskToken, null);
  assert.equal(noMask.unkToken, '[UNK]');
});

test('a wrongly typed special token is an error naming the file and the key', async () => {
  const dir = folder({ 'tokenizer_config.json': { unk_token: 123 } });
  await assert.rejects(AutoTokenizer.fromPretrained(dir), new RegExp(`^TypeError: ${join(dir, 'tokenizer_config.json')}: "unk_token" must be a token string.*got 123$`));
  const map = folder({ 'special_tokens_map.json': { sep_token: ['[SEP]'] } });
  await assert.rejects(AutoTokenizer.fromPretrained(map), /special_tokens_map\.json: "sep_token" must be a token string.*got an array/);
});

test('model_max_length that is not a positive integer is an error, not "no truncation"', async () => {
  for (const bad of ['abc', -1, 0, 1.5]) {
    const dir = folder({ 'tokenizer_config.json': { model_max_length: bad } });
    await assert.rejects(AutoTokenizer.fromPretrained(dir), /tokenizer_config\.json: "model_max_length" must be a positive integer/, String(bad));
  }
  // transformers' int(1e30) ("no limit") is still accepted.
  const tok = await AutoTokenizer.fromPretrained(folder({ 'tokenizer_config.json': { model_max_length: 1e30 } }));
  assert.equal(tok.modelMaxLength, 1e30);
});

test('max_input_chars_per_word of -1 in tokenizer.json is an error naming the field', async () => {
  const dir = folder({});
  const json = bertTokenizerJsonFromVocab(join(dir, 'vocab.txt'), {});
  (json.model as Record<string, unknown>).max_input_chars_per_word = -1;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  await assert.rejects(AutoTokenizer.fromPretrained(dir), /tokenizer\.json: model\.max_input_chars_per_word must be a positive integer, got -1/);
});

test('bad tokenizer options name the file and the key', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ do_lower_case: 'no' }, /tokenizer_config\.json: "do_lower_case" must be true or false, got "no"/],
    [{ padding_side: 'middle' }, /tokenizer_config\.json: "padding_side" must be "left" or "right", got "middle"/],
    [{ truncation_side: 5 }, /tokenizer_config\.json: "truncation_side" must be "left" or "right", got 5/],
  ];
  for (const [config, message] of cases) await assert.rejects(AutoTokenizer.fromPretrained(folder({ 'tokenizer_config.json': config })), message);
  await assert.rejects(AutoTokenizer.fromPretrained(folder({}), { paddingSide: 'up' as 'left' }), /fromPretrained options: "padding_side" must be "left" or "right"/);
});

test('a WordPiece unk_token missing from the vocabulary is an error naming tokenizer.json, not a failure at encode time', async () => {
  const dir = folder({});
  const json = bertTokenizerJsonFromVocab(join(dir, 'vocab.txt'), {});
  (json.model as Record<string, unknown>).unk_token = '<nope>';
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  await assert.rejects(AutoTokenizer.fromPretrained(dir), /tokenizer\.json: model\.unk_token "<nope>" is not in model\.vocab/);
});
