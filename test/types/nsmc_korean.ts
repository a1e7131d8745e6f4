// Type-checked port of the NSMC (Korean movie reviews) tutorial: typed splits from loadDataset,
// typed columns of a fromDict dataset, select(range(n)), filter, the Trainer with snake_case
// arguments and a metric via loadMetric.
import {
  AutoModelForSequenceClassification, AutoTokenizer, Dataset, DatasetDict, Trainer, TrainingArguments, loadDataset, loadMetric, range,
} from '../../src/index.js';

const nsmc = await loadDataset('nsmc', { dataDir: '../shared/datasets/nsmc' });
const train = nsmc.train.shuffle(42).select(range(2000)); // 'train' and 'test' are typed splits
const small: DatasetDict<'train' | 'test'> = nsmc;
small.test = nsmc.test.select(range(500));

const local = Dataset.fromDict({ document: ['좋아요', '별로'], label: [1, 0] });
const labels: number[] = local.column('label');
const documents: string[] = local.column('document');
const first: { document: string; label: number } = local.get(0);

const tokenizer = await AutoTokenizer.fromPretrained('bert-base-multilingual-cased');
const enc = await tokenizer(documents, undefined, { padding: true, returnTensors: 'pt' });
const shape: number[] = enc.input_ids.shape;
const tokenized = await train.map((b) => tokenizer(b.document, undefined, { truncation: true, maxLength: 128 }), { batched: true });

const metric = loadMetric('accuracy');
const model = await AutoModelForSequenceClassification.fromPretrained('bert-base-multilingual-cased', { num_labels: 2 });
const trainer = new Trainer({
  model, processing_class: tokenizer, train_dataset: tokenized, eval_dataset: small.test,
  args: new TrainingArguments('nsmc-out', { num_train_epochs: 1, eval_strategy: 'epoch', learning_rate: 5e-5 }),
  compute_metrics: ({ predictions, labelIds }) => metric.compute({ predictions: predictions.argmax(-1), references: labelIds }),
});
await trainer.train();
void [labels, first, shape];
