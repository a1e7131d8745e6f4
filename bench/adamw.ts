// The optimizer step alone: finetune's AdamW (one native call, the fused float32 kernel) against
// torch.optim.AdamW on torch 2.x (bench/peers/adamw_step.py, the peers' venv), single-tensor and
// fused, on 100 parameters of 227,000 elements (22.7M, all-MiniLM-L6-v2's size) with fixed
// gradients, at the machine's thread count and at 1; median ms per step, each side a fresh
// process, one after the other.
//   npx tsx bench/adamw.ts [--elements 22700000] [--steps 12]
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { nn, optim, torch } from '../src/index.js';
import { cpuSummary, lastJsonLine, median, peerPython } from './peers/peers.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const elements = arg('elements', 22_700_000);
const steps = arg('steps', 12);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Median ms of our AdamW step, in this (worker) process. */
function ours(threads: number): number {
  torch.setNumThreads(threads);
  const params = Array.from({ length: 100 }, () => new nn.Parameter(torch.randn([elements / 100])));
  for (const p of params) p.grad = torch.randn([elements / 100]);
  const opt = new optim.AdamW(params, { lr: 1e-3, weightDecay: 0.01 });
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const start = performance.now();
    opt.step();
    times.push(performance.now() - start);
  }
  return median(times.slice(1));
}

if (process.argv.includes('--worker')) {
  console.log(JSON.stringify({ ms: ours(Number(process.argv[process.argv.indexOf('--worker') + 1])) }));
} else {
  console.log(cpuSummary());
  console.log(`AdamW step on ${elements.toLocaleString('en')} float32 parameters (100 tensors), median ms of ${steps - 1} steps; finetune on libtorch ${torch.libtorchVersion}`);
  console.log('threads  finetune  torch single-tensor  torch fused  single/finetune  fused/finetune');
  for (const threads of [...new Set([availableParallelism(), 1])]) {
    const f = lastJsonLine<{ ms: number }>(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', String(threads), '--elements', String(elements), '--steps', String(steps)], { cwd: root }).ms;
    const t = lastJsonLine<{ single_tensor: number; fused: number }>(peerPython(), [join(root, 'bench/peers/adamw_step.py'), String(elements), String(threads), String(steps)], { cwd: root });
    console.log(`${String(threads).padStart(7)} ${f.toFixed(1).padStart(9)} ${t.single_tensor.toFixed(1).padStart(20)} ${t.fused.toFixed(1).padStart(12)} ${(t.single_tensor / f).toFixed(2).padStart(16)} ${(t.fused / f).toFixed(2).padStart(15)}`);
  }
}
