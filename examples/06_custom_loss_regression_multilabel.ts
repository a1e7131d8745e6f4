// Tutorial 6, three variations on the Trainer:
//  a) class-weighted cross-entropy through a computeLoss override (MRPC is 68% paraphrases:
//     weights inversely proportional to the class frequencies);
//  b) regression on STS-B (numLabels 1 → MSE loss; Pearson and Spearman correlations);
//  c) multi-label classification (problemType multi_label_classification → BCE loss) on the
//     shipped sentence-polarity data with two labels per sentence: [positive, mentions a
//     performer] (the second derived from the words actor/actress/cast/performance).
// Each uses a BERT-Tiny from a fresh config (no pretrained weights here) and a small slice.
// Run: npx tsx examples/06_custom_loss_regression_multilabel.ts  (needs ../shared; ~2 min)
import {
  AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments, evaluate, loadDataset, nn, torch,
} from '../src/index.js';
import type { AutoSequenceClassificationModel, EvalPrediction } from '../src/index.js';

type Tensor = torch.Tensor;

const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const tiny = async (numLabels: number, extra: Record<string, unknown> = {}) => {
  torch.manualSeed(42);
  return AutoModelForSequenceClassification.fromConfig(await AutoConfig.fromPretrained('../shared/configs/bert-tiny', { numLabels, ...extra }));
};
const args = (name: string, init: Record<string, unknown> = {}) => new TrainingArguments({
  outputDir: `/tmp/finetune-${name}`, overwriteOutputDir: true, numTrainEpochs: 2, perDeviceTrainBatchSize: 32, learningRate: 5e-4, warmupRatio: 0.1,
  evalStrategy: 'epoch', saveStrategy: 'no', loggingSteps: 1000, reportTo: 'none', disableTqdm: true, logLevel: 'warning', ...init,
});
const first = <T extends { numRows: number; select(i: number[]): T }>(ds: T, n: number) => ds.select(Array.from({ length: Math.min(n, ds.numRows) }, (_, i) => i));

// ---- a) class weights
const mrpc = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
const mrpcTok = await mrpc.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
const labels = mrpc.train.column('label') as number[];
const freq = [0, 1].map((c) => labels.filter((l) => l === c).length / labels.length);
const classWeights = freq.map((f) => 1 / (2 * f));
console.log(`a) MRPC class frequencies ${freq.map((f) => f.toFixed(3))} → weights ${classWeights.map((w) => w.toFixed(3))}`);

// the class weights must be float32: torch.tensor([1.5, 0.7]) of JavaScript numbers is float32 here,
// but torch.tensor([1.0, 3.0]) would be int64 (1.0 is the number 1), so say the dtype
const lossFct = new nn.CrossEntropyLoss({ weight: torch.tensor(classWeights, { dtype: 'float32' }) });
class WeightedLossTrainer extends Trainer<AutoSequenceClassificationModel> {
  override computeLoss(model: AutoSequenceClassificationModel, inputs: Record<string, unknown>, returnOutputs = false): Tensor | [Tensor, unknown] {
    const { labels: y, ...rest } = inputs;
    const outputs = model.forward(rest);
    const loss = lossFct.forward(outputs.logits, y as Tensor);
    return returnOutputs ? [loss, outputs] : loss;
  }
}
const glueMrpc = evaluate.load('glue', 'mrpc');
const weighted = new WeightedLossTrainer({
  model: await tiny(2), tokenizer, args: args('weighted'), trainDataset: first(mrpcTok.train, 2000), evalDataset: mrpcTok.validation,
  computeMetrics: ({ predictions, labelIds }: EvalPrediction) => glueMrpc.compute({ predictions: predictions.argmax(-1), references: labelIds }),
});
await weighted.train();
const predsA = await weighted.predict(mrpcTok.validation);
const predicted = predsA.predictions.argmax(-1).toArray() as number[];
console.log('   weighted loss:', predsA.metrics, `predicted class counts [${[0, 1].map((c) => predicted.filter((p) => p === c).length)}]`);

// ---- b) regression
const stsb = await loadDataset('glue', 'stsb', { dataDir: '../shared/datasets/glue/STS-B' });
const stsbTok = await stsb.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
const glueStsb = evaluate.load('glue', 'stsb');
const regression = new Trainer({
  model: await tiny(1), tokenizer, args: args('stsb'), trainDataset: first(stsbTok.train, 3000), evalDataset: stsbTok.validation,
  computeMetrics: ({ predictions, labelIds }: EvalPrediction) => glueStsb.compute({ predictions: predictions.squeeze(-1), references: labelIds }),
});
await regression.train();
console.log('b) STS-B regression:', await regression.evaluate());

// ---- c) multi-label
const polarity = await loadDataset('json', { dataFiles: { train: 'data/sentence-polarity/train.jsonl', test: 'data/sentence-polarity/test.jsonl' } });
const performer = /\b(actor|actors|actress|cast|performance|performances)\b/;
const multi = await polarity.map((b) => ({
  labels: (b.sentence as string[]).map((s, i) => [(b.label as number[])[i], performer.test(s) ? 1 : 0]),
}), { batched: true, removeColumns: ['label'] });
const multiTok = await multi.map((b) => tokenizer(b.sentence, undefined, { truncation: true, maxLength: 64 }), { batched: true });
const f1 = evaluate.load('f1', 'multilabel');
const multiLabel = new Trainer({
  model: await tiny(2, { problemType: 'multi_label_classification', id2label: { 0: 'positive', 1: 'performer' }, label2id: { positive: 0, performer: 1 } }),
  tokenizer, args: args('multilabel', { numTrainEpochs: 3, learningRate: 1e-3 }), trainDataset: multiTok.train, evalDataset: multiTok.test,
  computeMetrics: ({ predictions, labelIds }: EvalPrediction) => {
    const hits = predictions.sigmoid().gt(0.5).to('int64');
    return { f1_micro: f1.compute({ predictions: hits, references: labelIds!.to('int64'), average: 'micro' }).f1 as number };
  },
});
await multiLabel.train();
console.log('c) multi-label [positive, performer]:', await multiLabel.evaluate());
