// Tutorial 5: NSMC, Korean movie reviews (CC0), with the bert-base-multilingual-cased tokenizer:
// 2,000 training and 2,000 test reviews sampled with a fixed seed, a checkpoint every 50 steps
// with at most 2 kept (saveTotalLimit), and an evaluation at the end. The model is a small BERT
// from a fresh config sized for the multilingual vocabulary (no pretrained weights here).
// Run: npx tsx examples/05_nsmc_korean.ts  (needs ../shared; ~1 min on 2 cores)
import { readdirSync } from 'node:fs';

import {
  AutoTokenizer, BertConfig, BertForSequenceClassification, Trainer, TrainingArguments, evaluate, loadDataset, torch,
} from '../src/index.js';
import type { EvalPrediction } from '../src/index.js';

const raw = await loadDataset('nsmc', { dataDir: '../shared/datasets/nsmc' });
const train = raw.train.shuffle({ seed: 42 }).select(Array.from({ length: 2000 }, (_, i) => i));
const test = raw.test.shuffle({ seed: 42 }).select(Array.from({ length: 2000 }, (_, i) => i));
console.log(`NSMC sample: ${train.numRows} train, ${test.numRows} test; e.g. ${JSON.stringify(train.get(0).document)} → ${train.get(0).label}`);

const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-multilingual-cased');
const encode = (ds: typeof train) => ds.map((b) => tokenizer(b.document, undefined, { truncation: true, maxLength: 64 }), { batched: true });
const [trainTok, testTok] = [await encode(train), await encode(test)];

torch.manualSeed(42);
const model = BertForSequenceClassification.fromConfig(new BertConfig({
  vocabSize: tokenizer.vocabSize, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512, maxPositionEmbeddings: 128, numLabels: 2,
}));
const accuracy = evaluate.load('accuracy');
const outputDir = '/tmp/finetune-nsmc';
const trainer = new Trainer({
  model, tokenizer, trainDataset: trainTok, evalDataset: testTok,
  computeMetrics: ({ predictions, labelIds }: EvalPrediction) => accuracy.compute({ predictions: predictions.argmax(-1), references: labelIds }),
  args: new TrainingArguments({
    outputDir, overwriteOutputDir: true, numTrainEpochs: 3, perDeviceTrainBatchSize: 32, learningRate: 1e-3, warmupRatio: 0.1,
    saveStrategy: 'steps', saveSteps: 50, saveTotalLimit: 2, loggingSteps: 25, reportTo: 'none',
  }),
});
const result = await trainer.train();
console.log('checkpoints kept (saveTotalLimit 2):', readdirSync(outputDir).filter((n) => n.startsWith('checkpoint-')).sort());
console.log('train', result.metrics);
console.log('test', await trainer.evaluate());
