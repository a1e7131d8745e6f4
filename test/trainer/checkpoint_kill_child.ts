// Child process for the kill -9 test: saves a checkpoint every step and keeps two, so that a
// SIGKILL at any moment is likely to land inside a save or a rotation. Says SAVING once the
// first checkpoint exists.
import { Trainer, TrainerCallback } from '../../src/index.js';
import { args, syntheticDataset, tinyModel } from './trainer_helpers.js';

class Announce extends TrainerCallback {
  override onSave(): void {
    process.stdout.write('SAVING\n');
  }
}

const trainer = new Trainer({
  model: tinyModel(),
  args: args(process.argv[2], { maxSteps: 400, loggingSteps: 50, saveStrategy: 'steps', saveSteps: 1, saveTotalLimit: 2 }),
  trainDataset: syntheticDataset(48),
  callbacks: [new Announce()],
});
await trainer.train();
