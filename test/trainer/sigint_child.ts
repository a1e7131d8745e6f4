// Child process for the Ctrl-C test: trains slowly (a callback sleeps after each step from
// step 3) and says READY, so the parent can send SIGINT while training is under way.
import { setTimeout as sleep } from 'node:timers/promises';

import { Trainer, TrainerCallback } from '../../src/index.js';
import type { TrainerState } from '../../src/index.js';
import { args, syntheticDataset, tinyModel } from './trainer_helpers.js';

class Slow extends TrainerCallback {
  override async onStepEnd(_a: unknown, state: TrainerState): Promise<void> {
    if (state.globalStep === 3) process.stdout.write('READY\n');
    if (state.globalStep >= 3) await sleep(40);
  }
}

const trainer = new Trainer({
  model: tinyModel(),
  args: args(process.argv[2], { maxSteps: 40, loggingSteps: 1, saveStrategy: 'no' }),
  trainDataset: syntheticDataset(48),
  callbacks: [new Slow()],
});
const result = await trainer.train();
// the library resolves train() after saving; exiting as an interrupted program is the caller's choice
if (result.interrupted) process.exitCode = 130;
else process.stdout.write('FINISHED\n');
