// SFTTrainer vs TRL's SFTTrainer (peers' environment) on a tiny random Llama: the same model and
// LoRA adapter (the one peft drew before TRL trained, loaded here), the same rows in the same
// batches (TRL's RandomSampler order, replayed), lora_dropout 0, lr 1e-2 with TRL's defaults
// otherwise (AdamW, linear decay, no warmup, loss normalised by the batch's label tokens) →
// per-step training losses within 1e-4 over 20 steps. Fixture: test/fixtures/trl/sft_parity, made
// by scripts/fixtures/make_trl_sft_parity_fixtures.py.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { SFTConfig, SFTTrainer, torch, LlamaForCausalLM } from '../../src/index.js';
import { PeftModel } from '../../src/peft/peft_model.js';
import { DataLoader } from '../../src/data/dataloader.js';
import { AutoTokenizer } from '../../src/tokenizers/auto.js';
import type { Sampler } from '../../src/data/samplers.js';
import { tmp } from '../trainer/trainer_helpers.js';

const FIX = fileURLToPath(new URL('../fixtures/trl/sft_parity/', import.meta.url));
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as {
  rows: number[][]; order: number[][]; losses: number[]; args: { batch: number; lr: number; steps: number; seed: number };
};
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** TRL's batches in TRL's order (torch's RandomSampler stream, which finetune's sampler does not reproduce). */
class ReplayedOrder implements Sampler {
  readonly order = expected.order.flat();
  get length() { return this.order.length; }
  [Symbol.iterator]() { return this.order[Symbol.iterator](); }
}

class ReplayingSFTTrainer extends SFTTrainer {
  override getTrainDataloader() {
    return new DataLoader(this.trainDataset as never, { batchSize: this.args.trainBatchSize, sampler: new ReplayedOrder(), collateFn: this.dataCollator as never });
  }
}

describe('SFTTrainer vs TRL (tiny random Llama, LoRA, 20 steps)', () => {
  const cases = [
    { name: 'batch 4', batch: 4, accumulation: 1 },
    // micro-batches of 2: the loss is normalised by the label tokens of both (numItemsInBatch), so the steps are TRL's batch-4 steps
    { name: 'batch 2 × 2 accumulated', batch: 2, accumulation: 2 },
  ];
  for (const c of cases) it(`per-step training losses within 1e-4 of TRL's (${c.name})`, async () => {
    const base = await LlamaForCausalLM.fromPretrained(join(FIX, 'model'), { dtype: 'float32' });
    const model = PeftModel.fromPretrained(base, join(FIX, 'initial_adapter'), { isTrainable: true });
    const tokenizer = await AutoTokenizer.fromPretrained(join(FIX, 'tokenizer'));
    const outputDir = tmp('sft-parity');
    dirs.push(outputDir);
    const { lr, steps, seed } = expected.args;
    const args = new SFTConfig({ outputDir, maxSteps: steps, perDeviceTrainBatchSize: c.batch, gradientAccumulationSteps: c.accumulation, learningRate: lr, loggingSteps: 1, seed, reportTo: 'none', saveStrategy: 'no', maxLength: null, disableTqdm: true });
    const trainer = new ReplayingSFTTrainer(model as never, { args, trainDataset: expected.rows.map((ids) => ({ input_ids: ids })), processingClass: tokenizer as never });
    await trainer.train();
    const losses = trainer.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss as number);
    assert.equal(losses.length, steps);
    const worst = Math.max(...losses.map((l, i) => Math.abs(l - expected.losses[i])));
    assert.ok(worst < 1e-4, `largest per-step difference ${worst}\nours ${losses.map((l) => l.toFixed(6)).join(' ')}\nTRL  ${expected.losses.map((l) => l.toFixed(6)).join(' ')}`);
    // the adapter trained: the last losses are below the first (so matching them is not matching a constant)
    assert.ok(losses[steps - 1] < losses[0] - 0.02);
  });
});
