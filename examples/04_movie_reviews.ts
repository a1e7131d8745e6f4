// Tutorial 4: movie_reviews (Pang & Lee polarity v2.0, 2,000 reviews, CC BY 4.0) split 80/20
// stratified by label, fine-tuned with the Trainer: accuracy/precision/recall/F1 every epoch,
// a checkpoint per epoch, the best by F1 restored at the end. The custom-head half of this
// tutorial (BertModel + dropout + Xavier linear, hand-written loop) is examples/custom_head.ts.
// BERT-Tiny from a fresh config (no pretrained weights here); reviews truncated to 128 tokens.
// Run: npx tsx examples/04_movie_reviews.ts  (needs ../shared; ~1-2 min on 2 cores)
import {
  AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments, evaluate, loadDataset, torch,
} from '../src/index.js';
import type { EvalPrediction } from '../src/index.js';

const raw = await loadDataset('textfolder', { dataDir: '../shared/datasets/movie_reviews/movie_reviews.zip' });
const reviews = raw.get('train');
const splits = reviews.trainTestSplit({ testSize: 0.2, stratifyByColumn: 'label', seed: 42 });
const count = (ds: typeof reviews) => (ds.column('label') as number[]).reduce((c, l) => (c[l] = (c[l] ?? 0) + 1, c), [0, 0]);
console.log(`labels ${reviews.features.label.names}: train ${count(splits.train)}, test ${count(splits.test)} (stratified)`);

const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const tokenized = await splits.map((b) => tokenizer(b.text, undefined, { truncation: true, maxLength: 128 }), { batched: true });

torch.manualSeed(42);
const config = await AutoConfig.fromPretrained('../shared/configs/bert-tiny', { numLabels: 2, id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } });
const model = AutoModelForSequenceClassification.fromConfig(config);
const metrics = ['accuracy', 'precision', 'recall', 'f1'].map((m) => evaluate.load(m));
const computeMetrics = ({ predictions, labelIds }: EvalPrediction) => {
  const preds = predictions.argmax(-1);
  return Object.assign({}, ...metrics.map((m) => m.compute({ predictions: preds, references: labelIds })));
};

const trainer = new Trainer({
  model, tokenizer, computeMetrics, trainDataset: tokenized.train, evalDataset: tokenized.test,
  args: new TrainingArguments({
    outputDir: '/tmp/finetune-movie-reviews', overwriteOutputDir: true, numTrainEpochs: 4, perDeviceTrainBatchSize: 16, learningRate: 5e-4, warmupRatio: 0.1,
    evalStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true, metricForBestModel: 'f1', loggingSteps: 50, reportTo: 'none',
  }),
});
await trainer.train();
console.log('best checkpoint', trainer.state.bestModelCheckpoint, 'f1', trainer.state.bestMetric);
console.log('restored best model:', await trainer.evaluate());
