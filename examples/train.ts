// The main job (for now: the engine alone). Trains a small classifier with AdamW, a linear
// schedule with warmup and gradient clipping, evaluates it on held-out data, saves it as
// safetensors and loads it back. Run: npx tsx examples/train.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { nn, optim, torch } from '../src/index.js';

torch.manualSeed(0);
// Three classes: which of the first three features is largest (features 4-8 are noise).
const makeData = (n: number) => {
  const x = torch.randn([n, 8]);
  const y = x.narrow(1, 0, 3).argmax(1);
  return { x, y };
};
const train = makeData(2048);
const test = makeData(512);

const model = new nn.Sequential(new nn.Linear(8, 64), new nn.GELU(), new nn.Dropout(0.1), new nn.Linear(64, 3));
const epochs = 10;
const batchSize = 64;
const stepsPerEpoch = Math.ceil(2048 / batchSize);
const opt = new optim.AdamW(model.parameters(), { lr: 5e-3, weightDecay: 0.01 });
const sched = optim.getScheduler('linear', opt, { numWarmupSteps: stepsPerEpoch, numTrainingSteps: epochs * stepsPerEpoch });

const accuracy = () =>
  torch.tidy(() => torch.noGrad(() => {
    model.eval();
    const acc = model.forward(test.x).argmax(1).eq(test.y).float().mean().item();
    model.train();
    return acc;
  }));

console.log(`model: ${model.numParameters()} parameters; accuracy before training ${accuracy().toFixed(3)}`);
for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = torch.randperm(2048);
  let total = 0;
  for (let i = 0; i < stepsPerEpoch; i++) {
    total += torch.tidy(() => {
      const idx = order.narrow(0, i * batchSize, batchSize);
      const loss = nn.functional.crossEntropy(model.forward(train.x.indexSelect(0, idx)), train.y.indexSelect(0, idx));
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 1.0);
      opt.step();
      sched.step();
      opt.zeroGrad();
      return loss.item();
    });
  }
  order.dispose();
  console.log(`epoch ${epoch}: loss ${(total / stepsPerEpoch).toFixed(4)}  lr ${sched.getLastLr()[0].toExponential(2)}  test accuracy ${accuracy().toFixed(3)}`);
}

const dir = mkdtempSync(join(tmpdir(), 'finetune-'));
const path = join(dir, 'model.safetensors');
torch.saveSafetensors(path, model.stateDict(), { format: 'pt' });
const reloaded = new nn.Sequential(new nn.Linear(8, 64), new nn.GELU(), new nn.Dropout(0.1), new nn.Linear(64, 3));
reloaded.loadStateDict(torch.loadSafetensors(path));
const same = torch.noGrad(() => reloaded.eval().forward(test.x).sub(model.eval().forward(test.x)).abs().max().item());
console.log(`saved ${path}; reloaded model differs by ${same}`);
