// Makes data/sft-sentiment/{train,test}.jsonl (for examples/sft_lora.ts): chat `messages` rows
// asking whether a movie review from data/sentence-polarity is positive or negative, answered
// with one word. Train: the first 200 train sentences of each label, interleaved; test: the first
// 50 test sentences of each label (held out: the test split is never trained on).
//   npx tsx scripts/make_sft_sentiment.ts
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const QUESTION = 'Is this movie review positive or negative? Answer with one word.\n\nReview: ';
const read = (split: string) => readFileSync(`data/sentence-polarity/${split}.jsonl`, 'utf8').trim().split('\n')
  .map((line, i) => {
    const row = JSON.parse(line) as { sentence?: unknown; label?: unknown };
    if (typeof row.sentence !== 'string' || (row.label !== 0 && row.label !== 1)) throw new Error(`data/sentence-polarity/${split}.jsonl line ${i + 1}: needs a string sentence and a label 0 or 1`);
    return { sentence: row.sentence, label: row.label };
  });

function balanced(rows: { sentence: string; label: number }[], perLabel: number) {
  const pos = rows.filter((r) => r.label === 1).slice(0, perLabel);
  const neg = rows.filter((r) => r.label === 0).slice(0, perLabel);
  if (pos.length < perLabel || neg.length < perLabel) throw new Error(`need ${perLabel} sentences of each label`);
  return pos.flatMap((p, i) => [p, neg[i]]);
}

const toRow = (r: { sentence: string; label: number }) => JSON.stringify({
  messages: [{ role: 'user', content: QUESTION + r.sentence }, { role: 'assistant', content: r.label === 1 ? 'positive' : 'negative' }],
});

mkdirSync('data/sft-sentiment', { recursive: true });
for (const [split, rows] of [['train', balanced(read('train'), 200)], ['test', balanced(read('test'), 50)]] as const) {
  const path = `data/sft-sentiment/${split}.jsonl`;
  writeFileSync(`${path}.tmp`, rows.map(toRow).join('\n') + '\n'); // atomic: a reader never sees half a file
  renameSync(`${path}.tmp`, path);
  console.log(`${path}: ${rows.length} rows`);
}
