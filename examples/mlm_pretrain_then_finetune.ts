// Domain-adaptive pretraining, measured: a small BERT is pretrained with masked LM on the
// shipped sentence-polarity text (the first 3,600 train sentences, labels unused; the last 400
// train sentences measure the MLM perplexity), then fine-tuned for polarity classification on
// the 4,000 train sentences; the same architecture fine-tuned from random initialisation with
// the same fine-tuning steps is the baseline (given a higher learning rate, --scratch_lr, since
// fresh weights need bigger steps; both rates are printed). The test split (1,000 sentences) is
// used once, at the end, for both accuracies. The tokenizer is a 2,000-piece WordPiece trained
// on the train sentences (data/tokenizers/polarity-wordpiece-2k), so the embedding stays small.
// Run: nice npx tsx examples/mlm_pretrain_then_finetune.ts [--mlm_steps 2000] [--ft_steps 375]
import {
  AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DataCollatorForLanguageModeling, DataCollatorWithPadding,
  DataLoader, evaluate, groupTexts, loadDataset, optim, torch,
} from '../src/index.js';

const arg = (name: string, fallback: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const [mlmSteps, ftSteps, batchSize, blockSize] = [arg('mlm_steps', 2000), arg('ft_steps', 375), 32, 48];
const [mlmLr, ftLr, scratchLr] = [arg('mlm_lr', 1e-3), arg('ft_lr', 3e-4), arg('scratch_lr', 6e-4)];
const tokenizer = await AutoTokenizer.fromPretrained('data/tokenizers/polarity-wordpiece-2k');
const raw = await loadDataset('json', { dataFiles: { train: 'data/sentence-polarity/train.jsonl', test: 'data/sentence-polarity/test.jsonl' } });
const mlmText = { train: raw.train!.select([...Array(3600).keys()]), held: raw.train!.select([...Array(400).keys()].map((i) => 3600 + i)) };
const config = () => new BertConfig({ vocabSize: tokenizer.numTokens, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512, maxPositionEmbeddings: 128, numLabels: 2 });
console.log(`threads ${torch.getNumThreads()}; mlm ${mlmSteps} steps lr ${mlmLr}; fine-tuning ${ftSteps} steps, lr ${ftLr} (pretrained) / ${scratchLr} (random init), batch ${batchSize}`);

function loop<T>(loader: DataLoader<T>): () => T {
  let it = loader[Symbol.iterator]();
  return () => { let n = it.next(); if (n.done) { it = loader[Symbol.iterator](); n = it.next(); } return n.value as T; };
}

interface Trainable { train(mode?: boolean): unknown; parameters(): ReturnType<typeof torch.tensor>[]; forward(batch: never): unknown }

function train(model: Trainable, next: () => Record<string, unknown>, steps: number, lr: number, every: number, onEval?: (step: number) => void): void {
  const opt = new optim.AdamW(model.parameters(), { lr, weightDecay: 0.01 });
  const sched = optim.getScheduler('linear', opt, { numWarmupSteps: Math.floor(steps / 10), numTrainingSteps: steps });
  for (let step = 1; step <= steps; step++) {
    model.train();
    const batch = next();
    torch.tidy(() => {
      const loss = (model.forward(batch as never) as { loss: ReturnType<typeof torch.tensor> }).loss;
      loss.backward();
      opt.step(); sched.step(); opt.zeroGrad();
    });
    torch.dispose(batch as never);
    if (onEval && step % every === 0) onEval(step);
  }
}

// ---- 1. MLM pretraining on grouped blocks of the train text (run_mlm.py without line_by_line)
const t0 = Date.now();
const tokenizeLm = (d: typeof raw.train) => d!.map((b) => tokenizer(b.sentence as string[], { returnSpecialTokensMask: true }), { batched: true, removeColumns: ['sentence', 'label'] });
const blocks = { train: await (await tokenizeLm(mlmText.train)).map(groupTexts(blockSize), { batched: true }), held: await (await tokenizeLm(mlmText.held)).map(groupTexts(blockSize), { batched: true }) };
const mlmCollator = new DataCollatorForLanguageModeling({ tokenizer, mlmProbability: 0.15 });
torch.manualSeed(42);
const mlmModel = AutoModelForMaskedLM.fromConfig(config());
const heldOut = new DataLoader(blocks.held, { batchSize: 64, collateFn: new DataCollatorForLanguageModeling({ tokenizer, seed: 0 }) });
const perplexity = () => {
  mlmModel.eval();
  let [sum, n] = [0, 0];
  for (const batch of heldOut) {
    sum += torch.tidy(() => torch.noGrad(() => mlmModel.forward(batch).loss!.item()));
    n++;
    torch.dispose(batch);
  }
  return Math.exp(sum / n);
};
const curve: [number, number][] = [[0, perplexity()]];
train(mlmModel, loop(new DataLoader(blocks.train, { batchSize, shuffle: true, seed: 42, collateFn: mlmCollator })), mlmSteps, mlmLr, Math.max(1, Math.floor(mlmSteps / 8)), (step) => {
  curve.push([step, perplexity()]);
  console.log(`mlm step ${step}: held-out perplexity ${curve.at(-1)![1].toFixed(1)}`);
});
await mlmModel.savePretrained('output/mlm-polarity');
console.log(`MLM pretraining: ${mlmSteps} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// ---- 2. fine-tune for classification: from the MLM weights, and from random initialisation
const cls = await raw.map((b) => tokenizer(b.sentence as string[], { truncation: true, maxLength: 64 }), { batched: true, removeColumns: ['sentence'] });
const collator = new DataCollatorWithPadding({ tokenizer });
async function finetune(from: 'mlm' | 'random'): Promise<number> {
  torch.manualSeed(7);
  const model = from === 'mlm'
    ? await AutoModelForSequenceClassification.fromPretrained('output/mlm-polarity', { numLabels: 2 })
    : AutoModelForSequenceClassification.fromConfig(config());
  train(model, loop(new DataLoader(cls.train!, { batchSize, shuffle: true, seed: 42, collateFn: collator })), ftSteps, from === 'mlm' ? ftLr : scratchLr, ftSteps);
  model.eval();
  const metric = evaluate.load('accuracy');
  for (const batch of new DataLoader(cls.test!, { batchSize: 100, collateFn: collator })) {
    const predictions = torch.tidy(() => torch.noGrad(() => model.forward(batch).logits.argmax(-1)));
    metric.addBatch({ predictions, references: batch.labels });
    torch.dispose([predictions, batch]);
  }
  return metric.compute().accuracy as number;
}
const pretrained = await finetune('mlm');
const scratch = await finetune('random');
console.log('perplexity curve (step, held-out perplexity):', JSON.stringify(curve.map(([s, p]) => [s, Number(p.toFixed(1))])));
console.log(`test accuracy after ${ftSteps} fine-tuning steps: MLM-pretrained ${(100 * pretrained).toFixed(1)}%, random init ${(100 * scratch).toFixed(1)}%`);
console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
