// The Trainer on a PeftModel as it is: only the adapter's parameters reach the optimizer (the
// base weights get neither gradients nor optimizer state), checkpoints hold the adapter and the
// modules to save and nothing else, and loadBestModelAtEnd and resuming work from them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { LoraConfig, PeftModel, Trainer, getPeftModel, torch } from '../../src/index.js';
import { args, syntheticDataset, tinyModel, tmp } from '../trainer/trainer_helpers.js';

function peftModel(adapterSeed = 0): PeftModel {
  const base = tinyModel(0);
  torch.manualSeed(adapterSeed);
  return getPeftModel(base, new LoraConfig({ r: 4, loraAlpha: 8, loraDropout: 0.1, taskType: 'SEQ_CLS' }));
}

const losses = (history: Record<string, number>[], after = 0) => history.filter((e) => 'loss' in e && e.step > after).map((e) => [e.step, e.loss, e.grad_norm, e.learning_rate]);

describe('Trainer with a PeftModel', () => {
  it('trains only the adapter: the optimizer holds just the trainable parameters, base weights stay put', async () => {
    const model = peftModel();
    const frozen = [...model.namedParameters()].filter(([, p]) => !p.requiresGrad);
    const before = new Map(frozen.map(([n, p]) => [n, p.clone()]));
    const trainable = model.parameters().filter((p) => p.requiresGrad);
    const trainer = new Trainer({ model, args: args(tmp('peft-train'), { maxSteps: 6, saveStrategy: 'no', learningRate: 5e-3 }), trainDataset: syntheticDataset(48) });
    const result = await trainer.train();
    assert.ok(Number.isFinite(result.trainingLoss));
    const inOptimizer = trainer.optimizer!.paramGroups.flatMap((g) => g.params);
    assert.equal(inOptimizer.length, trainable.length);
    assert.ok(inOptimizer.every((p) => trainable.includes(p as never)));
    assert.equal(trainer.optimizer!.state.size, trainable.length, 'optimizer state only for the adapter');
    for (const [n, p] of frozen) {
      assert.equal(p.grad, null, `${n} got no gradient`);
      assert.ok(p.equal(before.get(n)!), `${n} unchanged`);
    }
    const lora = model.base_model.model as unknown as { bert: { encoder: { layer: { get(i: number): { attention: { self: { query: { lora_B: { get(n: string): { weight: torch.Tensor } } } } } } } } } };
    assert.ok(lora.bert.encoder.layer.get(0).attention.self.query.lora_B.get('default')!.weight.abs().sum().item() > 0, 'B moved from zero');
  });

  it('checkpoints hold only the adapter and the classifier; loadBestModelAtEnd restores the best one', async () => {
    const out = tmp('peft-best');
    const model = peftModel();
    const trainer = new Trainer({
      model, trainDataset: syntheticDataset(48), evalDataset: syntheticDataset(16, 5),
      args: args(out, { maxSteps: 9, evalStrategy: 'steps', evalSteps: 3, saveStrategy: 'steps', saveSteps: 3, loadBestModelAtEnd: true, metricForBestModel: 'loss', learningRate: 5e-3 }),
    });
    await trainer.train();
    const ckpt = join(out, 'checkpoint-3');
    const files = readdirSync(ckpt);
    assert.ok(files.includes('adapter_model.safetensors') && files.includes('adapter_config.json'), files.join());
    assert.ok(!files.includes('model.safetensors'), 'no full model in the checkpoint');
    const keys = Object.keys(torch.loadSafetensors(join(ckpt, 'adapter_model.safetensors')));
    assert.ok(keys.every((k) => k.includes('lora_') || /classifier\.(weight|bias)$/.test(k)), keys.join());
    assert.equal(keys.length, 8 + 2);
    const best = trainer.state.bestModelCheckpoint!;
    assert.ok(best);
    // the model now carries the best checkpoint's adapter: the same evaluation loss as a fresh load of it
    const reloaded = PeftModel.fromPretrained(tinyModel(0), best);
    const evalLoss = async (m: PeftModel) => (await new Trainer({ model: m, args: args(tmp('peft-eval')), evalDataset: syntheticDataset(16, 5) }).evaluate()).eval_loss;
    assert.equal(await evalLoss(model), await evalLoss(reloaded));
    assert.equal(await evalLoss(model), trainer.state.bestMetric);
  });

  it("resumes from an adapter checkpoint with the uninterrupted run's losses", async () => {
    const run = async (out: string, maxSteps: number, resume?: string, adapterSeed = 0) => {
      const trainer = new Trainer({ model: peftModel(adapterSeed), args: args(out, { maxSteps, loggingSteps: 1, saveStrategy: 'steps', saveSteps: 4, warmupSteps: 2 }), trainDataset: syntheticDataset(48) });
      await trainer.train({ resumeFromCheckpoint: resume });
      return trainer;
    };
    const full = await run(tmp('peft-full'), 10);
    const part = tmp('peft-part');
    await run(part, 10);
    assert.ok(existsSync(join(part, 'checkpoint-4', 'adapter_model.safetensors')));
    // another adapter initialisation: the checkpoint's adapter replaces it
    const resumed = await run(tmp('peft-resumed'), 10, join(part, 'checkpoint-4'), 99);
    assert.deepEqual(losses(resumed.state.logHistory, 4), losses(full.state.logHistory, 4));
  });
});
