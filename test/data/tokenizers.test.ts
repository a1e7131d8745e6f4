// Tokenizers against real Hugging Face files: ids checked against vocab.txt line numbers and
// known BERT facts, truncation/padding semantics, decoding, saving, and every error path.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AutoTokenizer, BertTokenizerFast, BatchEncoding } from '../../src/data-index.js';
import { BERT_MULTI, BERT_UNCASED, FIXTURES, GLUE, NEEDS_SHARED, shared, tempDir, tsvLines, vocabIds } from './helpers.js';

describe('bert-base-uncased', { skip: NEEDS_SHARED }, () => {
  test('sentence pair: ids, token types and tokens match BERT facts', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const enc = await tok('This is the first sentence.', 'This is the second one.');
    // [CLS]=101 this=2023 is=2003 the=1996 first=2034 sentence=6251 .=1012 [SEP]=102
    assert.deepEqual(enc.inputIds.slice(0, 8), [101, 2023, 2003, 1996, 2034, 6251, 1012, 102]);
    assert.equal(enc.inputIds.at(-1), 102);
    assert.deepEqual(enc.tokenTypeIds, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(enc.attentionMask, new Array(15).fill(1));
    const vocab = vocabIds(BERT_UNCASED);
    const tokens = tok.convertIdsToTokens(enc.inputIds);
    assert.deepEqual(tokens, ['[CLS]', 'this', 'is', 'the', 'first', 'sentence', '.', '[SEP]', 'this', 'is', 'the', 'second', 'one', '.', '[SEP]']);
    tokens.forEach((t, i) => assert.equal(vocab.get(t), enc.inputIds[i], `id of ${t}`));
    // Hugging Face keys are readable too, and are the enumerable ones.
    assert.deepEqual(Object.keys(enc), ['input_ids', 'token_type_ids', 'attention_mask']);
    assert.deepEqual(enc.input_ids, enc.inputIds);
    assert.ok(enc instanceof BatchEncoding);
  });

  test('special tokens, sizes and class', async () => {
    const tok = await BertTokenizerFast.fromPretrained(BERT_UNCASED);
    assert.ok(tok instanceof BertTokenizerFast);
    assert.equal(tok.clsTokenId, 101);
    assert.equal(tok.sepTokenId, 102);
    assert.equal(tok.padTokenId, 0);
    assert.equal(tok.unkTokenId, 100);
    assert.equal(tok.maskTokenId, 103);
    assert.equal(tok.padToken, '[PAD]');
    assert.equal(tok.vocabSize, 30522);
    assert.equal(tok.modelMaxLength, 512);
    assert.deepEqual(tok.convertTokensToIds(['[CLS]', 'hello', 'world', 'notawordxyz']), [101, 7592, 2088, 100]);
    assert.deepEqual(await tok.tokenize('Hello, World!'), ['hello', ',', 'world', '!']);
  });

  test('batch padding: longest, max_length, multiple of, left side, tensors', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const texts = ['hello world', 'this is the first sentence.'];
    const longest = await tok(texts, { padding: true });
    assert.deepEqual(longest.inputIds, [[101, 7592, 2088, 102, 0, 0, 0, 0], [101, 2023, 2003, 1996, 2034, 6251, 1012, 102]]);
    assert.deepEqual(longest.attentionMask[0], [1, 1, 1, 1, 0, 0, 0, 0]);
    const fixed = await tok(texts, { padding: 'max_length', maxLength: 12 });
    assert.deepEqual(fixed.inputIds.map((r) => r.length), [12, 12]);
    const multiple = await tok(texts, { padding: 'longest', padToMultipleOf: 5 });
    assert.deepEqual(multiple.inputIds.map((r) => r.length), [10, 10]);
    const left = await AutoTokenizer.fromPretrained(BERT_UNCASED, { paddingSide: 'left' });
    const l = await left(texts, { padding: true });
    assert.deepEqual(l.inputIds[0], [0, 0, 0, 0, 101, 7592, 2088, 102]);
    assert.deepEqual(l.attentionMask[0], [0, 0, 0, 0, 1, 1, 1, 1]);
    const pt = await tok(texts, { padding: true, returnTensors: 'pt' });
    assert.deepEqual(pt.inputIds.shape, [2, 8]);
    assert.equal(pt.inputIds.dtype, 'int64');
    assert.deepEqual(pt.inputIds.toArray(), longest.inputIds);
    const one = await tok('hello world', { returnTensors: 'pt' });
    assert.deepEqual(one.inputIds.shape, [1, 4]);
    await assert.rejects(tok(texts, { returnTensors: 'pt' }), /padding/);
  });

  test('truncation strategies on pairs', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const a = 'one two three four five six seven eight';
    const tokens = async (x: string, y: string, o: object): Promise<string[]> => tok.convertIdsToTokens((await tok(x, y, o)).inputIds);
    // longest_first takes tokens from the longer sequence first: 8+2 content tokens → 5.
    assert.deepEqual(await tokens(a, 'nine ten', { truncation: true, maxLength: 8 }), ['[CLS]', 'one', 'two', 'three', '[SEP]', 'nine', 'ten', '[SEP]']);
    assert.deepEqual(await tokens(a, 'nine ten', { truncation: 'only_first', maxLength: 8 }), ['[CLS]', 'one', 'two', 'three', '[SEP]', 'nine', 'ten', '[SEP]']);
    assert.deepEqual(await tokens('one', 'two three four five six seven', { truncation: 'only_second', maxLength: 6 }), ['[CLS]', 'one', '[SEP]', 'two', 'three', '[SEP]']);
    assert.deepEqual(await tokens('one two three four', 'five six seven eight', { truncation: 'longest_first', maxLength: 7 }), ['[CLS]', 'one', 'two', '[SEP]', 'five', 'six', '[SEP]']);
    const right = await AutoTokenizer.fromPretrained(BERT_UNCASED, { truncationSide: 'left' });
    assert.deepEqual(right.convertIdsToTokens((await right(a, { truncation: true, maxLength: 5 })).inputIds), ['[CLS]', 'six', 'seven', 'eight', '[SEP]']);
    // truncation: true with no maxLength uses modelMaxLength (512).
    const long = await tok('word '.repeat(600), { truncation: true });
    assert.equal(long.inputIds.length, 512);
    await assert.rejects(tok('one two three', 'four', { truncation: 'only_second', maxLength: 4 }), /truncat|Sequence/i);
  });

  test('pairs are [CLS] A [SEP] B [SEP] of the separately tokenized texts (MRPC)', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const rows = tsvLines(join(GLUE, 'MRPC', 'dev.tsv')).slice(0, 40).map((l) => l.split('\t'));
    const enc = await tok(rows.map((r) => r[3]), rows.map((r) => r[4]));
    for (let i = 0; i < rows.length; i++) {
      const a = tok.convertTokensToIds(await tok.tokenize(rows[i][3]));
      const b = tok.convertTokensToIds(await tok.tokenize(rows[i][4]));
      assert.deepEqual(enc.inputIds[i], [101, ...a, 102, ...b, 102]);
      assert.deepEqual(enc.tokenTypeIds?.[i], [...new Array(a.length + 2).fill(0), ...new Array(b.length + 1).fill(1)]);
    }
    const truncated = await tok(rows.map((r) => r[3]), rows.map((r) => r[4]), { truncation: true, maxLength: 32, padding: true });
    for (const ids of truncated.inputIds) {
      assert.equal(ids.length, 32);
      assert.equal(ids[0], 101);
      assert.equal(ids.filter((x) => x === 102).length, 2);
    }
    assert.deepEqual(truncated.wordIds(0).slice(0, 2), [null, 0]);
  });

  test('calls with different settings in flight do not see each other\'s settings', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const text = 'word '.repeat(100);
    const [short, full, mid] = await Promise.all([
      tok([text, text], { truncation: true, maxLength: 5 }),
      tok([text, text]),
      tok([text], { truncation: true, maxLength: 20 }),
    ]);
    assert.deepEqual(short.inputIds.map((r) => r.length), [5, 5]);
    assert.deepEqual(full.inputIds.map((r) => r.length), [102, 102]);
    assert.deepEqual(mid.inputIds.map((r) => r.length), [20]);
  });

  test('decode and batchDecode agree with the library\'s own decode', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const ids = [101, 2023, 2003, 1996, 2034, 6251, 1012, 102];
    assert.equal(tok.decode(ids), '[CLS] this is the first sentence. [SEP]');
    assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'this is the first sentence.');
    const rows = tsvLines(join(GLUE, 'SST-2', 'dev.tsv')).slice(0, 50).map((l) => l.split('\t')[0]);
    const enc = await tok(rows);
    const ours = tok.batchDecode(enc.inputIds, { skipSpecialTokens: true });
    const library = await tok.backendTokenizer.decodeBatch(enc.inputIds, true);
    assert.deepEqual(ours, library);
    assert.throws(() => tok.decode([999999]), /outside the vocabulary/);
  });

  test('a folder with only vocab.txt gives the same tokenizer as tokenizer.json', async () => {
    const dir = tempDir();
    copyFileSync(join(BERT_UNCASED, 'vocab.txt'), join(dir, 'vocab.txt'));
    const fromVocab = await AutoTokenizer.fromPretrained(dir);
    const fromJson = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const rows = tsvLines(join(GLUE, 'MRPC', 'train.tsv')).slice(0, 200).map((l) => l.split('\t'));
    const a = await fromVocab(rows.map((r) => r[3]), rows.map((r) => r[4]), { truncation: true, maxLength: 64 });
    const b = await fromJson(rows.map((r) => r[3]), rows.map((r) => r[4]), { truncation: true, maxLength: 64 });
    assert.deepEqual(a.inputIds, b.inputIds);
    assert.equal(fromVocab.doLowerCase, true);
    // An unnamed folder has no known maximum length, as in Hugging Face.
    assert.equal(fromVocab.modelMaxLength, 1e30);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 128 }));
    const cased = await AutoTokenizer.fromPretrained(dir);
    assert.equal(cased.modelMaxLength, 128);
    assert.deepEqual(await cased.tokenize('Hello'), ['[UNK]']);
  });

  test('savePretrained writes files that load back to the same tokenizer', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    await tok('warm up with settings', { truncation: true, maxLength: 4, padding: 'max_length' });
    const dir = tempDir();
    const files = await tok.savePretrained(dir);
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) assert.ok(files.includes(join(dir, f)), f);
    const saved = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    assert.equal(saved.truncation, null, 'call settings are not saved as defaults');
    assert.equal(saved.padding, null);
    assert.equal(readFileSync(join(dir, 'vocab.txt'), 'utf8'), readFileSync(join(BERT_UNCASED, 'vocab.txt'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.model_max_length, 512);
    assert.equal(config.tokenizer_class, 'BertTokenizerFast');
    const back = await AutoTokenizer.fromPretrained(dir);
    assert.equal(back.modelMaxLength, 512);
    const text = 'The quick brown fox jumps over the lazy dog.';
    assert.deepEqual((await back(text)).inputIds, (await tok(text)).inputIds);
  });
});

describe('bert-base-multilingual-cased on Korean', { skip: NEEDS_SHARED }, () => {
  test('NSMC reviews: ids are vocab.txt lines and wordpieces rebuild the text', async () => {
    const tok = await AutoTokenizer.fromPretrained(BERT_MULTI);
    const vocab = vocabIds(BERT_MULTI);
    const docs = tsvLines(shared('datasets', 'nsmc', 'ratings_train.txt')).slice(0, 30).map((l) => l.split('\t')[1]).filter((d) => d.trim() !== '');
    const enc = await tok(docs);
    docs.forEach((doc, i) => {
      const ids = enc.inputIds[i];
      const tokens = tok.convertIdsToTokens(ids);
      tokens.forEach((t, k) => assert.equal(vocab.get(t), ids[k]));
      assert.equal(ids[0], vocab.get('[CLS]'));
      // Cased mBERT keeps Hangul as is: the pieces without "##" and specials spell the review.
      const pieces = tokens.slice(1, -1);
      if (!pieces.includes('[UNK]')) assert.equal(pieces.map((p) => p.replace(/^##/, '')).join(''), doc.replace(/\s+/g, ''));
    });
    assert.equal(tok.doLowerCase, false);
    assert.ok(vocab.has('영화'));
    assert.deepEqual(await tok.tokenize('영화'), ['영화']);
  });
});

describe('tokenizer file errors', { skip: NEEDS_SHARED }, () => {
  const invalid = (name: string): string => join(FIXTURES, 'invalid', name);

  test('missing paths and folders without tokenizer files', async () => {
    await assert.rejects(AutoTokenizer.fromPretrained('./no/such/tokenizer'), /no such file or directory.*tokenizer/);
    await assert.rejects(AutoTokenizer.fromPretrained(tempDir()), /no tokenizer found; expected tokenizer\.json .* or vocab\.txt/);
    await assert.rejects(AutoTokenizer.fromPretrained('someone/some-model'), /Hub client is not available yet/);
  });

  test('broken tokenizer.json files name the file and what was expected', async () => {
    const cases: [string, RegExp][] = [
      ['wrong-model-type.json', /unknown model type "NotWordPiece"/],
      ['wrong-normalizer.json', /unknown normalizer type "NotBertNormalizer"/],
      ['wrong-pretokenizer.json', /unknown pre-tokenizer type "NotBertPreTokenizer"/],
      ['wrong-version.json', /unsupported tokenizer\.json version "2\.0"; expected "1\.0"/],
    ];
    for (const [file, message] of cases) {
      const err = await AutoTokenizer.fromPretrained(invalid(file)).then(() => null, (e: Error) => e);
      assert.ok(err, `${file} should fail`);
      assert.match(err.message, message);
      assert.ok(err.message.includes(invalid(file)), `${file}: message names the path: ${err.message}`);
    }
    const dir = tempDir();
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
    await assert.rejects(AutoTokenizer.fromPretrained(dir), /tokenizer\.json: invalid JSON/);
  });

  test('a special token missing from the model vocab is an error, not wrong ids', async () => {
    // The file says [SEP] is 102, but model.vocab lacks it, so the library would number it 4
    // while the post-processor still inserts 102.
    const file = invalid('missing-sep-in-vocab.json');
    await assert.rejects(AutoTokenizer.fromPretrained(file), (e: Error) => e.message.includes(file) && /\[SEP\]" has id 102 in the file, but the vocabulary gives 4/.test(e.message));
  });

  test('vocab.txt without a required special token names the token', async () => {
    for (const [file, token] of [['no-unk.txt', '[UNK]'], ['no-sep.txt', '[SEP]'], ['no-cls.txt', '[CLS]'], ['no-pad.txt', '[PAD]']]) {
      const err = await AutoTokenizer.fromPretrained(invalid(file)).then(() => null, (e: Error) => e);
      assert.ok(err, `${file} should fail`);
      assert.ok(err.message.includes(invalid(file)) && err.message.includes(`${token} is not in the vocabulary`), err.message);
    }
  });

  test('valid variants load and follow their settings', async () => {
    const minimal = await AutoTokenizer.fromPretrained(join(FIXTURES, 'minimal.json'));
    assert.deepEqual((await minimal('anything')).inputIds, [101, 100, 102]);
    // handle_chinese_chars: each CJK character is its own word, or not.
    assert.deepEqual(await minimal.tokenize('你好'), ['[UNK]', '[UNK]']);
    const noChinese = await AutoTokenizer.fromPretrained(invalid('dont-handle-chinese-chars.json'));
    assert.deepEqual(await noChinese.tokenize('你好'), ['[UNK]']);
    assert.ok(existsSync(join(FIXTURES, 'with-empty-token.json')));
    const empty = await AutoTokenizer.fromPretrained(join(FIXTURES, 'with-empty-token.json'));
    assert.deepEqual((await empty('x')).inputIds, [101, 100, 102]);
  });

  test('bad call arguments are errors, not silent conversions', async () => {
    const tok = await AutoTokenizer.fromPretrained(join(FIXTURES, 'minimal.json'));
    await assert.rejects(tok(['ok', null as unknown as string]), /text\[1\] is null; expected a string/);
    await assert.rejects(tok(['a', 'b'], ['c']), /same length/);
    await assert.rejects(tok('a', { truncaton: true } as object), /unknown option 'truncaton'/);
    await assert.rejects(tok('a', { padding: 'max_length' }), /needs maxLength/);
  });
});
