// Data-parallel scaling: BERT-mini on MRPC with the Trainer, global batch 32, for --steps steps:
// 1 process × 2 threads, 2 processes × 1 thread (finetune launch: DistributedDataParallel on
// c10d's Reducer over Gloo), and the same with PyTorch (the real transformers.Trainer under
// torchrun, the peers' torch 2.x). The runs go one after another; each figure is the median of
// --repeats. Prints samples/s, the scaling efficiency (2×1 over 1×2: on 2 cores, 1.0 would mean
// DDP costs nothing) and the time of one all-reduce of all the gradients.
// Run: npx tsx bench/ddp.ts [--steps 40] [--repeats 3]   (needs ../shared and FINETUNE_WITH_PYTHON=1 bash scripts/install.sh)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Trainer, TrainingArguments, torch } from '../src/index.js';
import { bertMini, mrpcTrain } from './mrpc.js';
import { cpuSummary, median, peerPython } from './peers/peers.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1] ?? def;
};
const steps = Number(arg('steps', '40'));
const repeats = Number(arg('repeats', '3'));
const GLOBAL_BATCH = 32;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** One worker (under finetune launch, or alone): trains, and rank 0 writes its time and the all-reduce time. */
async function worker(out: string): Promise<void> {
  const world = Number(process.env.WORLD_SIZE ?? 1);
  torch.setNumThreads(Number(process.env.OMP_NUM_THREADS ?? 1));
  const { tokenizer, train } = await mrpcTrain();
  const model = bertMini();
  const trainer = new Trainer({
    model, tokenizer, trainDataset: train,
    args: new TrainingArguments({ outputDir: mkdtempSync(join(tmpdir(), 'finetune-bench-ddp-')), maxSteps: steps, perDeviceTrainBatchSize: GLOBAL_BATCH / world,
      learningRate: 5e-5, saveStrategy: 'no', reportTo: 'none', logLevel: 'error', disableTqdm: true, loggingSteps: 10 }),
  });
  const result = await trainer.train();
  let allReduceMs = 0;
  if (world > 1) {
    // one all-reduce of a buffer the size of all the gradients, as the reducer's buckets add up to
    const grads = torch.zeros([model.parameters().reduce((n, p) => n + p.numel(), 0)]);
    const t = performance.now();
    for (let i = 0; i < 10; i++) torch.distributed.allReduce(grads, 'sum');
    allReduceMs = (performance.now() - t) / 10;
  }
  if (trainer.accelerator.isMainProcess) writeFileSync(out, JSON.stringify({ train_s: result.metrics.train_runtime, loss: result.trainingLoss, allReduceMs }));
}

interface Sample { train_s: number; allReduceMs?: number; loss: number }

function runOurs(world: number, threads: number): Sample {
  const out = join(mkdtempSync(join(tmpdir(), 'finetune-ddp-result-')), 'r.json');
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const cmd = world === 1
    ? [process.execPath, ['--import', 'tsx', SELF, '--worker', out, '--steps', String(steps)]]
    : [process.execPath, [join(ROOT, 'bin/finetune.js'), 'launch', '--nproc-per-node', String(world), SELF, '--worker', out, '--steps', String(steps)]];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { cwd: ROOT, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/ddp.ts: our ${world}-process run failed:\n${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8')) as Sample;
}

function runPeer(world: number, threads: number): Sample {
  // torchrun is torch.distributed.run
  const r = spawnSync(peerPython(), ['-m', 'torch.distributed.run', '--nproc-per-node', String(world), join(ROOT, 'bench/peers/ddp_mrpc.py'), String(steps), String(GLOBAL_BATCH)],
    { cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: String(threads) }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/ddp.ts: the torchrun peer failed:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()!;
  return JSON.parse(line) as Sample;
}

if (process.argv.includes('--worker')) {
  await worker(arg('worker', ''));
} else {
  console.log(cpuSummary());
  console.log(`BERT-mini, MRPC, global batch ${GLOBAL_BATCH}, ${steps} steps, median of ${repeats}`);
  const configs: [string, () => Sample][] = [
    ['finetune 1 process x 2 threads', () => runOurs(1, 2)],
    ['finetune 2 processes x 1 thread', () => runOurs(2, 1)],
    ['PyTorch DDP (torchrun) 2 processes x 1 thread', () => runPeer(2, 1)],
  ];
  const results = new Map<string, Sample[]>();
  for (let r = 0; r < repeats; r++) for (const [name, run] of configs) results.set(name, [...(results.get(name) ?? []), run()]);
  const rate = (name: string) => (steps * GLOBAL_BATCH) / median(results.get(name)!.map((s) => s.train_s));
  for (const [name] of configs) console.log(`${name.padEnd(48)} ${rate(name).toFixed(1)} samples/s`);
  console.log(`scaling efficiency (2x1 over 1x2): finetune ${(rate(configs[1][0]) / rate(configs[0][0])).toFixed(2)}`);
  console.log(`finetune 2 processes vs PyTorch DDP: ${(rate(configs[1][0]) / rate(configs[2][0])).toFixed(2)}x`);
  console.log(`all-reduce of all gradients (2 processes): ${median(results.get(configs[1][0])!.map((s) => s.allReduceMs ?? 0)).toFixed(1)} ms per step`);
}
