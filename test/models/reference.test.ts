// The base models against outputs computed by Python transformers in float64
// (../shared/checkpoints/reference-{bert,distilbert,roberta}: model.safetensors without
// prefix, config.json, expected.json). Parity target 2e-5, computed here in float64 too.
// Also the real transformers checkpoints in ../shared that need the .bin readers.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { torch } from '../../src/index.js';
import { AutoModel, AutoModelForSequenceClassification, BertModel, logging } from '../../src/models/index.js';

const SHARED = fileURLToPath(new URL('../../../shared/checkpoints/', import.meta.url));
const HAVE_SHARED = existsSync(SHARED);
const SKIP_SHARED = HAVE_SHARED ? false : `../shared/checkpoints is absent (looked in ${SHARED})`;
const HAVE_BIN_READER = existsSync(fileURLToPath(new URL('../../src/models/checkpoint.ts', import.meta.url)));
const SKIP_BIN = SKIP_SHARED || (HAVE_BIN_READER ? false : 'the pytorch_model.bin readers (src/models/checkpoint.ts) are not installed');

interface Reference { sequences: number[][]; token_types: number[][]; hidden: number[][][]; pooler?: number[][] }

function maxAbsDiff(actual: number[], expected: number[]): number {
  assert.equal(actual.length, expected.length);
  return actual.reduce((m, a, i) => Math.max(m, Math.abs(a - expected[i])), 0);
}

describe('base models reproduce Python transformers (float64 references)', { skip: SKIP_SHARED }, () => {
  for (const family of ['bert', 'distilbert', 'roberta']) {
    const dir = `${SHARED}reference-${family}`;
    for (const dtype of ['float64', 'float32'] as const) {
      // float64 is the parity target (2e-5); float32 shows the ordinary precision (1e-4)
      const tolerance = dtype === 'float64' ? 2e-5 : 1e-4;
      it(`${family} in ${dtype}: hidden${family === 'distilbert' ? '' : ' and pooler'} within ${tolerance}`, async () => {
        logging.setVerbosity('error');
        const ref = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Reference;
        const model = await AutoModel.fromPretrained(dir, { dtype });
        assert.deepEqual(model.loadingInfo?.missingKeys, [], 'every weight comes from the checkpoint');
        const inputs = { input_ids: torch.tensor(ref.sequences, { dtype: 'int64' }), token_type_ids: torch.tensor(ref.token_types, { dtype: 'int64' }) };
        const out = torch.noGrad(() => model.forward(inputs)) as { lastHiddenState: torch.Tensor; poolerOutput?: torch.Tensor };
        assert.equal(out.lastHiddenState.dtype, dtype);
        const hidden = maxAbsDiff(Array.from(out.lastHiddenState.data() as Float64Array), ref.hidden.flat(2));
        assert.ok(hidden <= tolerance, `hidden differs by ${hidden}`);
        if (ref.pooler) {
          const pooler = maxAbsDiff(Array.from(out.poolerOutput!.data() as Float64Array), ref.pooler.flat());
          assert.ok(pooler <= tolerance, `pooler differs by ${pooler}`);
        }
        torch.dispose([out, inputs]);
      });
    }
  }

  it('RoBERTa positions start after the padding id (BERT-style positions would not match)', async () => {
    logging.setVerbosity('error');
    const dir = `${SHARED}reference-roberta`;
    const ref = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Reference;
    const model = await AutoModel.fromPretrained(dir, { dtype: 'float64' });
    const ids = torch.tensor(ref.sequences, { dtype: 'int64' });
    const seq = ids.size(1);
    // explicit positions 0..T-1, as BERT would use: the result must move away from the reference
    const bertPositions = torch.arange(seq).unsqueeze(0).expand(ids.size(0), seq);
    const out = torch.noGrad(() => model.forward({ input_ids: ids, position_ids: bertPositions }));
    const wrong = maxAbsDiff(Array.from(out.lastHiddenState.data() as Float64Array), ref.hidden.flat(2));
    assert.ok(wrong > 1e-3, `positions from 0 should not reproduce RoBERTa (differs by ${wrong})`);
  });
});

describe('real transformers checkpoints in ../shared (pytorch_model.bin)', { skip: SKIP_BIN }, () => {
  it('tiny-bert-seqcls-hf4.30 loads as a task model (position_ids buffer ignored) and as a base model', async () => {
    const messages: string[] = [];
    const previous = logging.setHandler((_level, m) => messages.push(m));
    logging.setVerbosity('warning');
    try {
      const dir = `${SHARED}tiny-bert-seqcls-hf4.30`;
      const task = await AutoModelForSequenceClassification.fromPretrained(dir);
      assert.deepEqual(task.loadingInfo?.missingKeys, []);
      assert.deepEqual(task.loadingInfo?.unexpectedKeys, [], 'bert.embeddings.position_ids is a buffer: ignored silently');
      assert.equal(messages.length, 0, messages.join('\n'));
      const base = await BertModel.fromPretrained(dir);
      assert.deepEqual(base.loadingInfo?.missingKeys, []);
      assert.deepEqual(base.loadingInfo?.unexpectedKeys, ['classifier.bias', 'classifier.weight']);
      // the base model inside the task model and the one loaded alone compute the same thing
      // (both through the eager layers: asking for hidden states keeps the fused kernel out)
      const ids = torch.tensor([[101, 7, 42, 102, 0]], { dtype: 'int64' });
      const mask = torch.tensor([[1, 1, 1, 1, 0]], { dtype: 'int64' });
      const a = torch.noGrad(() => task.forward({ input_ids: ids, attention_mask: mask, outputHiddenStates: true }).hiddenStates!.at(-1)!);
      const b = torch.noGrad(() => base.forward({ input_ids: ids, attention_mask: mask, outputHiddenStates: true }).lastHiddenState);
      assert.equal(a.sub(b).abs().max().item(), 0);
      const fused = torch.noGrad(() => base.forward({ input_ids: ids, attention_mask: mask }).lastHiddenState);
      assert.ok(a.sub(fused).abs().max().item() < 1e-5);
    } finally {
      logging.setHandler(previous);
      logging.setVerbosity('error');
    }
  });

  it('tiny-bert-tokcls-hf4.8 loads, and its vocab.txt being longer than the embedding is reported', async () => {
    const messages: string[] = [];
    const previous = logging.setHandler((_level, m) => messages.push(m));
    logging.setVerbosity('warning');
    try {
      const model = await AutoModel.fromPretrained(`${SHARED}tiny-bert-tokcls-hf4.8`);
      assert.ok(messages.some((m) => /vocab\.txt has 405 tokens but the model's word embedding has 402 rows/.test(m)), messages.join('\n'));
      assert.ok(model.loadingInfo!.missingKeys.every((k) => k.startsWith('pooler.')), 'only the pooler (absent in token classifiers) is new');
      assert.throws(() => model.forward({ input_ids: torch.tensor([[1, 404]], { dtype: 'int64' }) }), /ids must lie in \[0, 402\).*vocab_size.*404/);
    } finally {
      logging.setHandler(previous);
      logging.setVerbosity('error');
    }
  });

  it('legacy-bert-2019 (no model_type; legacy torch.save format) loads by its name', async () => {
    logging.setVerbosity('error');
    const model = await AutoModel.fromPretrained(`${SHARED}legacy-bert-2019`);
    assert.equal(model.constructor.name, 'BertModel');
    assert.deepEqual(model.loadingInfo?.missingKeys, []);
  });
});
