// What the MRPC Trainer benchmarks share: MRPC's training split tokenized (no dataset cache, so
// tokenising is real work each run) and BERT-mini from a fresh config (seed 42).
import { AutoTokenizer, BertConfig, BertForSequenceClassification, disableCaching, loadDataset, torch } from '../src/index.js';

export async function mrpcTrain() {
  disableCaching();
  const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
  const raw = await loadDataset('glue', 'mrpc', { dataDir: '../shared/datasets/glue/MRPC' });
  const train = await raw.get('train').map((b) => tokenizer(b.sentence1 as string[], b.sentence2 as string[], { truncation: true }), { batched: true });
  return { tokenizer, train };
}

export function bertMini(): BertForSequenceClassification {
  torch.manualSeed(42);
  return BertForSequenceClassification.fromConfig(new BertConfig({ hiddenSize: 256, numHiddenLayers: 4, numAttentionHeads: 4, intermediateSize: 1024, numLabels: 2 }));
}
