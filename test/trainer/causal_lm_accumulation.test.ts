// The Trainer's gradient accumulation on a causal LM, as transformers' since its accumulation
// fix: the batches of a group are counted together (num_items_in_batch), so two accumulated
// micro-batches of 2 with unequal label counts train exactly as one batch of 4.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { Dataset, LlamaConfig, LlamaForCausalLM, Trainer, TrainingArguments, torch } from '../../src/index.js';

function model(): LlamaForCausalLM {
  torch.manualSeed(0);
  return LlamaForCausalLM.fromConfig(new LlamaConfig({
    vocabSize: 40, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 1, numAttentionHeads: 2, maxPositionEmbeddings: 16, padTokenId: 0,
  }), { dtype: 'float64' });
}

const ids = [[5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16], [17, 18, 19, 20, 21, 22], [23, 24, 25, 26, 27, 28]];
// rows with 5, 2, 5 and 1 label tokens after the shift
const labels = [[5, 6, 7, 8, 9, 10], [-100, -100, -100, 14, 15, -100], [17, 18, 19, 20, 21, 22], [-100, -100, -100, -100, -100, 28]];

async function train(batchSize: number, accumulation: number): Promise<LlamaForCausalLM> {
  const m = model();
  const args = new TrainingArguments({
    outputDir: mkdtempSync(join(tmpdir(), 'ft-gas-')), reportTo: 'none', logLevel: 'error', saveStrategy: 'no', maxSteps: 1,
    perDeviceTrainBatchSize: batchSize, gradientAccumulationSteps: accumulation, learningRate: 0.1, optim: 'sgd', lrSchedulerType: 'constant',
  });
  const trainDataset = Dataset.fromDict({ input_ids: ids, attention_mask: ids.map((r) => r.map(() => 1)), labels });
  const trainer = new Trainer({ model: m, args, trainDataset });
  await trainer.train();
  return m;
}

describe('Trainer: gradient accumulation on a causal LM uses num_items_in_batch', () => {
  it('2 accumulated batches of 2 give the same update as one batch of 4', async () => {
    const full = await train(4, 1);
    const accumulated = await train(2, 2);
    const a = new Map(full.namedParameters());
    for (const [name, p] of accumulated.namedParameters()) {
      const diff = p.sub(a.get(name)!).abs().max().item() as number;
      assert.ok(diff < 1e-8, `${name} differs by ${diff}`);
    }
  });
});
