// BERT training-step benchmark: finetune's BertForSequenceClassification (bench/bert_step.ts)
// against transformers' on torch 2.x (bench/peers/bert_step.py, the peers' venv), the same
// shapes from a fresh config, random ids, AdamW, on the same machine in one run, at the machine's
// thread count unless --threads says otherwise. The two sides never run at the same time: they
// alternate, REPEATS times each, and the median is compared (ratio = torch ms / finetune ms).
// With --bf16, finetune also runs under CPU bf16 autocast, reported on its own line against
// the same float32 peer, with both mean losses so that accuracy can be checked.
// With --profile, an extra run of each side per size, left out of the medians, prints its top
// operators (torch.profiler).
//   npx tsx bench/bert.ts [tiny,mini,base] [--repeats 3] [--threads N] [--bf16] [--profile]
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { cpuSummary, median, peerPython } from './peers/peers.js';

const here = dirname(fileURLToPath(import.meta.url));
const peer = join(here, 'peers', 'bert_step.py');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const sizes = (args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'tiny,mini,base').split(',');
const repeats = option('--repeats', 3);
const threads = option('--threads', availableParallelism());
const withBf16 = args.includes('--bf16');
const withProfile = args.includes('--profile');
const CONFIG: Record<string, { batch: number; seq: number; steps: number }> = {
  tiny: { batch: 32, seq: 128, steps: 10 },
  mini: { batch: 32, seq: 128, steps: 5 },
  small: { batch: 16, seq: 128, steps: 3 },
  base: { batch: 8, seq: 128, steps: 3 },
};
const env = { ...process.env, OMP_NUM_THREADS: String(threads) };

function run(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', cwd: join(here, '..') });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  if (argv.includes('--profile')) process.stdout.write(r.stderr);
  return r.stdout;
}

function ours(size: string, bf16 = false, profile = false): { ms: number; rss: number; gflops: number; loss: number } {
  const { batch, seq, steps } = CONFIG[size];
  const flags = [...(bf16 ? ['--bf16'] : []), ...(profile ? ['--profile'] : [])];
  const line = run(process.execPath, ['--import', 'tsx', join(here, 'bert_step.ts'), size, String(batch), String(seq), String(steps), String(threads), ...flags]);
  const r = JSON.parse(line.trim().split('\n').pop()!);
  return { ms: r.msPerStep, rss: r.peakRssMiB, gflops: r.gflops, loss: r.meanLoss };
}

let peerVersions = '';
function theirs(size: string, profile = false): { ms: number; rss: number } {
  const { batch, seq, steps } = CONFIG[size];
  const r = JSON.parse(run(peerPython(), [peer, size, String(batch), String(seq), String(steps), ...(profile ? ['--profile'] : [])]).trim().split('\n').pop()!);
  peerVersions = `transformers ${r.transformers} (attention: ${r.attn_implementation}) on torch ${r.torch}`;
  return { ms: r.msPerStep, rss: r.peakRssMiB };
}

const gemm = JSON.parse(run(process.execPath, ['--import', 'tsx', join(here, 'gemm.ts'), '4096', '768', '768', String(threads)]).trim()).gflops;
console.log(cpuSummary());
console.log(`threads=${threads} repeats=${repeats} plain GEMM (4096x768x768): ${gemm.toFixed(1)} GFLOPS`);
console.log('size  batch×seq  finetune ms/step  torch ms/step  finetune samples/s  torch samples/s  ratio  GEMM-eff  peak RSS ours/torch (MiB)');
for (const size of sizes) {
  const a: ReturnType<typeof ours>[] = [];
  const b: ReturnType<typeof theirs>[] = [];
  const c: ReturnType<typeof ours>[] = [];
  if (withProfile) {
    ours(size, false, true);
    theirs(size, true);
  }
  for (let i = 0; i < repeats; i++) {
    a.push(ours(size));
    b.push(theirs(size));
    if (withBf16) c.push(ours(size, true));
  }
  const { batch, seq } = CONFIG[size];
  const oursMs = median(a.map((r) => r.ms));
  const torchMs = median(b.map((r) => r.ms));
  const eff = median(a.map((r) => r.gflops)) / gemm;
  console.log([
    size.padEnd(5), `${batch}×${seq}`.padStart(9), oursMs.toFixed(1).padStart(16), torchMs.toFixed(1).padStart(14),
    (batch / oursMs * 1000).toFixed(1).padStart(18), (batch / torchMs * 1000).toFixed(1).padStart(16),
    `${(torchMs / oursMs).toFixed(2)}x`.padStart(6), `${(eff * 100).toFixed(0)}%`.padStart(9),
    `${Math.max(...a.map((r) => r.rss)).toFixed(0)}/${Math.max(...b.map((r) => r.rss)).toFixed(0)}`.padStart(26),
  ].join('  '));
  if (withBf16) {
    const bf16Ms = median(c.map((r) => r.ms));
    console.log(`      bf16 autocast: ${bf16Ms.toFixed(1)} ms/step, ${(batch / bf16Ms * 1000).toFixed(1)} samples/s, ${(torchMs / bf16Ms).toFixed(2)}x the float32 peer; ` +
      `mean loss ${c[0].loss.toFixed(6)} vs float32 ${a[0].loss.toFixed(6)}`);
  }
}
console.log(`peer: ${peerVersions}`);
