// The pretrained all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384), resolved offline from the
// Hugging Face cache where scripts/install.sh puts it: finetune's AutoModel and AutoTokenizer
// give what Python's transformers gives (test/fixtures/models/minilm, made by
// scripts/fixtures/make_minilm_fixture.py): the same token ids, hidden states to 1e-5.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { AutoModel, AutoTokenizer, logging, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { hubCacheDir } from '../../src/hub/cache.js';

const REPO = 'sentence-transformers/all-MiniLM-L6-v2';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/minilm/expected.json', import.meta.url), 'utf8')) as {
  sentences: string[]; input_ids: number[][]; attention_mask: number[][];
  last_hidden_state: { shape: number[]; data: number[] }; pooler_output: { shape: number[]; data: number[] };
};

function cached(): string | false {
  const root = join(hubCacheDir(), 'models--sentence-transformers--all-MiniLM-L6-v2');
  if (existsSync(join(root, 'refs', 'main'))) return false;
  const why = `${REPO} is not in the Hugging Face cache (${root}): run bash scripts/install.sh`;
  if (process.env.CI === 'true') throw new Error(`minilm test: ${why}`);
  return why;
}

function maxDiff(actual: Tensor, expected: { shape: number[]; data: number[] }): number {
  assert.deepEqual(actual.shape, expected.shape);
  const values = actual.data() as Float32Array;
  return expected.data.reduce((m, v, i) => Math.max(m, Math.abs(values[i] - v)), 0);
}

describe(`${REPO} offline (HF_HUB_OFFLINE=1)`, { skip: cached() }, () => {
  it('AutoModel and AutoTokenizer resolve it from the cache and match transformers: ids exact, hidden states to 1e-5', async () => {
    const offline = process.env.HF_HUB_OFFLINE;
    process.env.HF_HUB_OFFLINE = '1';
    logging.setVerbosity('error');
    try {
      const tokenizer = await AutoTokenizer.fromPretrained(REPO);
      const model = await AutoModel.fromPretrained(REPO);
      model.eval();
      assert.equal(model.constructor.name, 'BertModel');
      const batch = await tokenizer(fixture.sentences, undefined, { padding: true, truncation: true, maxLength: 64, returnTensors: 'pt' });
      assert.deepEqual((batch.input_ids as Tensor).tolist(), fixture.input_ids);
      assert.deepEqual((batch.attention_mask as Tensor).tolist(), fixture.attention_mask);
      const out = torch.noGrad(() => model.forward(batch));
      const hidden = maxDiff(out.lastHiddenState, fixture.last_hidden_state);
      const pooled = maxDiff(out.poolerOutput!, fixture.pooler_output);
      assert.ok(hidden <= 1e-5, `last_hidden_state: max |Δ| ${hidden}`);
      assert.ok(pooled <= 1e-5, `pooler_output: max |Δ| ${pooled}`);
    } finally {
      if (offline === undefined) delete process.env.HF_HUB_OFFLINE;
      else process.env.HF_HUB_OFFLINE = offline;
      logging.setVerbosity('warning');
    }
  });
});
