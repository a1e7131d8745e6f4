// Forward-only (inference) throughput of BertForSequenceClassification: finetune against the
// real transformers BertForSequenceClassification on torch 2.x (bench/peers/models_forward.py,
// the peers' venv) with the same weights and the same padded batch, on the same machine in one
// run. The two sides never run at the same time: each is a fresh process, they alternate
// REPEATS times, and the medians are compared (ratio = PyTorch ms / finetune ms, ≥ 1 means
// finetune is as fast or faster). Both write their logits, which must agree.
// At the machine's thread count unless --threads says otherwise; --profile prints finetune's top
// operators (torch.profiler) over extra, untimed forwards of its first run of each size.
//   npx tsx bench/models_forward.ts [tiny,base] [--repeats 3] [--iters 5] [--threads N] [--profile]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { torch } from '../src/index.js';
import { BertConfig, BertForSequenceClassification, logging } from '../src/models/index.js';
import { cpuSummary, peerPython } from './peers/peers.js';

const here = dirname(fileURLToPath(import.meta.url));
const SHAPES = {
  tiny: { hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512 },
  base: { hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072 },
} as const;
const BATCH = 32;
const SEQ = 128;

/** The deterministic batch both sides use: [CLS] first, rows padded by 0–3 eighths. */
function batchInputs(batch: number, seq: number): { input_ids: torch.Tensor; attention_mask: torch.Tensor } {
  const ids = new BigInt64Array(batch * seq);
  const mask = new BigInt64Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const length = seq - (b % 4) * Math.floor(seq / 8);
    for (let t = 0; t < length; t++) {
      ids[b * seq + t] = BigInt(t === 0 ? 101 : 1000 + ((b * 7919 + t * 104729) % 29000));
      mask[b * seq + t] = 1n;
    }
  }
  return { input_ids: torch.tensor(ids, { shape: [batch, seq] }), attention_mask: torch.tensor(mask, { shape: [batch, seq] }) };
}

/** One side's measurement, in a process of its own. */
async function worker(dir: string, batch: number, seq: number, iters: number, profile: boolean): Promise<void> {
  logging.setVerbosity('error');
  const loadStart = performance.now();
  const model = await BertForSequenceClassification.fromPretrained(dir);
  const loadMs = performance.now() - loadStart;
  const inputs = batchInputs(batch, seq);
  const forward = () => torch.tidy(() => torch.noGrad(() => model.forward(inputs).logits.clone()));
  let logits = forward(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    logits.dispose();
    const start = performance.now();
    logits = forward();
    times.push(performance.now() - start);
  }
  writeFileSync(join(dir, 'logits-finetune.json'), JSON.stringify(logits.toArray()));
  if (profile) {
    await torch.profiler.profileTopOperators(() => { for (let i = 0; i < iters; i++) forward().dispose(); },
      (table) => process.stderr.write(`${iters} forwards of [${batch}, ${seq}], ${torch.getNumThreads()} thread(s): top operators by self CPU time\n${table}\n`));
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ msPerForward: times[Math.floor(times.length / 2)], loadMs, peakRssMiB: process.resourceUsage().maxRSS / 1024, threads: torch.getNumThreads() }));
}

interface Measurement { msPerForward: number; peakRssMiB: number; threads: number; loadMs?: number }

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Measurement {
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', cwd: join(here, '..'), maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  if (argv.includes('--profile')) process.stdout.write(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measurement;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const sizes = (args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 'tiny,base').split(',') as (keyof typeof SHAPES)[];
  const repeats = option('--repeats', 3);
  const threads = option('--threads', availableParallelism());
  const profile = args.includes('--profile');
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  logging.setVerbosity('error');
  console.log(cpuSummary());
  console.log(`BertForSequenceClassification forward, batch ${BATCH} × seq ${SEQ} (rows padded by 0-3 eighths), threads=${threads}, repeats=${repeats}`);
  console.log('size  finetune ms  torch ms  ratio(torch/ours)  finetune seq/s  torch seq/s  peak RSS ours/torch MiB  max |Δ logits|');
  for (const size of sizes) {
    const iters = option('--iters', size === 'base' ? 2 : 10);
    const dir = mkdtempSync(join(tmpdir(), `finetune-bench-${size}-`));
    torch.manualSeed(0);
    const model = BertForSequenceClassification.fromConfig(new BertConfig({ ...SHAPES[size], vocabSize: 30522, numLabels: 2 }));
    await model.savePretrained(dir);
    torch.dispose(model.parameters());
    const ours: Measurement[] = [];
    const theirs: Measurement[] = [];
    for (let i = 0; i < repeats; i++) {
      const profiled = profile && i === 0 ? ['--profile'] : [];
      ours.push(run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', dir, String(BATCH), String(SEQ), String(iters), ...profiled], env));
      theirs.push(run(peerPython(), [join(here, 'peers', 'models_forward.py'), dir, String(BATCH), String(SEQ), String(iters)], env));
    }
    const mib = statSync(join(dir, 'model.safetensors')).size / 2 ** 20;
    const a = (JSON.parse(readFileSync(join(dir, 'logits-finetune.json'), 'utf8')) as number[][]).flat();
    const b = (JSON.parse(readFileSync(join(dir, 'logits-torch.json'), 'utf8')) as number[][]).flat();
    const delta = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    rmSync(dir, { recursive: true, force: true });
    const [oursMs, torchMs] = [median(ours.map((m) => m.msPerForward)), median(theirs.map((m) => m.msPerForward))];
    console.log([
      size.padEnd(4), oursMs.toFixed(1).padStart(11), torchMs.toFixed(1).padStart(9), `${(torchMs / oursMs).toFixed(2)}x`.padStart(17),
      (BATCH / oursMs * 1000).toFixed(1).padStart(14), (BATCH / torchMs * 1000).toFixed(1).padStart(12),
      `${Math.max(...ours.map((m) => m.peakRssMiB)).toFixed(0)}/${Math.max(...theirs.map((m) => m.peakRssMiB)).toFixed(0)}`.padStart(24),
      delta.toExponential(1).padStart(15),
    ].join('  '));
    const loadMs = median(ours.map((m) => m.loadMs!));
    console.log(`      fromPretrained: ${mib.toFixed(0)} MiB model.safetensors in ${loadMs.toFixed(0)} ms (${(mib / loadMs * 1000).toFixed(0)} MiB/s, config + construction + read + copy)`);
  }
}

if (process.argv[2] === '--worker') {
  const [dir, batch, seq, iters] = process.argv.slice(3);
  await worker(dir, Number(batch), Number(seq), Number(iters), process.argv.includes('--profile'));
} else {
  await main();
}
