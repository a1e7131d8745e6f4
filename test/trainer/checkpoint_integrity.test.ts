// A kill at any moment of checkpoint writing or rotation must leave only complete
// checkpoint-<step> folders (or clearly temporary ones), and what is incomplete anyway must be
// passed over, with a warning, by resuming and rotation. Kills are simulated by making a file
// system call do part of its work and then throw, as a SIGKILL would stop it there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs, { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it, mock } from 'node:test';

import { Trainer } from '../../src/index.js';
import { checkpointProblem, isUsableCheckpoint, rotateCheckpoints, sortedCheckpoints } from '../../src/trainer/trainer_checkpoint.js';
import { args, syntheticDataset, tinyModel, tmp } from './trainer_helpers.js';

afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

/** Every checkpoint-<step> folder of dir, with what it lacks (null when complete). */
function checkpointFolders(dir: string): Record<string, string | null> {
  return Object.fromEntries(readdirSync(dir).filter((n) => /^checkpoint-\d+$/.test(n)).map((n) => [n, checkpointProblem(join(dir, n))]));
}

/** A folder laid out as a complete checkpoint (contents are not read by rotation). */
function fakeCheckpoint(dir: string, step: number): string {
  const path = join(dir, `checkpoint-${step}`);
  mkdirSync(path, { recursive: true });
  for (const f of ['trainer_state.json', 'model.safetensors', 'optimizer.safetensors', 'config.json']) writeFileSync(join(path, f), '{}');
  return path;
}

function collectWarnings(): string[] {
  const warnings: string[] = [];
  mock.method(process, 'emitWarning', (w: string | Error) => { warnings.push(String(w)); });
  return warnings;
}

describe('checkpoint integrity', () => {
  it('a kill during rotation leaves no checkpoint without weights', () => {
    const out = tmp('rotate-kill');
    for (const step of [2, 4, 6]) fakeCheckpoint(out, step);
    // the delete gets as far as the weights, then the process dies
    const realRm = fs.rmSync;
    mock.method(fs, 'rmSync', (path: string, options?: fs.RmOptions) => {
      if (options?.recursive && existsSync(join(path, 'model.safetensors'))) {
        realRm(join(path, 'model.safetensors'));
        throw Object.assign(new Error('killed'), { code: 'SIGKILL' });
      }
      return realRm(path, options);
    });
    syncBuiltinESMExports();
    assert.throws(() => rotateCheckpoints(args(out, { saveTotalLimit: 2 }), null), /killed/);
    mock.restoreAll();
    syncBuiltinESMExports();
    assert.deepEqual(checkpointFolders(out), { 'checkpoint-4': null, 'checkpoint-6': null });
  });

  it('resuming from the last checkpoint skips (and reports) one that has trainer_state.json but no weights', async () => {
    const out = tmp('resume-incomplete');
    const first = new Trainer({ model: tinyModel(0), args: args(out, { maxSteps: 10, saveStrategy: 'steps', saveSteps: 5, loggingSteps: 1 }), trainDataset: syntheticDataset(48) });
    await first.train();
    rmSync(join(out, 'checkpoint-10', 'model.safetensors'));
    const warnings = collectWarnings();
    const resumed = new Trainer({ model: tinyModel(99), args: args(out, { maxSteps: 12, saveStrategy: 'no', loggingSteps: 1 }), trainDataset: syntheticDataset(48) });
    await resumed.train({ resumeFromCheckpoint: true });
    const newSteps = resumed.state.logHistory.filter((e) => 'loss' in e && e.step > 5).map((e) => e.step);
    assert.deepEqual(newSteps, [6, 7, 8, 9, 10, 11, 12], 'resumed from checkpoint-5');
    assert.ok(warnings.some((w) => w.includes('checkpoint-10') && w.includes('model weights')), warnings.join('\n'));
  });

  it('rotation neither counts nor deletes incomplete checkpoints, and says so', () => {
    const out = tmp('rotate-incomplete');
    for (const step of [2, 4, 6]) fakeCheckpoint(out, step);
    rmSync(join(out, 'checkpoint-6', 'trainer_state.json'));
    const warnings = collectWarnings();
    assert.deepEqual(sortedCheckpoints(out).map((p) => p.slice(out.length + 1)), ['checkpoint-2', 'checkpoint-4']);
    rotateCheckpoints(args(out, { saveTotalLimit: 1 }), null);
    assert.deepEqual(checkpointFolders(out), { 'checkpoint-4': null, 'checkpoint-6': 'no trainer_state.json' });
    assert.ok(warnings.some((w) => w.includes('checkpoint-6') && w.includes('trainer_state.json')), warnings.join('\n'));
  });

  it('isUsableCheckpoint (loadBestModelAtEnd) refuses an incomplete best checkpoint', () => {
    const out = tmp('best-incomplete');
    const best = fakeCheckpoint(out, 3);
    assert.equal(isUsableCheckpoint(best), true);
    rmSync(join(best, 'model.safetensors'));
    collectWarnings();
    assert.equal(isUsableCheckpoint(best), false);
  });

  it('saving the same step again replaces it whole, and a failed save leaves the old one', async () => {
    const out = tmp('resave');
    const trainer = new Trainer({ model: tinyModel(0), args: args(out, { maxSteps: 2, saveStrategy: 'no' }), trainDataset: syntheticDataset(16) });
    await trainer.train();
    await trainer.saveCheckpoint();
    const realWrite = fs.writeSync;
    mock.method(fs, 'writeSync', (fd: number, buffer: Uint8Array, offset?: number, length?: number) => {
      realWrite(fd, buffer, offset, Math.min(length ?? buffer.length, 3));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    syncBuiltinESMExports();
    await assert.rejects(trainer.saveCheckpoint(), /ENOSPC/);
    mock.restoreAll();
    syncBuiltinESMExports();
    assert.deepEqual(checkpointFolders(out), { 'checkpoint-2': null });
    assert.deepEqual(readdirSync(join(out, 'checkpoint-2')).filter((n) => n.startsWith('.')), [], 'no temporary files inside');
    await trainer.saveCheckpoint();
    assert.deepEqual(checkpointFolders(out), { 'checkpoint-2': null });
    assert.deepEqual(readdirSync(out).filter((n) => n.startsWith('.checkpoint')), [], 'the replaced one is gone');
  });

  it('kill -9 at any moment of saving and rotating leaves only complete checkpoints, and resuming works', { timeout: 120_000 }, async () => {
    const child = fileURLToPath(new URL('./checkpoint_kill_child.ts', import.meta.url));
    for (const delayMs of [0, 15, 50]) {
      const out = tmp('kill9');
      const proc = spawn(process.execPath, ['--import', 'tsx', child, out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (d) => { if (String(d).includes('SAVING')) resolve(); });
        proc.on('exit', () => reject(new Error(`child exited before saving: ${stderr}`)));
      });
      await sleep(delayMs);
      proc.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const folders = checkpointFolders(out);
      assert.ok(Object.keys(folders).length >= 1, `no checkpoint after ${delayMs} ms`);
      for (const [name, problem] of Object.entries(folders)) assert.equal(problem, null, `${name} after a kill at +${delayMs} ms`);
      const last = Math.max(...Object.keys(folders).map((n) => Number(n.split('-')[1])));
      const resumed = new Trainer({ model: tinyModel(1), args: args(out, { maxSteps: last + 2, saveStrategy: 'no', loggingSteps: 1000 }), trainDataset: syntheticDataset(48) });
      await resumed.train({ resumeFromCheckpoint: true });
      assert.equal(resumed.state.globalStep, last + 2);
    }
  });
});
