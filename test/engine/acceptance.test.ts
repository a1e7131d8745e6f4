// The acceptance program of the engine issue, as written there, must train.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { torch, nn, optim } from '../../src/index.js';

test('the engine acceptance program trains a classifier to high accuracy', () => {
  torch.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.GELU(), new nn.Linear(16, 3));
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
  const sched = optim.getScheduler('linear', opt, { numWarmupSteps: 10, numTrainingSteps: 200 });
  const x = torch.randn([64, 4]);
  const y = x.sum(1).gt(0).to('int64');
  const initial = torch.noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
  for (let step = 0; step < 200; step++) {
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    loss.backward(); nn.utils.clipGradNorm_(model.parameters(), 1.0);
    opt.step(); sched.step(); opt.zeroGrad();
  }
  const accuracy = torch.noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
  assert.ok(initial < 0.8, `untrained accuracy ${initial} should be low`);
  assert.ok(accuracy >= 0.95, `trained accuracy ${accuracy}`);
  assert.equal(sched.getLastLr()[0], 0);
});
