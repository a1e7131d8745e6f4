// The main job: fine-tune a BERT sentiment classifier with the Trainer on data shipped in this
// repository (data/sentence-polarity: 4,000 + 1,000 movie-review sentences, CC BY 4.0), with
// the bert-base-uncased tokenizer also shipped (data/tokenizers, Apache-2.0). No network needed.
//
// No pretrained weights can be downloaded on the machines this project is built on, so by
// default the model is a small BERT (2 layers, hidden 128) initialised from scratch: it learns
// the task only partly (~70% accuracy). With network access, start from real weights:
//   npx tsx examples/train.ts --model_name_or_path bert-base-uncased
// Any TrainingArguments flag works too (--num_train_epochs 5, --learning_rate 3e-5, --bf16, ...).
//
// Run: npx tsx examples/train.ts [--model_name_or_path ID_OR_DIR] [--output_dir DIR] [TrainingArguments flags]
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  AutoModelForSequenceClassification, AutoTokenizer, BertConfig, BertForSequenceClassification, Trainer, TrainingArguments,
  evaluate, loadDataset, parseArgsFlags, pipeline, torch,
} from '../src/index.js';
import type { EvalPrediction } from '../src/index.js';

const here = new URL('..', import.meta.url).pathname;
const { args: flags, unknown } = parseArgsFlags(process.argv.slice(2), { allowUnknown: true });
let modelNameOrPath: string | null = null;
for (let i = 0; i < unknown.length; i++) {
  const [flag, inline] = (unknown[i] ?? '').split('=');
  if (flag === '--model_name_or_path' || flag === '--model-name-or-path') modelNameOrPath = inline ?? unknown[++i] ?? null;
  else throw new Error(`examples/train.ts: unknown argument ${unknown[i]} (takes --model_name_or_path and TrainingArguments flags)`);
}

const id2label = { 0: 'negative', 1: 'positive' };
const label2id = { negative: 0, positive: 1 };

// ---- data and tokenizer: all from the repository
const tokenizerPath = modelNameOrPath ?? join(here, 'data/tokenizers/bert-base-uncased');
const tokenizer = await loadOrExplain('tokenizer', () => AutoTokenizer.fromPretrained(tokenizerPath));
const raw = await loadDataset('json', { dataFiles: { train: join(here, 'data/sentence-polarity/train.jsonl'), test: join(here, 'data/sentence-polarity/test.jsonl') } });
const tokenized = await raw.map((b) => tokenizer(b.sentence as string[], undefined, { truncation: true, maxLength: 64 }), { batched: true });
const data = { train: tokenized.get('train'), test: tokenized.get('test') };
console.log(`data: ${data.train.numRows} training and ${data.test.numRows} test sentences (data/sentence-polarity, CC BY 4.0)`);

// ---- model: pretrained weights when given, else a small BERT from a fresh config
torch.manualSeed(42);
const model = modelNameOrPath
  ? await loadOrExplain('model', () => AutoModelForSequenceClassification.fromPretrained(modelNameOrPath!, { numLabels: 2, id2label, label2id }))
  : BertForSequenceClassification.fromConfig(Object.assign(new BertConfig({
    vocabSize: tokenizer.vocabSize, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512, maxPositionEmbeddings: 128,
  }), { id2label, label2id }));
console.log(modelNameOrPath ? `model: ${modelNameOrPath} (pretrained)` : 'model: BERT, 2 layers, hidden 128, from a fresh config (no pretrained weights: see the comment at the top)');

// ---- training: the defaults suit the fresh small model; flags override them
const outputDir = flags.outputDir ?? join(here, 'output/quickstart');
const args = new TrainingArguments({
  outputDir, numTrainEpochs: 3, perDeviceTrainBatchSize: 32, perDeviceEvalBatchSize: 64, learningRate: modelNameOrPath ? 2e-5 : 1e-3,
  warmupRatio: 0.1, weightDecay: 0.01, evalStrategy: 'epoch', saveStrategy: 'epoch', saveTotalLimit: 1, loadBestModelAtEnd: true,
  metricForBestModel: 'accuracy', loggingSteps: 25, reportTo: ['jsonl'], overwriteOutputDir: true, ...flags,
});
const metric = evaluate.load('glue', 'sst2');
const trainer = new Trainer({
  model, args, tokenizer, trainDataset: data.train, evalDataset: data.test,
  computeMetrics: ({ predictions, labelIds }: EvalPrediction) => metric.compute({ predictions: predictions.argmax(-1), references: labelIds }),
});
const result = await trainer.train();
const metrics = await trainer.evaluate();
console.log(`\ntrained ${result.globalStep} steps in ${result.metrics.train_runtime?.toFixed(1)} s (${result.metrics.train_samples_per_second?.toFixed(0)} samples/s), training loss ${result.trainingLoss.toFixed(4)}`);
console.log(`test accuracy ${((metrics.eval_accuracy ?? NaN) * 100).toFixed(1)}% (loss ${metrics.eval_loss?.toFixed(4)}), best checkpoint: ${trainer.state.bestModelCheckpoint}`);

// ---- save, and classify new sentences with the saved model
const finalDir = join(outputDir, 'final');
await trainer.saveModel(finalDir);
console.log(`saved the model and tokenizer to ${finalDir}`);
console.log(`training curves: ${join(outputDir, 'training_curves.svg')}   log: ${join(outputDir, 'trainer_state.json')}`);
const classify = await pipeline('text-classification', finalDir);
for (const text of ['a gorgeous, moving film with terrific performances.', 'a dull, tedious mess that wastes its cast.']) {
  const [top] = await classify(text);
  console.log(`  ${JSON.stringify(text)} → ${top?.label} (${top?.score.toFixed(3)})`);
}

/** Loading from the Hub needs network access: say so plainly instead of a bare fetch error. */
async function loadOrExplain<T>(what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (modelNameOrPath && !existsSync(modelNameOrPath)) {
      console.error(`Could not load the ${what} '${modelNameOrPath}' from the Hugging Face Hub: ${(e as Error).message}\n` +
        'Downloading pretrained weights needs network access to huggingface.co. Without it, run with no --model_name_or_path ' +
        '(a small BERT trained from scratch on the shipped data), or pass a local folder holding config.json, model.safetensors and the tokenizer files.');
      process.exit(2);
    }
    throw e;
  }
}
