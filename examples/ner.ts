// Token classification (NER), as the Hugging Face course: words → sub-word tokens with
// isSplitIntoWords, labels aligned with wordIds(), DataCollatorForTokenClassification,
// a few training steps, seqeval, then pipeline('ner', { aggregationStrategy: 'simple' }).
// A small BERT from a fresh config on the 16 hand-made sentences of data/encoder-tasks, so
// the point is the workflow, not the scores. Run: npx tsx examples/ner.ts (~30 s)
import { readFileSync } from 'node:fs';
import {
  AutoModelForTokenClassification, AutoTokenizer, BertConfig, DataCollatorForTokenClassification, DataLoader, Dataset, alignBatchLabels,
  evaluate, optim, pipeline, torch,
} from '../src/index.js';

const labelList = JSON.parse(readFileSync('data/encoder-tasks/labels.json', 'utf8')) as string[];
const rows = readFileSync('data/encoder-tasks/ner_sample.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tokens: string[]; ner_tags: number[] });
const tokenizer = await AutoTokenizer.fromPretrained('data/tokenizers/bert-base-uncased');
const enc = await tokenizer(rows.map((r) => r.tokens), { truncation: true, isSplitIntoWords: true });
const labels = alignBatchLabels(enc, rows.map((r) => r.ner_tags), { labelAllTokens: false });
const train = Dataset.fromDict({ input_ids: enc.input_ids as number[][], attention_mask: enc.attention_mask as number[][], labels });

torch.manualSeed(0);
const id2label = Object.fromEntries(labelList.map((l, i) => [i, l]));
const model = AutoModelForTokenClassification.fromConfig(new BertConfig({ hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 128, numLabels: labelList.length, id2label }));
const optimizer = new optim.AdamW(model.parameters(), { lr: 3e-3 });
const loader = new DataLoader(train, { batchSize: 8, shuffle: true, seed: 0, collateFn: new DataCollatorForTokenClassification({ tokenizer }) });
for (let epoch = 0; epoch < 30; epoch++) {
  model.train();
  for (const batch of loader) {
    torch.tidy(() => { model.forward(batch).loss!.backward(); optimizer.step(); optimizer.zeroGrad(); });
    torch.dispose(batch);
  }
}

// seqeval on the training sentences (word level: the first token of each word)
model.eval();
const metric = evaluate.load('seqeval');
const padded = await tokenizer(rows.map((r) => r.tokens), { truncation: true, isSplitIntoWords: true, padding: true });
const logits = torch.noGrad(() => model.forward({ input_ids: torch.tensor(padded.input_ids), attention_mask: torch.tensor(padded.attention_mask) }).logits.argmax(-1).toArray() as number[][]);
const predictions = labels.map((row, i) => row.flatMap((l, j) => (l === -100 ? [] : [labelList[logits[i]![j]!]])));
const references = labels.map((row) => row.flatMap((l) => (l === -100 ? [] : [labelList[l]])));
console.log('seqeval (train):', metric.compute({ predictions, references }));

await model.savePretrained('output/ner-example', { tokenizer });
const ner = await pipeline('ner', 'output/ner-example', { aggregationStrategy: 'simple' });
console.log(await ner('Ada Lovelace visited Geneva .'));
