// Times 60 Trainer steps (MRPC, BERT-mini from a fresh config, batch 32, dynamic padding) and
// prints the run time and the training loss: run it in two checkouts, alternating, to see
// whether a change moved the Trainer's speed or its numbers.
// Run: THREADS=2 npx tsx bench/trainer_steps.ts   (needs ../shared)
import { Trainer, TrainingArguments, torch } from '../src/index.js';
import { bertMini, mrpcTrain } from './mrpc.js';

torch.setNumThreads(Number(process.env.THREADS ?? 2));
const { tokenizer, train } = await mrpcTrain();
const model = bertMini();
const args = new TrainingArguments({
  outputDir: '/tmp/finetune-trainer-steps', maxSteps: 60, perDeviceTrainBatchSize: 32, learningRate: 5e-5,
  reportTo: 'none', logLevel: 'error', disableTqdm: true, saveStrategy: 'no', loggingSteps: 20,
});
const out = await new Trainer({ model, args, trainDataset: train, tokenizer }).train();
console.log(JSON.stringify({ train_runtime: out.metrics.train_runtime, loss: out.trainingLoss }));
