// One side of the BERT-step benchmark: `npx tsx bench/bert_step.ts SIZE BATCH SEQ STEPS [THREADS]`.
// Prints a JSON line; bench/bert.ts runs it beside the PyTorch peer and compares.
import { nn, optim, torch } from '../src/index.js';
import { BertLike, trainingFlops } from './bert_model.js';
import type { ShapeName } from './bert_model.js';

const [size, B, T, steps, threads] = [process.argv[2] as ShapeName, ...process.argv.slice(3).map(Number)];
if (threads) torch.setNumThreads(threads);
torch.manualSeed(0);
const model = new BertLike(size);
const opt = new optim.AdamW(model.parameters(), { lr: 2e-5, weightDecay: 0.01 });
const ids = torch.randint(0, 30522, [B, T]);
const tokenTypes = torch.zerosLike(ids);
const mask = torch.onesLike(ids);
const labels = torch.randint(0, 2, [B]);

function step(): number {
  return torch.tidy(() => {
    const loss = model.forward(ids, tokenTypes, mask, labels);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    return loss.item();
  });
}

step();
step();
const start = performance.now();
for (let i = 0; i < steps; i++) step();
const seconds = (performance.now() - start) / 1000 / steps;
void nn;
console.log(JSON.stringify({
  side: 'finetune', size, batch: B, seq: T, threads: torch.getNumThreads(), msPerStep: seconds * 1000,
  samplesPerSecond: B / seconds, gflops: trainingFlops(size, B, T) / seconds / 1e9,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
}));
