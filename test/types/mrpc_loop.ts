// Type-checked port of the course's "A full training" (MRPC, hand-written loop): DataLoader
// with a collator, torch.device, AdamW + getScheduler, tqdm(range(n)) with a postfix.
import {
  AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, DataLoader, evaluate, loadDataset, optim, range, torch, tqdm,
} from '../../src/index.js';

const checkpoint = 'bert-base-uncased';
const tokenizer = await AutoTokenizer.fromPretrained(checkpoint);
const raw = await loadDataset('glue', 'mrpc');
let tokenized = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
tokenized = tokenized.removeColumns(['sentence1', 'sentence2', 'idx']);
tokenized = tokenized.renameColumn('label', 'labels');
tokenized.train = tokenized.train.shuffle(42).select(range(1000)); // DatasetDict splits are assignable
const dataCollator = new DataCollatorWithPadding({ tokenizer });
const trainDataloader = new DataLoader(tokenized.train, { shuffle: true, batchSize: 8, collateFn: dataCollator });
const evalDataloader = new DataLoader(tokenized.validation, { batchSize: 8, collateFn: dataCollator });

const model = await AutoModelForSequenceClassification.fromPretrained(checkpoint, { numLabels: 2 });
const device = torch.device(torch.cuda.isAvailable() ? 'cuda' : 'cpu');
model.to(device);
const optimizer = new optim.AdamW(model.parameters(), { lr: 5e-5 });
const numEpochs = 3;
const numTrainingSteps = numEpochs * trainDataloader.length;
const lrScheduler = optim.getScheduler('linear', optimizer, { numWarmupSteps: 0, numTrainingSteps });

const progressBar = tqdm(range(numTrainingSteps));
model.train();
for (let epoch = 0; epoch < numEpochs; epoch++) {
  for (const batch of trainDataloader) {
    const inputIds: torch.Tensor = batch.input_ids;
    const onDevice = Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, v.to(device)]));
    const loss = model.forward({ ...onDevice, labels: onDevice.labels }).loss;
    loss.backward();
    optimizer.step();
    lrScheduler.step();
    optimizer.zeroGrad();
    progressBar.update(1);
    progressBar.setPostfix({ loss: loss.item(), tokens: inputIds.numel() });
  }
}
progressBar.close();

const metric = evaluate.load('glue', 'mrpc');
model.eval();
for (const batch of evalDataloader) {
  const logits = torch.noGrad(() => model.forward(batch).logits);
  metric.addBatch({ predictions: logits.argmax(-1), references: batch.labels });
}
console.log(metric.compute());
torch.cuda.emptyCache();
