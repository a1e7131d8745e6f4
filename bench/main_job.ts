// The README's main job against the real transformers.Trainer: examples/train.ts (finetune,
// all-MiniLM-L6-v2 + a new head on data/sentence-polarity) and bench/peers/main_job.py (the same
// fine-tune with transformers.Trainer on torch 2.x, in the peers' venv) on the same rows, with
// the hyperparameters finetune's run recorded in its training_args.json, at the same thread
// count, one after the other. Prints both wall times, both held-out test accuracies and the
// ratio (transformers time / finetune time: ≥ 1 means finetune is at least as fast).
// Run: npx tsx bench/main_job.ts [--threads N] [--repeats 1] [-- EXTRA_TRAIN_FLAGS]
//   (needs FINETUNE_WITH_PYTHON=1 bash scripts/install.sh). Flags after `--` go to examples/train.ts
//   (e.g. `-- --max_steps 30` for a quick comparison); the peer takes what that run recorded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadDataset } from '../src/index.js';
import { cpuSummary, median, peerPython } from './peers/peers.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1];
};
const threads = Number(arg('threads', String(availableParallelism())));
const repeats = Number(arg('repeats', '1'));
const root = new URL('..', import.meta.url).pathname;
const extra = process.argv.includes('--') ? process.argv.slice(process.argv.indexOf('--') + 1) : [];
const env = { ...process.env, OMP_NUM_THREADS: String(threads), TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: '1' };

function run(cmd: string, args: string[]): string {
  const child = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (child.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${child.stderr || child.error}`);
  return child.stdout;
}

interface Result { wall_s: number; test_accuracy: number }

function ours(outputDir: string): Result {
  const t = performance.now();
  const out = run('npx', ['tsx', 'examples/train.ts', '--output_dir', outputDir, ...extra]);
  const wall = (performance.now() - t) / 1000;
  const accuracy = /held-out test accuracy ([\d.]+)%/.exec(out);
  if (!accuracy) throw new Error(`examples/train.ts printed no test accuracy:\n${out}`);
  return { wall_s: wall, test_accuracy: Number(accuracy[1]) / 100 };
}

/** The rows examples/train.ts uses: train → 90% train + 10% validation (seed 42), and test. */
async function splits() {
  const polarity = (name: string) => join(root, 'data/sentence-polarity', name);
  const raw = await loadDataset('json', { dataFiles: { train: [polarity('train.jsonl'), polarity('train_extra.jsonl')], test: polarity('test.jsonl') } });
  const carved = raw.train.trainTestSplit({ testSize: 0.1, seed: 42 });
  return { train: carved.train.toList(), validation: carved.test.toList(), test: raw.test.toList() };
}

console.log(cpuSummary());
const python = peerPython();
const runs: { ours: Result[]; peer: (Result & { torch: string; transformers: string; best_validation_accuracy: number })[] } = { ours: [], peer: [] };
const data = await splits();
for (let r = 0; r < repeats; r++) {
  const outputDir = mkdtempSync(join(tmpdir(), 'finetune-bench-main-'));
  runs.ours.push(ours(outputDir));
  const a = JSON.parse(readFileSync(join(outputDir, 'final', 'training_args.json'), 'utf8')) as Record<string, number | boolean>;
  const setup = join(outputDir, 'peer-setup.json');
  writeFileSync(setup, JSON.stringify({
    model: 'sentence-transformers/all-MiniLM-L6-v2', splits: data,
    hyperparameters: { epochs: a.num_train_epochs, batch_size: a.per_device_train_batch_size, eval_batch_size: a.per_device_eval_batch_size, lr: a.learning_rate, warmup_ratio: a.warmup_ratio, weight_decay: a.weight_decay, max_steps: a.max_steps, group_by_length: a.group_by_length, label_smoothing_factor: a.label_smoothing_factor },
  }));
  const t = performance.now();
  const peer = JSON.parse(run(python, [join(root, 'bench/peers/main_job.py'), setup, String(threads)]).trim().split('\n').at(-1)!);
  runs.peer.push({ ...peer, wall_s: (performance.now() - t) / 1000 }); // the process's whole life, as for ours
}
const m = (side: Result[], key: keyof Result) => median(side.map((x) => x[key]));
console.log(`main job (examples/train.ts): all-MiniLM-L6-v2 on sentence-polarity, ${threads} thread(s), median of ${repeats}; transformers ${runs.peer[0].transformers} on torch ${runs.peer[0].torch}`);
console.log('side          wall time    test accuracy');
console.log(`finetune      ${m(runs.ours, 'wall_s').toFixed(1).padEnd(7)} s    ${(m(runs.ours, 'test_accuracy') * 100).toFixed(1)}%`);
console.log(`transformers  ${m(runs.peer, 'wall_s').toFixed(1).padEnd(7)} s    ${(m(runs.peer, 'test_accuracy') * 100).toFixed(1)}%`);
console.log(`ratio (transformers time / finetune time): ${(m(runs.peer, 'wall_s') / m(runs.ours, 'wall_s')).toFixed(2)}`);
