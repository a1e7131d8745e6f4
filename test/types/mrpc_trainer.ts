// Type-checked port (not run in CI) of the Hugging Face course's "Fine-tuning a model with the
// Trainer API" (MRPC), written as a Python user writes it: TrainingArguments('test-trainer'),
// the Trainer's positional order, snake_case options, `const [logits, labels] = evalPred`.
import {
  AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, EvalPrediction, Trainer, TrainingArguments, evaluate, loadDataset,
} from '../../src/index.js';

const checkpoint = 'bert-base-uncased';
const rawDatasets = await loadDataset('glue', 'mrpc');
const tokenizer = await AutoTokenizer.fromPretrained(checkpoint);
const tokenizeFunction = (example: { sentence1: string[]; sentence2: string[] }) => tokenizer(example.sentence1, example.sentence2, { truncation: true });
const tokenizedDatasets = await rawDatasets.map(tokenizeFunction as never, { batched: true });
const dataCollator = new DataCollatorWithPadding({ tokenizer });

const trainingArgs = new TrainingArguments('test-trainer', { eval_strategy: 'epoch', num_train_epochs: 3, per_device_train_batch_size: 8 });
const model = await AutoModelForSequenceClassification.fromPretrained(checkpoint, { numLabels: 2 });

async function computeMetrics(evalPreds: EvalPrediction): Promise<Record<string, number>> {
  const metric = evaluate.load('glue', 'mrpc');
  const [logits, labels] = evalPreds;
  const predictions = logits!.argmax(-1);
  return metric.compute({ predictions, references: labels! }) as Record<string, number>;
}

// positional, as transformers' Trainer(model, args, data_collator, train_dataset, eval_dataset, processing_class, …)
const positional = new Trainer(model, trainingArgs, dataCollator, tokenizedDatasets.train, tokenizedDatasets.validation, tokenizer);
// or keyword-style, with transformers' names
const trainer = new Trainer({
  model, args: trainingArgs, train_dataset: tokenizedDatasets.train, eval_dataset: tokenizedDatasets.validation,
  data_collator: dataCollator, processing_class: tokenizer, compute_metrics: computeMetrics,
});
await trainer.train();
const predictions = await trainer.predict(tokenizedDatasets.validation);
const shape: number[] = predictions.predictions.shape;
const labelCount: number | undefined = predictions.labelIds?.shape[0];
void [positional, shape, labelCount];
