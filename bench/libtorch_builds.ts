// The same BERT step on the two builds of the addon: Debian's libtorch 1.13 (build/Release) and
// PyTorch's wheel, libtorch 2.x (build-pytorch/Release, `npm run build:pytorch`). Each run is a
// fresh process of bench/bert_step.ts; the builds alternate, never at the same time, REPEATS
// times, and the medians are compared (ratio = 1.13 ms / 2.x ms, > 1 means 2.x is faster).
//   npx tsx bench/libtorch_builds.ts [SIZE] [BATCH] [SEQ] [STEPS] [--threads 2,1] [--repeats 3] [--eval]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--threads') && !all[i - 1]?.startsWith('--repeats'));
const [size = 'mini', batch = '32', seq = '128', steps = '5'] = positional;
const threadCounts = flag('--threads', '2,1').split(',').map(Number);
const repeats = Number(flag('--repeats', '3'));
const evalStep = process.argv.includes('--eval');
const builds = [{ name: '1.13 (build/Release)', dir: join(root, 'build', 'Release') }, { name: '2.x (build-pytorch/Release)', dir: join(root, 'build-pytorch', 'Release') }];

const cpuFlags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(' ');
const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1];
console.log(`CPU: ${model}; flags: ${cpuFlags.filter((f) => /^(avx|amx|fma|f16c)/.test(f)).join(' ')}`);
console.log(`BERT ${size} ${batch}x${seq}, ${evalStep ? 'eval' : 'training'} step, ${steps} timed steps, median of ${repeats}; machine shared: under load`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const threads of threadCounts) {
  const ms: number[][] = builds.map(() => []);
  const losses: number[] = [];
  for (let r = 0; r < repeats; r++) {
    builds.forEach((b, k) => {
      const args = ['--import', 'tsx', join(root, 'bench', 'bert_step.ts'), size, batch, seq, steps, String(threads), ...(evalStep ? ['--eval'] : [])];
      const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, FINETUNE_ADDON_DIR: b.dir } });
      if (run.status !== 0) throw new Error(`bert_step.ts on ${b.name} failed:\n${run.stderr}`);
      const line = JSON.parse(run.stdout.trim().split('\n').pop()!) as { msPerStep: number; meanLoss: number; threads: number };
      if (line.threads !== threads) throw new Error(`${b.name} ran at ${line.threads} threads, not ${threads}`);
      ms[k]!.push(line.msPerStep);
      if (r === 0) losses.push(line.meanLoss);
    });
  }
  const [old, neu] = ms.map(median) as [number, number];
  console.log(`threads ${threads}: 1.13 ${old.toFixed(1)} ms, 2.x ${neu.toFixed(1)} ms, ratio ${(old / neu).toFixed(2)}; ` +
    `runs 1.13 [${ms[0]!.map((x) => x.toFixed(0)).join(', ')}] 2.x [${ms[1]!.map((x) => x.toFixed(0)).join(', ')}]; mean loss 1.13 ${losses[0]} 2.x ${losses[1]}`);
}
