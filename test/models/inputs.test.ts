// forward() takes what tokenizers and collators give (Hugging Face's snake_case keys or
// camelCase, tensors or arrays, a BatchEncoding as is), refuses keys it does not know, and
// frees its temporaries. The acceptance program runs here too (with ../shared).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, before } from 'node:test';

import { torch } from '../../src/index.js';
import { AutoTokenizer } from '../../src/index.js';
import {
  AutoConfig, AutoModelForSequenceClassification, BertConfig, BertForSequenceClassification, DistilBertForSequenceClassification, logging,
} from '../../src/models/index.js';

logging.setVerbosity('error');
const fixtures = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
const SKIP_SHARED = existsSync(SHARED) ? false : `../shared is absent (looked in ${SHARED})`;

describe('forward inputs', () => {
  let model: BertForSequenceClassification;
  const rows = [[2, 7, 9, 3, 0], [2, 5, 3, 0, 0]];
  const maskRows = [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]];
  const typeRows = [[0, 0, 1, 1, 0], [0, 0, 0, 0, 0]];
  before(async () => {
    model = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'));
  });
  const logitsOf = (inputs: Parameters<BertForSequenceClassification['forward']>[0]) => torch.noGrad(() => model.forward(inputs).logits.toArray());

  it('snake_case, camelCase, arrays and tensors give the same logits', () => {
    const t = (a: number[][]) => torch.tensor(a, { dtype: 'int64' });
    const reference = logitsOf({ input_ids: t(rows), attention_mask: t(maskRows), token_type_ids: t(typeRows) });
    assert.deepEqual(logitsOf({ inputIds: t(rows), attentionMask: t(maskRows), tokenTypeIds: t(typeRows) }), reference);
    assert.deepEqual(logitsOf({ input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows }), reference);
    // the padding matters: without the mask the first row's logits change
    assert.notDeepEqual(logitsOf({ input_ids: rows, token_type_ids: typeRows }), reference);
    // a bare tensor is input_ids (no mask, default token types)
    assert.deepEqual(logitsOf(t(rows)), logitsOf({ input_ids: rows }));
  });

  it('tokenizer extras are ignored; unknown keys and mismatched shapes are errors', () => {
    const reference = logitsOf({ input_ids: rows, attention_mask: maskRows });
    assert.deepEqual(logitsOf({ input_ids: rows, attention_mask: maskRows, special_tokens_mask: maskRows, length: [4, 3] }), reference);
    assert.throws(() => model.forward({ input_ids: rows, atention_mask: maskRows }), /BertForSequenceClassification\.forward: unexpected input 'atention_mask' \(accepted: input_ids\/inputIds, attention_mask/);
    assert.throws(() => model.forward({ input_ids: rows, attention_mask: [[1, 1]] }), /attention_mask has shape \[1, 2\] but input_ids has \[2, 5\]/);
    assert.throws(() => model.forward({ attention_mask: maskRows }), /input_ids \(or inputIds\) is required/);
    assert.throws(() => model.forward({ input_ids: [1, 2, 3] }), /input_ids must have shape \[batch, sequence\]/);
  });

  it('DistilBERT ignores token type ids (it has none), BERT uses them', async () => {
    const distil = await DistilBertForSequenceClassification.fromPretrained(join(fixtures, 'distilbert'));
    const a = torch.noGrad(() => distil.forward({ input_ids: rows, attention_mask: maskRows }).logits.toArray());
    const b = torch.noGrad(() => distil.forward({ input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows }).logits.toArray());
    assert.deepEqual(a, b);
    assert.notDeepEqual(logitsOf({ input_ids: rows, attention_mask: maskRows }), logitsOf({ input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows }));
  });

  it('hidden states and attentions on request, from the config or per call', async () => {
    const plain = torch.noGrad(() => model.forward({ input_ids: rows }));
    assert.equal(plain.hiddenStates, undefined);
    assert.equal(plain.attentions, undefined);
    const asked = torch.noGrad(() => model.forward({ input_ids: rows, outputAttentions: true }));
    assert.equal(asked.attentions!.length, 2);
    assert.deepEqual(asked.attentions![0].shape, [2, 4, 5, 5]);
    const configured = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'), { outputHiddenStates: true });
    assert.equal(torch.noGrad(() => configured.forward({ input_ids: rows })).hiddenStates!.length, 3);
  });

  it('a bfloat16 model computes close to the float32 one (mask value and all in bfloat16)', async () => {
    const half = await BertForSequenceClassification.fromPretrained(join(fixtures, 'bert'), { dtype: 'bfloat16' });
    const batch = { input_ids: rows, attention_mask: maskRows, token_type_ids: typeRows };
    const low = torch.noGrad(() => half.forward(batch).logits);
    assert.equal(low.dtype, 'bfloat16');
    const reference = torch.noGrad(() => model.forward(batch).logits);
    const diff = torch.tidy(() => low.float().sub(reference).abs().max().item());
    assert.ok(diff < 0.1 && Number.isFinite(diff), `bfloat16 logits differ by ${diff}`);
  });

  it('a forward pass leaves no temporaries behind', () => {
    // activations of 16×64×64 floats (256 KiB) are large enough for the allocator's statistics
    const big = BertForSequenceClassification.fromConfig(new BertConfig({ vocabSize: 100, hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 256, maxPositionEmbeddings: 64 }));
    const input = torch.tensor(Array.from({ length: 16 }, () => Array.from({ length: 64 }, (_, i) => (i * 7) % 100)), { dtype: 'int64' });
    const mask = torch.onesLike(input);
    const before = torch.memoryStats().inUseBytes;
    const out = torch.noGrad(() => big.forward({ input_ids: input, attention_mask: mask, outputHiddenStates: false }));
    assert.equal(torch.memoryStats().inUseBytes, before, 'only the small logits outlive forward()');
    torch.dispose([out, input, mask]);
  });
});

describe('the acceptance program of the issue', { skip: SKIP_SHARED }, () => {
  it('builds from a config, computes a loss, saves and reloads to identical logits', async () => {
    const config = await AutoConfig.fromPretrained(join(SHARED, 'configs/bert-tiny'), { numLabels: 2 });
    const model = AutoModelForSequenceClassification.fromConfig(config);
    const tokenizer = await AutoTokenizer.fromPretrained(join(SHARED, 'tokenizers/bert-base-uncased'));
    const batch = await tokenizer(['I love this movie.', 'Terrible.'], undefined, { padding: true, returnTensors: 'pt' });
    model.eval();
    const out = torch.noGrad(() => model.forward({ ...batch, labels: torch.tensor([1, 0], { dtype: 'int64' }) }));
    assert.ok(Math.abs(out.loss.item() - Math.log(2)) < 0.1, `an untrained 2-way classifier's loss ≈ ln 2, got ${out.loss.item()}`);
    assert.deepEqual(out.logits.shape, [2, 2]);
    const dir = mkdtempSync(join(tmpdir(), 'finetune-ckpt-'));
    await model.savePretrained(dir);
    const again = await AutoModelForSequenceClassification.fromPretrained(dir);
    again.eval();
    assert.equal(torch.noGrad(() => again.forward(batch).logits.sub(out.logits).abs().max().item()), 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
