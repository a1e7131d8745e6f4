// Every checkpoint-<step>/ is loadable as save_pretrained's output is: config.json with
// transformers_version, and the tokenizer's files when the Trainer has one (processingClass, or
// the deprecated tokenizer option), as transformers' Trainer saves processing_class there.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { AutoTokenizer, TRANSFORMERS_VERSION, Trainer } from '../../src/index.js';
import { args, syntheticDataset, tinyModel, tmp } from './trainer_helpers.js';

const TOKENIZER = fileURLToPath(new URL('../../../shared/tokenizers/bert-base-uncased', import.meta.url));
const SKIP = existsSync(TOKENIZER) ? false : `../shared is absent (looked for ${TOKENIZER})`;
const checkpoints = (dir: string) => readdirSync(dir).filter((n) => /^checkpoint-\d+$/.test(n)).sort();

describe('checkpoint-<step> folders', { skip: SKIP }, () => {
  for (const option of ['processingClass', 'tokenizer'] as const) {
    it(`hold the tokenizer's files and a stamped config.json (${option})`, async () => {
      const out = tmp('checkpoint-files');
      const tokenizer = await AutoTokenizer.fromPretrained(TOKENIZER);
      const trainer = new Trainer({
        model: tinyModel(), args: args(out, { maxSteps: 4, saveSteps: 2, perDeviceTrainBatchSize: 4 }),
        trainDataset: syntheticDataset(16), [option]: tokenizer,
      });
      await trainer.train();
      assert.deepEqual(checkpoints(out), ['checkpoint-2', 'checkpoint-4']);
      for (const name of checkpoints(out)) {
        const dir = join(out, name);
        for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) assert.ok(existsSync(join(dir, f)), `${name}/${f} is missing`);
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
        assert.equal(config.transformers_version, TRANSFORMERS_VERSION);
        const reloaded = await AutoTokenizer.fromPretrained(dir);
        assert.deepEqual((await reloaded('hello world')).input_ids, (await tokenizer('hello world')).input_ids);
      }
    });
  }

  it('hold no tokenizer files when the Trainer has no tokenizer', async () => {
    const out = tmp('checkpoint-files');
    await new Trainer({ model: tinyModel(), args: args(out, { maxSteps: 2, saveSteps: 2, perDeviceTrainBatchSize: 4 }), trainDataset: syntheticDataset(8) }).train();
    assert.equal(existsSync(join(out, 'checkpoint-2', 'tokenizer.json')), false);
    assert.ok(existsSync(join(out, 'checkpoint-2', 'config.json')));
  });
});
