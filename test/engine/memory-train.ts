// Trains Linear(32,64)/GELU/Linear(64,2) with AdamW, a linear schedule and clipGradNorm_
// (batch 64) for 2000 steps, one tidy() per step, and prints the process's memory after
// steps 200 and 2000 as JSON. Run by memory.test.ts in a fresh process (with --expose-gc)
// so that nothing else the tests did moves the baseline.
//   node --expose-gc --import tsx test/engine/memory-train.ts [sync|async]
// `async` awaits a resolved promise every step (as a loop over an async data loader
// does); `sync` never yields to the event loop.
import { nn, optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const F = nn.functional;
const mode = process.argv[2] === 'sync' ? 'sync' : 'async';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-train: run with --expose-gc');

torch.setNumThreads(1);
torch.manualSeed(0);
const model = new nn.Sequential(new nn.Linear(32, 64), new nn.GELU(), new nn.Linear(64, 2));
const opt = new optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
const sched = optim.getScheduler('linear', opt, { numWarmupSteps: 100, numTrainingSteps: 2000 });
const w = torch.randn([32]);
const losses: number[] = [];
const at: Record<number, { rss: number; external: number; heapUsed: number }> = {};
const started = performance.now();

function step(n: number): void {
  torch.tidy(() => {
    const x = torch.randn([64, 32]);
    const y = x.matmul(w).gt(0).to('int64');
    const loss = F.crossEntropy(model.forward(x) as Tensor, y);
    loss.backward();
    nn.utils.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    sched.step();
    opt.zeroGrad();
    if (n % 100 === 0) losses.push(loss.item());
  });
}

for (let n = 1; n <= 2000; n++) {
  step(n);
  if (mode === 'async') await new Promise((resolve) => setImmediate(resolve));
  if (n === 200 || n === 2000) {
    gc();
    const m = process.memoryUsage();
    at[n] = { rss: m.rss, external: m.external, heapUsed: m.heapUsed };
  }
}
process.stdout.write(JSON.stringify({ mode, at, losses, seconds: (performance.now() - started) / 1000 }) + '\n');
