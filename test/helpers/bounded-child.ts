// Runs hostile inputs in a child process under a time and memory bound. One child runs many
// cases in turn (starting node, tsx and libtorch costs about a second, a case milliseconds);
// when a case crashes the child, hangs or grows past the RSS bound, the child is killed, the
// case is recorded as such, and a fresh child carries on with the next case.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One input for one target of test/fuzz/targets.ts; `name` identifies it in failures. */
export interface BoundedCase {
  name: string;
  target: string;
  /** Files to write into a fresh folder before the case runs (relative name → bytes or text). */
  files?: Record<string, Uint8Array | string>;
  /** Target-specific arguments (JSON). */
  args?: unknown;
}

export type Outcome = 'ok' | 'error' | 'crash' | 'hang' | 'rss';

export interface CaseResult {
  name: string;
  outcome: Outcome;
  /** The error's name and message (outcome 'error'), or what killed the child. */
  message: string;
  errorName?: string;
  ms: number;
}

export interface BoundOptions {
  /** Per case, from when the child starts it. */
  timeoutMs?: number;
  /** Resident set size above the child's own baseline (measured after it loaded libtorch). */
  rssGrowthMb?: number;
}

const CHILD = fileURLToPath(new URL('../fuzz/child.ts', import.meta.url));

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs every case; never throws for a case's sake (the results say what happened). */
export async function runBounded(cases: BoundedCase[], options: BoundOptions = {}): Promise<CaseResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const rssGrowthMb = options.rssGrowthMb ?? 512;
  const dir = mkdtempSync(join(tmpdir(), 'finetune-bounded-'));
  const results: CaseResult[] = [];
  try {
    const jobs = cases.map((c, i) => {
      const folder = join(dir, String(i));
      return { name: c.name, target: c.target, args: c.args ?? null, folder, files: c.files ?? {} };
    });
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs.map(({ files, ...job }) => ({ ...job, files: Object.keys(files) }))));
    for (const [i, job] of jobs.entries()) writeCaseFiles(join(dir, `${i}.files`), job.files);
    let next = 0;
    while (next < cases.length) next = await runChild(dir, next, cases, results, timeoutMs, rssGrowthMb);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

// Files travel as one JSON document per case (bytes base64), unpacked by the child.
function writeCaseFiles(path: string, files: Record<string, Uint8Array | string>): void {
  const encoded = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? { text: v } : { base64: Buffer.from(v).toString('base64') }]));
  writeFileSync(path, JSON.stringify(encoded));
}

/** Runs cases from `first` in one child until they end or the child dies; returns the next case to run. */
function runChild(dir: string, first: number, cases: BoundedCase[], results: CaseResult[], timeoutMs: number, rssGrowthMb: number): Promise<number> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let current = -1;
    let lastEnded = first - 1;
    let startedAt = 0;
    let baseline = 0;
    let killedFor: Outcome | null = null;
    let buffered = '';
    let stderr = '';
    const finish = (i: number, outcome: Outcome, message: string, errorName?: string): void => {
      results.push({ name: cases[i].name, outcome, message, errorName, ms: Math.round(performance.now() - startedAt) });
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('@@')) continue;
        const msg = JSON.parse(line.slice(2)) as { ready?: number; start?: number; end?: number; ok?: boolean; error?: string; name?: string };
        if (msg.ready !== undefined) baseline = rssMb(child.pid!);
        if (msg.start !== undefined) { current = msg.start; startedAt = performance.now(); }
        if (msg.end !== undefined) {
          finish(msg.end, msg.ok ? 'ok' : 'error', msg.error ?? '', msg.name);
          current = -1;
          lastEnded = msg.end;
        }
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
    const watchdog = setInterval(() => {
      if (current < 0 || killedFor) return;
      if (performance.now() - startedAt > timeoutMs) killedFor = 'hang';
      else if (baseline > 0 && rssMb(child.pid!) - baseline > rssGrowthMb) killedFor = 'rss';
      if (killedFor) child.kill('SIGKILL');
    }, 25);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (current >= 0) {
        const why = killedFor === 'hang' ? `no result within ${timeoutMs} ms`
          : killedFor === 'rss' ? `resident memory grew past ${rssGrowthMb} MB`
          : `the child died (${signal ?? `exit code ${code}`}): ${stderr.slice(-600)}`;
        finish(current, killedFor ?? 'crash', why);
        resolve(current + 1);
      } else if (code !== 0 || signal) {
        // Died between cases (a finalizer, an exit handler): charged to the next case, which never ran.
        const next = lastEnded + 1;
        if (next < cases.length) {
          startedAt = performance.now();
          finish(next, 'crash', `the child died between cases (${signal ?? `exit code ${code}`}): ${stderr.slice(-600)}`);
        }
        resolve(next + 1);
      } else {
        resolve(cases.length);
      }
    });
  });
}
