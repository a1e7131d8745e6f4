// Tutorial 3: the MRPC fine-tuning of tutorial 2 as a hand-written loop: DataLoader with dynamic
// padding, AdamW, getScheduler('linear'), a progress bar, model.train()/eval(), noGrad, and
// metric.addBatch/compute. BERT-Tiny from a fresh config (no pretrained weights here), so the
// numbers are those of a model trained from scratch on 3,668 pairs.
// Run: npx tsx examples/03_mrpc_loop.ts  (needs ../shared; ~1 min on 2 cores)
import {
  AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, DataLoader, evaluate, loadDataset, optim, progress, torch,
} from '../src/index.js';

const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
const tokenized = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
// what the Trainer does for you: drop the text columns, the collator renames label → labels
const columns = ['sentence1', 'sentence2', 'idx'];
const collator = new DataCollatorWithPadding({ tokenizer });
const trainLoader = new DataLoader(tokenized.train.removeColumns(columns), { shuffle: true, seed: 42, batchSize: 32, collateFn: collator });
const evalLoader = new DataLoader(tokenized.validation.removeColumns(columns), { batchSize: 64, collateFn: collator });

torch.manualSeed(42);
const config = await AutoConfig.fromPretrained('../shared/configs/bert-tiny', { numLabels: 2 });
const model = AutoModelForSequenceClassification.fromConfig(config);
const optimizer = new optim.AdamW(model.parameters(), { lr: 1e-4 });
const numEpochs = 2;
const numTrainingSteps = numEpochs * trainLoader.length;
const scheduler = optim.getScheduler('linear', optimizer, { numWarmupSteps: 0, numTrainingSteps });
console.log(`${numTrainingSteps} training steps`);

for (let epoch = 0; epoch < numEpochs; epoch++) {
  model.train();
  let total = 0;
  for await (const batch of progress(trainLoader, { desc: `epoch ${epoch + 1}` })) {
    total += torch.tidy(() => {
      const loss = model.forward(batch).loss!;
      loss.backward();
      optimizer.step();
      scheduler.step();
      optimizer.zeroGrad();
      return loss.item();
    });
    torch.dispose(batch);
  }

  model.eval();
  const metric = evaluate.load('glue', 'mrpc');
  for (const batch of evalLoader) {
    const predictions = torch.tidy(() => torch.noGrad(() => model.forward(batch).logits.argmax(-1)));
    metric.addBatch({ predictions, references: batch.labels });
    torch.dispose([predictions, batch]);
  }
  console.log(`epoch ${epoch + 1}: train loss ${(total / trainLoader.length).toFixed(4)}`, metric.compute());
}
