// The same seed, the same numbers: finetune's Trainer draws its random numbers where
// transformers' does (the DataLoader iterator's base seed, the length-grouped order from
// torch.randperm on the global generator, dropout, an evaluation's own DataLoader draw, a new
// order in the second epoch), so a run gives the losses the real transformers.Trainer logged
// (test/fixtures/trainer/rng_run.json, made by scripts/fixtures/make_trainer_rng_fixture.py).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { AutoModelForSequenceClassification, AutoTokenizer, Dataset, Trainer, TrainingArguments, logging, torch } from '../../src/index.js';
import { tempDir } from '../data/helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const MODEL = join(root, '..', 'shared', 'checkpoints', 'tiny-bert-seqcls-hf4.30');
const fixture = JSON.parse(readFileSync(new URL('../fixtures/trainer/rng_run.json', import.meta.url), 'utf8')) as {
  settings: Record<string, number | string>; losses: [number, number][]; eval_losses: [number, number][];
};

describe('Trainer random numbers, against transformers.Trainer', { skip: existsSync(MODEL) ? false : `${MODEL} is missing` }, () => {
  it('logs the losses transformers logged, step for step, across an evaluation and an epoch boundary (1e-4; ours are rounded to 4 digits)', async () => {
    logging.setVerbosity('error');
    const previousThreads = torch.getNumThreads();
    torch.setNumThreads(1);
    try {
      const rows = readFileSync(join(root, 'data/sentence-polarity/train.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 40).map((l) => JSON.parse(l) as Record<string, unknown>);
      const tokenizer = await AutoTokenizer.fromPretrained(MODEL);
      const encode = (ds: Dataset) => ds.map((b) => tokenizer(b.sentence as string[], undefined, { truncation: true, maxLength: 64 }), { batched: true });
      const [train, evaluation] = await Promise.all([encode(Dataset.fromList(rows.slice(0, 32))), encode(Dataset.fromList(rows.slice(32)))]);
      torch.manualSeed(42);
      const model = await AutoModelForSequenceClassification.fromPretrained(MODEL);
      const args = new TrainingArguments({
        ...fixture.settings, output_dir: tempDir('finetune-rng-'), group_by_length: true, save_strategy: 'no', report_to: [],
      });
      const trainer = new Trainer({ model, args, tokenizer, trainDataset: train, evalDataset: evaluation });
      await trainer.train();
      const history = trainer.state.logHistory;
      const losses = history.filter((h) => typeof h.loss === 'number').map((h) => [h.step, h.loss as number]);
      const evalLosses = history.filter((h) => typeof h.eval_loss === 'number').map((h) => [h.step, h.eval_loss as number]);
      assert.deepEqual(losses.map(([s]) => s), fixture.losses.map(([s]) => s));
      for (const [i, [step, expected]] of fixture.losses.entries()) {
        assert.ok(Math.abs(losses[i][1] - expected) < 1e-4, `step ${step}: loss ${losses[i][1]}, transformers ${expected}`);
      }
      assert.deepEqual(evalLosses.map(([s]) => s), fixture.eval_losses.map(([s]) => s));
      for (const [i, [step, expected]] of fixture.eval_losses.entries()) {
        assert.ok(Math.abs(evalLosses[i][1] - expected) < 1e-4, `step ${step}: eval loss ${evalLosses[i][1]}, transformers ${expected}`);
      }
    } finally {
      torch.setNumThreads(previousThreads);
      logging.setVerbosity('warning');
    }
  });
});
