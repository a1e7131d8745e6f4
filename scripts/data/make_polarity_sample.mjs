// Builds data/sentence-polarity/ (the main job's data) from ../shared's copy of Pang & Lee's
// sentence polarity v1.0 (CC BY 4.0): 4,000 training and 1,000 test sentences, balanced,
// shuffled with a fixed seed, as JSON lines {"sentence", "label"} (1 positive, 0 negative), and
// train_extra.jsonl: every other sentence of the corpus (the main job trains on train + extra;
// the tests and fixtures that read train.jsonl keep their 4,000).
// Run: node scripts/data/make_polarity_sample.mjs  (needs ../shared and `unzip`)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const zip = '../shared/datasets/movie_reviews/sentence_polarity.zip';
const read = (name) => execFileSync('unzip', ['-p', zip, `sentence_polarity/${name}`], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').map((l) => l.trim()).filter(Boolean);
const rows = [...read('rt-polarity.pos').map((s) => ({ sentence: s, label: 1 })), ...read('rt-polarity.neg').map((s) => ({ sentence: s, label: 0 }))];
let seed = 20240611;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}
const take = (n, label, from) => from.filter((r) => r.label === label).slice(0, n / 2);
const test = [...take(1000, 1, rows), ...take(1000, 0, rows)];
const rest = rows.filter((r) => !test.includes(r));
const train = [...take(4000, 1, rest), ...take(4000, 0, rest)];
const shuffle = (a) => a.map((r) => [rand(), r]).sort((x, y) => x[0] - y[0]).map(([, r]) => r);
mkdirSync('data/sentence-polarity', { recursive: true });
const extra = rest.filter((r) => !train.includes(r));
for (const [name, split] of [['train', shuffle(train)], ['test', shuffle(test)], ['train_extra', shuffle(extra)]]) {
  writeFileSync(`data/sentence-polarity/${name}.jsonl`, split.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(name, split.length);
}
