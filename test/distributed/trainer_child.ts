// One worker of the launcher tests: trains a tiny BERT with the Trainer (no dropout, so ranks
// and the single process draw nothing differently) and, on the main process, writes the final
// parameters, the log history and the evaluation predictions. `fail` makes rank 1 exit 3,
// `kill` makes it die of SIGKILL.
import { writeFileSync } from 'node:fs';

import { Trainer } from '../../src/index.js';
import { args, syntheticDataset, tinyModel } from '../trainer/trainer_helpers.js';

const [outDir, mode] = process.argv.slice(2);
console.log(`worker pid ${process.pid}`);
if ((mode === 'fail' || mode === 'kill') && process.env.RANK === '1') {
  setTimeout(() => (mode === 'kill' ? process.kill(process.pid, 'SIGKILL') : process.exit(3)), 500);
  await new Promise(() => {});
}
const trainer = new Trainer({
  model: tinyModel(0, { dropout: 0 }),
  args: args(outDir, {
    perDeviceTrainBatchSize: Number(process.env.BATCH ?? 4), maxSteps: 6, loggingSteps: 2, weightDecay: 0.01,
    ...(process.env.SAVE_STEPS ? { saveStrategy: 'steps', saveSteps: Number(process.env.SAVE_STEPS) } : { saveStrategy: 'no' }),
  }),
  trainDataset: syntheticDataset(48),
  evalDataset: syntheticDataset(25, 7),
  computeMetrics: ({ predictions }) => ({ count: predictions.size(0) }),
});
await trainer.train(process.env.RESUME ? { resumeFromCheckpoint: process.env.RESUME } : {});
const metrics = await trainer.evaluate();
const { predictions } = await trainer.predict(syntheticDataset(25, 7));
if (trainer.accelerator.isMainProcess) {
  writeFileSync(`${outDir}/result.json`, JSON.stringify({
    params: trainer.model.parameters().map((p) => p.detach().reshape(-1).toArray()),
    losses: trainer.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss),
    history: trainer.state.logHistory.filter((e) => 'loss' in e || 'train_loss' in e),
    totalFlos: trainer.state.totalFlos,
    metrics,
    predictions: predictions.toArray(),
  }));
}
console.log(`trained ${trainer.state.globalStep} steps on rank ${process.env.RANK ?? 0}`);
