// Extractive QA as run_qa.py: prepareTrainFeatures (windows with a stride, answer positions
// from the offsets), a few training steps of a small BERT from a fresh config, then
// prepareValidationFeatures, postprocessQaPredictions (n-best, maxAnswerLength, SQuAD v2 null
// answers) and evaluate.load('squad_v2'). On the 6 hand-made examples of data/encoder-tasks:
// it shows the workflow, not a QA model; at the end the trained model answers through
// pipeline('question-answering'). Run: npx tsx examples/qa.ts (~30 s)
import { mkdtempSync, readFileSync } from 'node:fs';
import {
  AutoModelForQuestionAnswering, AutoTokenizer, BertConfig, DataLoader, Dataset, defaultDataCollator, evaluate, optim,
  pipeline, postprocessQaPredictions, prepareTrainFeatures, prepareValidationFeatures, torch,
} from '../src/index.js';
import type { QaTokenizer } from '../src/data/question_answering.js';

const rows = readFileSync('data/encoder-tasks/squad_sample.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const examples = { id: rows.map((r) => r.id), question: rows.map((r) => r.question), context: rows.map((r) => r.context), answers: rows.map((r) => r.answers) };
const tokenizer = await AutoTokenizer.fromPretrained('data/tokenizers/bert-base-uncased');
const qaTokenizer = tokenizer as unknown as QaTokenizer;
const options = { maxLength: 48, stride: 16 };
const features = await prepareTrainFeatures(qaTokenizer, { ...examples }, options);
console.log(`${rows.length} examples → ${(features.input_ids as unknown[]).length} training windows`);

torch.manualSeed(0);
const model = AutoModelForQuestionAnswering.fromConfig(new BertConfig({ hiddenSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 128 }));
const optimizer = new optim.AdamW(model.parameters(), { lr: 3e-3 });
const loader = new DataLoader(Dataset.fromDict(features as Record<string, number[][]>), { batchSize: 8, shuffle: true, seed: 0, collateFn: defaultDataCollator });
for (let epoch = 0; epoch < 40; epoch++) {
  model.train();
  for (const batch of loader) {
    torch.tidy(() => { model.forward(batch).loss!.backward(); optimizer.step(); optimizer.zeroGrad(); });
    torch.dispose(batch);
  }
}

model.eval();
const valid = await prepareValidationFeatures(qaTokenizer, { ...examples }, options);
const out = torch.noGrad(() => model.forward({ input_ids: torch.tensor(valid.input_ids as number[][]), token_type_ids: torch.tensor(valid.token_type_ids as number[][]), attention_mask: torch.tensor(valid.attention_mask as number[][]) }));
const post = postprocessQaPredictions(examples, valid as never, [out.startLogits.toArray() as number[][], out.endLogits.toArray() as number[][]],
  { version2WithNegative: true, nBestSize: 20, maxAnswerLength: 30 });
console.log(Object.fromEntries(post.predictions));
const metric = evaluate.load('squad_v2');
console.log(metric.compute({
  predictions: rows.map((r) => ({ id: r.id, prediction_text: post.predictions.get(r.id)!, no_answer_probability: 0 })),
  references: rows.map((r) => ({ id: r.id, answers: r.answers })),
}));

// The trained model behind pipeline('question-answering'): long contexts go through windows of
// maxSeqLen tokens sharing docStride; handleImpossibleAnswer lets the empty answer compete.
const saved = mkdtempSync('/tmp/finetune-qa-');
await model.savePretrained(saved);
await tokenizer.savePretrained(saved);
const qa = await pipeline('question-answering', saved);
const first = rows[0] as { question: string; context: string };
console.log(await qa({ question: first.question, context: first.context }, { topK: 2, maxSeqLen: 48, docStride: 16, handleImpossibleAnswer: true }));
