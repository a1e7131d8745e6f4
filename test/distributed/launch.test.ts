// `finetune launch` with the Trainer: 2 workers × half the batch train to the parameters and
// losses of 1 process with the whole batch, evaluation counts every example exactly once, and a
// worker that dies takes the run down with a message naming it and no process left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { freePort } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./trainer_child.ts', import.meta.url));
const BIN = join(ROOT, 'bin/finetune.js');

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; seconds: number }

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, seconds: (performance.now() - start) / 1000 }));
  });
}

interface Result { params: number[][]; losses: number[]; history: Record<string, number>[]; totalFlos: number; metrics: Record<string, number>; predictions: number[][] }
const result = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as Result;
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `finetune-launch-${name}-`));

describe('finetune launch', { timeout: 180_000 }, () => {
  it('2 workers with half the batch each train like 1 process with the whole batch', async () => {
    const single = tmp('single');
    const one = await run(['--import', 'tsx', CHILD, single], { BATCH: '8' });
    assert.equal(one.code, 0, one.stderr);
    const multi = tmp('multi');
    const two = await run([BIN, 'launch', '--nproc-per-node', '2', CHILD, multi], { BATCH: '4' });
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /^\[rank1\]: trained 6 steps on rank 1$/m, 'worker output is prefixed with its rank');
    const [a, b] = [result(single), result(multi)];
    a.params.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - b.params[i][j]) <= 1e-6, `param ${i}[${j}]: ${v} vs ${b.params[i][j]}`)));
    assert.equal(b.losses.length, a.losses.length);
    b.losses.forEach((l, i) => assert.ok(Math.abs(l - a.losses[i]) <= 1e-4, `logged loss ${i}: ${l} vs ${a.losses[i]}`));
    assert.equal(b.totalFlos, a.totalFlos, 'total_flos summed over processes');
    // the log history one process writes: step, epoch, learning rate and grad norm alike, losses to the 4 digits logged
    b.history.forEach((entry, i) => {
      for (const key of ['step', 'epoch', 'learning_rate']) assert.equal(entry[key], a.history[i][key], `${key} of log ${i}`);
      if ('grad_norm' in entry) assert.ok(Math.abs(entry.grad_norm - a.history[i].grad_norm) <= 1e-5, `grad_norm of log ${i}`);
    });
    assert.equal(b.metrics.eval_count, 25, 'every evaluation example exactly once');
    assert.ok(Math.abs(b.metrics.eval_loss - a.metrics.eval_loss) <= 1e-6);
    assert.equal(b.predictions.length, 25);
    b.predictions.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - a.predictions[i][j]) <= 1e-5, `prediction ${i}: in order`)));
  });

  it('two nodes (two launches on loopback) train together like one process', async () => {
    const single = tmp('single-2n');
    assert.equal((await run(['--import', 'tsx', CHILD, single], { BATCH: '8' })).code, 0);
    const out = tmp('nodes');
    const port = String(await freePort());
    const node = (rank: number) => run([BIN, 'launch', '--nnodes', '2', '--node-rank', String(rank), '--nproc-per-node', '1', '--master-port', port, CHILD, out], { BATCH: '4' });
    const [n0, n1] = await Promise.all([node(0), node(1)]);
    assert.equal(n0.code, 0, n0.stderr);
    assert.equal(n1.code, 0, n1.stderr);
    assert.match(n1.stdout, /^\[rank1\]: trained 6 steps on rank 1$/m);
    const [a, b] = [result(single), result(out)];
    a.params.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - b.params[i][j]) <= 1e-6, `param ${i}[${j}]`)));
  });

  it('resumes a 2-process checkpoint in 1 process and ends where an uninterrupted run does', async () => {
    const single = tmp('single-resume');
    assert.equal((await run(['--import', 'tsx', CHILD, single], { BATCH: '8' })).code, 0);
    const multi = tmp('multi-save');
    const two = await run([BIN, 'launch', '--nproc-per-node', '2', CHILD, multi], { BATCH: '4', SAVE_STEPS: '3' });
    assert.equal(two.code, 0, two.stderr);
    for (const rank of [0, 1]) assert.ok(existsSync(join(multi, 'checkpoint-3', `rng_state_${rank}.safetensors`)), `rank ${rank}'s RNG state is in the checkpoint`);
    const resumed = tmp('resumed');
    const one = await run(['--import', 'tsx', CHILD, resumed], { BATCH: '8', RESUME: join(multi, 'checkpoint-3') });
    assert.equal(one.code, 0, one.stderr);
    const [a, b] = [result(single), result(resumed)];
    a.params.forEach((p, i) => p.forEach((v, j) => assert.ok(Math.abs(v - b.params[i][j]) <= 1e-6, `param ${i}[${j}]`)));
  });

  for (const [mode, expected] of [['fail', /worker rank 1 \(pid \d+\) exited with code 3/], ['kill', /worker rank 1 \(pid \d+\) was killed by SIGKILL/]] as const) {
    it(`stops every worker and names the one that failed (${mode})`, async () => {
      const r = await run([BIN, 'launch', '--nproc-per-node', '2', CHILD, tmp(mode), mode]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, expected);
      assert.ok(r.seconds < 60, `took ${r.seconds} s`);
      const pids = [...r.stdout.matchAll(/worker pid (\d+)/g)].map((m) => Number(m[1]));
      assert.equal(pids.length, 2);
      for (const pid of pids) assert.throws(() => process.kill(pid, 0), `worker ${pid} left behind`);
    });
  }

  it('rejects a bad command line before starting anything', async () => {
    const r = await run([BIN, 'launch', '--nproc-per-node', 'two', CHILD]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--nproc-per-node must be an integer/);
  });
});
