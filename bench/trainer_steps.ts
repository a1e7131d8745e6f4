// Times 60 Trainer steps (MRPC, BERT-mini from a fresh config, batch 32, dynamic padding) and
// prints the run time and the training loss: run it in two checkouts, alternating, to see
// whether a change moved the Trainer's speed or its numbers.
// Run: THREADS=2 npx tsx bench/trainer_steps.ts   (needs ../shared)
import { AutoTokenizer, BertConfig, BertForSequenceClassification, Trainer, TrainingArguments, disableCaching, loadDataset, torch } from '../src/index.js';

torch.setNumThreads(Number(process.env.THREADS ?? 2));
disableCaching();
const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
const train = await raw.get('train').map((b) => tokenizer(b.sentence1 as string[], b.sentence2 as string[], { truncation: true }), { batched: true });
torch.manualSeed(42);
const model = BertForSequenceClassification.fromConfig(new BertConfig({ hiddenSize: 256, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 1024, numLabels: 2 }));
const args = new TrainingArguments({
  outputDir: '/tmp/finetune-trainer-steps', maxSteps: 60, perDeviceTrainBatchSize: 32, learningRate: 5e-5,
  reportTo: 'none', logLevel: 'error', disableTqdm: true, saveStrategy: 'no', loggingSteps: 20,
});
const out = await new Trainer({ model, args, trainDataset: train, tokenizer }).train();
console.log(JSON.stringify({ train_runtime: out.metrics.train_runtime, loss: out.trainingLoss }));
