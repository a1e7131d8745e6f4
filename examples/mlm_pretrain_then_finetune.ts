// Domain-adaptive pretraining, measured: a small BERT is pretrained with masked LM on the
// shipped sentence-polarity text (train split only, labels unused), then fine-tuned for
// polarity classification; the same architecture fine-tuned from random initialisation with
// the same fine-tuning steps is the baseline. Prints the held-out MLM perplexity curve and
// both test accuracies (the 1,000 test sentences, used once at the end).
// Run: nice npx tsx examples/mlm_pretrain_then_finetune.ts [--mlm_steps 400] [--ft_steps 300]
import {
  AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer, BertConfig, DataCollatorForLanguageModeling, DataCollatorWithPadding,
  DataLoader, evaluate, groupTexts, loadDataset, optim, torch,
} from '../src/index.js';

const arg = (name: string, fallback: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const [mlmSteps, ftSteps, batchSize, blockSize] = [arg('mlm_steps', 400), arg('ft_steps', 300), 32, 48];
const tokenizer = await AutoTokenizer.fromPretrained('data/tokenizers/bert-base-uncased');
const raw = await loadDataset('json', { dataFiles: { train: 'data/sentence-polarity/train.jsonl', test: 'data/sentence-polarity/test.jsonl' } });
const config = () => new BertConfig({ vocabSize: tokenizer.numTokens, hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 256, maxPositionEmbeddings: 128, numLabels: 2 });

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
const lm = await raw.map((b) => tokenizer(b.sentence as string[], { returnSpecialTokensMask: true }), { batched: true, removeColumns: ['sentence', 'label'] });
const blocks = await lm.map(groupTexts(blockSize), { batched: true });
const mlmCollator = new DataCollatorForLanguageModeling({ tokenizer, mlmProbability: 0.15 });
torch.manualSeed(42);
const mlmModel = AutoModelForMaskedLM.fromConfig(config());
const heldOut = new DataLoader(blocks.test!, { batchSize: 64, collateFn: new DataCollatorForLanguageModeling({ tokenizer, seed: 0 }) });
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
train(mlmModel, loop(new DataLoader(blocks.train!, { batchSize, shuffle: true, seed: 42, collateFn: mlmCollator })), mlmSteps, 1e-3, 50, (step) => {
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
  train(model, loop(new DataLoader(cls.train!, { batchSize, shuffle: true, seed: 42, collateFn: collator })), ftSteps, 3e-4, ftSteps);
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
