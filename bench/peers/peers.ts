// What the benchmarks against the Python peers share: the peers' venv python, the CPU's SIMD
// flags and thread counts (printed with every result: they decide what the numbers mean), and
// the median of repeated runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** .venv-peers/bin/python, or a clear error naming the install command. */
export function peerPython(): string {
  const python = fileURLToPath(new URL('../../.venv-peers/bin/python', import.meta.url));
  if (!existsSync(python)) throw new Error(`no peers venv at ${python}: run FINETUNE_WITH_PYTHON=1 bash scripts/install.sh`);
  return python;
}

export function cpuSummary(): string {
  let flags: string[] = [];
  let model = 'unknown CPU';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = (/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/).filter((f) => /^(avx2|avx512.*|amx.*|fma|avx_vnni)$/.test(f));
    model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? model;
  } catch { /* not Linux: no flags to print */ }
  return `CPU: ${model}; ${availableParallelism()} cores available; flags: ${flags.join(' ') || 'none of avx2/avx512/amx'}; OMP_NUM_THREADS=${process.env.OMP_NUM_THREADS ?? 'unset'}`;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Sentences per second of `run` over `sentences` in chunks of `batch`: median of `repeats` passes after one warm-up. */
export async function sentencesPerSecond(sentences: string[], batch: number, repeats: number, run: (chunk: string[]) => Promise<unknown>): Promise<number> {
  const pass = async () => {
    for (let i = 0; i < sentences.length; i += batch) await run(sentences.slice(i, i + batch));
  };
  await pass();
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await pass();
    rates.push(sentences.length / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

/** Runs one side of a benchmark to completion and parses the JSON of its last stdout line; a failure throws with its stderr. */
export function lastJsonLine<T>(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): T {
  const child = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as T;
}
