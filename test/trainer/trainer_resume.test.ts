// Resuming: a run restarted from any of its checkpoints logs exactly the losses, gradient
// norms and learning rates of the uninterrupted run (model, optimizer, scheduler, RNG and data
// order all restored), including a run stopped by Ctrl-C in another process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Trainer, TrainerState } from '../../src/index.js';
import { args, syntheticDataset, tinyModel, tmp } from './trainer_helpers.js';

/** 48 rows in batches of 8: 6 steps per epoch, so checkpoint-8 is in the middle of epoch 2. */
async function run(outputDir: string, init: Record<string, unknown>, resumeFromCheckpoint?: string | boolean) {
  const trainer = new Trainer({ model: tinyModel(resumeFromCheckpoint ? 99 : 0), args: args(outputDir, { maxSteps: 14, loggingSteps: 1, ...init }), trainDataset: syntheticDataset(48) });
  await trainer.train({ resumeFromCheckpoint });
  return trainer;
}

const trace = (history: Record<string, number>[], after = 0) =>
  history.filter((e) => 'loss' in e && e.step > after).map((e) => [e.step, e.loss, e.grad_norm, e.learning_rate, e.epoch]);

describe('Trainer resume', () => {
  // groupByLength: the order comes from torch's global generator (as transformers'), which a
  // resumed run must set to the state its epoch began with before drawing the order again
  for (const sampling of [{}, { groupByLength: true }]) {
    it(`continues from a mid-epoch checkpoint with the uninterrupted run's numbers${'groupByLength' in sampling ? ' (groupByLength)' : ''}`, async () => {
      const full = await run(tmp('resume-full'), { saveStrategy: 'steps', saveSteps: 4, warmupSteps: 3, ...sampling });
      const out = tmp('resume-part');
      await run(out, { saveStrategy: 'steps', saveSteps: 4, warmupSteps: 3, maxSteps: 14, ...sampling });
      for (const ckpt of ['checkpoint-4', 'checkpoint-8']) {
        const step = Number(ckpt.split('-')[1]);
        const resumed = await run(tmp('resume-again'), { saveStrategy: 'no', warmupSteps: 3, ...sampling }, join(out, ckpt));
        assert.equal(resumed.state.globalStep, 14);
        assert.deepEqual(trace(resumed.state.logHistory, step), trace(full.state.logHistory, step), `resumed from ${ckpt}`);
        // the history before the checkpoint comes back with it
        assert.deepEqual(trace(resumed.state.logHistory).slice(0, step), trace(full.state.logHistory).slice(0, step));
      }
    });
  }

  it('resumeFromCheckpoint: true picks the last checkpoint, and fails clearly when there is none', async () => {
    const out = tmp('resume-last');
    await run(out, { saveStrategy: 'steps', saveSteps: 5, maxSteps: 10 });
    const t = await run(out, { saveStrategy: 'no', maxSteps: 12 }, true);
    assert.equal(t.state.logHistory.filter((e) => 'loss' in e)[0].step, 1);
    assert.equal(trace(t.state.logHistory, 10).length, 2, 'only steps 11 and 12 are new');
    await assert.rejects(run(tmp('resume-none'), {}, true), /No valid checkpoint found in output directory/);
  });

  it('Ctrl-C saves a checkpoint; resuming from it matches the uninterrupted run', { timeout: 60_000 }, async () => {
    const out = tmp('sigint');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./sigint_child.ts', import.meta.url)), out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('READY')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited before READY: ${stderr}`)));
    });
    child.kill('SIGINT');
    const [code, signal] = await exited;
    assert.ok(signal === 'SIGINT' || code === 130, `exits as interrupted (code ${code}, signal ${signal}): ${stderr}`);
    assert.ok(!stdout.includes('FINISHED'));
    assert.match(stderr, /Interrupted: saving a checkpoint/);
    const ckpts = readdirSync(out).filter((n) => n.startsWith('checkpoint-'));
    assert.equal(ckpts.length, 1, stderr);
    const step = TrainerState.loadFromJson(join(out, ckpts[0], 'trainer_state.json')).globalStep;
    assert.ok(step >= 3 && step < 40, `interrupted at step ${step}`);
    assert.ok(existsSync(join(out, ckpts[0], 'optimizer.safetensors')));

    const full = await run(tmp('sigint-full'), { maxSteps: 40, saveStrategy: 'no' });
    const resumed = await run(tmp('sigint-resumed'), { maxSteps: 40, saveStrategy: 'no' }, join(out, ckpts[0]));
    assert.deepEqual(trace(resumed.state.logHistory), trace(full.state.logHistory));
  });
});
