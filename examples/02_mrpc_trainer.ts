// Tutorial 2 (and issue 5's acceptance snippet, as written): GLUE MRPC → loadDataset → map(batched)
// → DataCollatorWithPadding → Trainer with computeMetrics (accuracy, F1) evaluated every epoch, the
// best checkpoint by F1 restored at the end. BERT-Tiny from a fresh config: no pretrained weights can
// be downloaded here, so expect the majority-class F1 (~0.81); with weights, use fromPretrained.
// Run: npx tsx examples/02_mrpc_trainer.ts  (needs ../shared; ~1 min on 2 cores)
import { AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments, evaluate, loadDataset } from 'finetune';
const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
const tokenized = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
const config = await AutoConfig.fromPretrained('../shared/configs/bert-tiny', { numLabels: 2 });
const model = AutoModelForSequenceClassification.fromConfig(config);
const metric = evaluate.load('glue', 'mrpc');
const trainer = new Trainer({
  model,
  args: new TrainingArguments({ outputDir: '/tmp/finetune-mrpc', numTrainEpochs: 2, evalStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true, metricForBestModel: 'f1', perDeviceTrainBatchSize: 32, learningRate: 1e-4 }),
  trainDataset: tokenized['train'], evalDataset: tokenized['validation'],
  dataCollator: new DataCollatorWithPadding({ tokenizer }), tokenizer,
  computeMetrics: ({ predictions, labelIds }) => metric.compute({ predictions: predictions.argmax(-1), references: labelIds }),
});
const result = await trainer.train();
console.log(result.metrics, await trainer.evaluate());
const preds = await trainer.predict(tokenized['validation']);
console.log(preds.predictions.shape, preds.metrics);
