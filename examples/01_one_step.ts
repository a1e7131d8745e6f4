// Tutorial 1: one training step on a batch of two sentences, by hand: tokenize with padding,
// add labels, forward (the model computes the loss when given labels), backward, AdamW step.
// The model is BERT-Tiny from a fresh config (no pretrained weights can be downloaded here;
// with them, AutoModelForSequenceClassification.fromPretrained('bert-base-uncased') instead).
// Run: npx tsx examples/01_one_step.ts  (uses the tokenizer shipped in data/tokenizers)
import { AutoTokenizer, BertConfig, BertForSequenceClassification, optim, torch } from '../src/index.js';

const tokenizer = await AutoTokenizer.fromPretrained(new URL('../data/tokenizers/bert-base-uncased', import.meta.url).pathname);
torch.manualSeed(0);
const model = BertForSequenceClassification.fromConfig(new BertConfig({ hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 512, numLabels: 2 }));

const sequences = ["I've been waiting for a HuggingFace course my whole life.", 'This course is amazing!'];
const batch = await tokenizer(sequences, undefined, { padding: true, truncation: true, returnTensors: 'pt' });
batch.labels = torch.tensor([1, 1]);
console.log('input_ids shape', batch.input_ids.shape, 'attention_mask', JSON.stringify(batch.attention_mask.toArray()));

const optimizer = new optim.AdamW(model.parameters(), { lr: 5e-5 });
const lossBefore = torch.tidy(() => {
  const loss = model.forward(batch).loss!;
  loss.backward();
  optimizer.step();
  optimizer.zeroGrad();
  return loss.item();
});
// dropout is on in training mode; compare in eval mode so the two numbers differ only by the step
model.eval();
const lossAfter = torch.tidy(() => torch.noGrad(() => model.forward(batch).loss!.item()));
console.log(`loss before the step ${lossBefore.toFixed(4)}, after (eval mode) ${lossAfter.toFixed(4)}`);
