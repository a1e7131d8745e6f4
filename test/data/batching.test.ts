// Batching: collators (dynamic padding, defaults, MLM masking), the DataLoader's epochs and
// the samplers' guarantees, on tokenized MRPC.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  AutoTokenizer, DataCollatorForLanguageModeling, DataCollatorWithPadding, DataLoader, Dataset, defaultDataCollator,
  DistributedSampler, LengthGroupedSampler, RandomSampler, SequentialSampler, type PreTrainedTokenizerFast,
} from '../../src/data-index.js';
import { BERT_UNCASED, GLUE, NEEDS_SHARED, tempDir } from './helpers.js';
import { loadDataset } from '../../src/data-index.js';

process.env.HF_DATASETS_CACHE = tempDir('finetune-cache-');

describe('with MRPC and bert-base-uncased', { skip: NEEDS_SHARED }, () => {
  let tokenizer: PreTrainedTokenizerFast;
  let train: Dataset;
  let validation: Dataset;
  before(async () => {
    tokenizer = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    const raw = await loadDataset('glue', 'mrpc', { dataDir: join(GLUE, 'MRPC') });
    const tokenized = await raw.map((b) => tokenizer(b.sentence1, b.sentence2, { truncation: true }), { batched: true });
    train = tokenized.train.removeColumns(['sentence1', 'sentence2']);
    validation = tokenized.validation.removeColumns(['sentence1', 'sentence2']);
  });

  test('DataCollatorWithPadding pads to the longest in the batch (the course\'s 8 × 67)', () => {
    const collator = new DataCollatorWithPadding({ tokenizer });
    const samples = train.select([0, 1, 2, 3, 4, 5, 6, 7]).removeColumns(['idx']).toList();
    const lengths = samples.map((s) => s.input_ids.length);
    assert.deepEqual(lengths, [50, 59, 47, 67, 59, 50, 62, 32]);
    const batch = collator(samples);
    assert.deepEqual(Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, v.shape])), {
      input_ids: [8, 67], token_type_ids: [8, 67], attention_mask: [8, 67], labels: [8],
    });
    const ids = batch.input_ids.toArray() as number[][];
    const mask = batch.attention_mask.toArray() as number[][];
    samples.forEach((s, i) => {
      assert.deepEqual(ids[i].slice(0, lengths[i]), s.input_ids);
      assert.ok(ids[i].slice(lengths[i]).every((x) => x === 0), 'padded with [PAD]=0');
      assert.equal(mask[i].reduce((a, b) => a + b, 0), lengths[i]);
    });
    assert.deepEqual(batch.labels.toArray(), samples.map((s) => s.label));
    assert.equal(batch.labels.dtype, 'int64');
    assert.equal(batch.inputIds, batch.input_ids, 'camelCase alias');
    const multiple = new DataCollatorWithPadding({ tokenizer, padToMultipleOf: 8 })(samples);
    assert.deepEqual(multiple.input_ids.shape, [8, 72]);
    const fixed = new DataCollatorWithPadding({ tokenizer, padding: 'max_length', maxLength: 128 })(samples);
    assert.deepEqual(fixed.attention_mask.shape, [8, 128]);
    assert.throws(() => collator(train.select([0, 1]).toList().map((r) => ({ ...r, note: 'text' }))), /Unable to create tensor for 'note'.*removeColumns/);
  });

  test('DataLoader: batch count, dynamic widths, and a new reproducible order each epoch', () => {
    const collator = new DataCollatorWithPadding({ tokenizer });
    const plain = new DataLoader(validation, { batchSize: 16, collateFn: collator });
    assert.equal(plain.length, 26);
    assert.equal(new DataLoader(validation, { batchSize: 16, dropLast: true, collateFn: collator }).length, 25);
    const lengths = (validation.column('input_ids') as number[][]).map((r) => r.length);
    let seen = 0;
    let k = 0;
    for (const batch of plain) {
      const idx = Array.from({ length: batch.input_ids.shape[0] }, (_, j) => k * 16 + j);
      assert.equal(batch.input_ids.shape[1], Math.max(...idx.map((i) => lengths[i])));
      seen += idx.length;
      k++;
    }
    assert.equal(seen, 408);
    const order = (loader: DataLoader<number[]>): number[] => [...loader].flat();
    const make = (): DataLoader<number[]> => new DataLoader(validation, { batchSize: 50, shuffle: true, seed: 13, collateFn: (rows) => rows.map((r) => r.idx) });
    const a = make();
    const epoch0 = order(a);
    const epoch1 = order(a);
    assert.notDeepEqual(epoch0, epoch1);
    assert.deepEqual([...epoch0].sort((x, y) => x - y), Array.from({ length: 408 }, (_, i) => i));
    const b = make();
    assert.deepEqual(order(b), epoch0);
    assert.deepEqual(order(b), epoch1);
    const c = make();
    c.setEpoch(1);
    assert.deepEqual(order(c), epoch1, 'setEpoch reproduces an epoch directly');
  });

  test('async collate functions work with for await', async () => {
    const loader = new DataLoader(validation.select([0, 1, 2, 3, 4]), { batchSize: 2, collateFn: async (rows) => rows.length });
    const sizes: number[] = [];
    for await (const n of loader) sizes.push(n);
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.throws(() => [...loader], /iterate with `for await`/);
  });

  test('DataCollatorForLanguageModeling follows the 80/10/10 rule and never masks specials', () => {
    const collator = new DataCollatorForLanguageModeling({ tokenizer, mlmProbability: 0.15, seed: 1 });
    const rows = train.select(Array.from({ length: 256 }, (_, i) => i)).selectColumns(['input_ids', 'token_type_ids', 'attention_mask']).toList();
    const batch = collator(rows);
    const ids = batch.input_ids.toArray() as number[][];
    const labels = batch.labels.toArray() as number[][];
    let candidates = 0;
    let chosen = 0;
    let masked = 0;
    let kept = 0;
    rows.forEach((r, i) => {
      const original = r.input_ids as number[];
      for (let j = 0; j < ids[i].length; j++) {
        const orig = j < original.length ? original[j] : 0;
        const special = orig === 101 || orig === 102 || orig === 0;
        if (special) {
          assert.equal(labels[i][j], -100);
          assert.equal(ids[i][j], orig);
          continue;
        }
        candidates++;
        if (labels[i][j] === -100) {
          assert.equal(ids[i][j], orig, 'unchosen tokens are unchanged');
          continue;
        }
        chosen++;
        assert.equal(labels[i][j], orig, 'labels hold the original token');
        if (ids[i][j] === 103) masked++;
        else if (ids[i][j] === orig) kept++;
      }
    });
    const rate = chosen / candidates;
    assert.ok(candidates > 10000);
    assert.ok(Math.abs(rate - 0.15) < 0.02, `chosen rate ${rate}`);
    assert.ok(Math.abs(masked / chosen - 0.8) < 0.04, `mask share ${masked / chosen}`);
    // Random replacements can draw the original token (1 in 30522): "kept" is ~10%.
    assert.ok(Math.abs(kept / chosen - 0.1) < 0.03, `kept share ${kept / chosen}`);
    const causal = new DataCollatorForLanguageModeling({ tokenizer, mlm: false })(rows.slice(0, 2));
    const c0 = causal.labels.toArray() as number[][];
    const i0 = causal.input_ids.toArray() as number[][];
    assert.deepEqual(c0[0].filter((x) => x !== -100), i0[0].filter((x) => x !== 0));
  });
});

describe('collators without a tokenizer', () => {
  test('defaultDataCollator stacks numbers and lists, drops strings, names labels', () => {
    const batch = defaultDataCollator([
      { text: 'a', label: 1, input_ids: [1, 2, 3], score: 0.5 },
      { text: 'b', label: 0, input_ids: [4, 5, 6], score: 1.5 },
    ]);
    assert.deepEqual(Object.keys(batch), ['labels', 'input_ids', 'score']);
    assert.equal(batch.labels.dtype, 'int64');
    assert.deepEqual(batch.input_ids.shape, [2, 3]);
    assert.equal(batch.score.dtype, 'float32');
    const regression = defaultDataCollator([{ label: 4.2 }, { label: 1 }]);
    assert.equal(regression.labels.dtype, 'float32');
    assert.throws(() => defaultDataCollator([{ input_ids: [1, 2] }, { input_ids: [1] }]), /different lengths/);
  });
});

describe('samplers', () => {
  const isPermutation = (xs: number[], n: number): boolean => xs.length === n && [...xs].sort((a, b) => a - b).every((x, i) => x === i);

  test('sequential and random', () => {
    assert.deepEqual([...new SequentialSampler(4)], [0, 1, 2, 3]);
    const r = new RandomSampler(100, { seed: 3 });
    const e0 = [...r];
    const e1 = [...r];
    assert.ok(isPermutation(e0, 100) && isPermutation(e1, 100));
    assert.notDeepEqual(e0, e1);
    const draws = [...new RandomSampler(5, { seed: 1, replacement: true, numSamples: 50 })];
    assert.equal(draws.length, 50);
    assert.ok(draws.every((x) => x >= 0 && x < 5));
  });

  test('LengthGroupedSampler groups similar lengths, longest first', () => {
    const lengths = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 503 + 1);
    const batchSize = 4;
    const order = [...new LengthGroupedSampler(batchSize, { lengths, seed: 0 })];
    assert.ok(isPermutation(order, 1000));
    assert.equal(lengths[order[0]], Math.max(...lengths));
    const mega = 50 * batchSize; // min(1000 / (4·4), 50) = 50 batches per megabatch
    for (let s = 0; s < 1000; s += mega) {
      const chunk = order.slice(s, s + mega).map((i) => lengths[i]);
      for (let j = 2; j < chunk.length; j++) assert.ok(chunk[j - 1] >= chunk[j], 'sorted by decreasing length within a megabatch');
    }
    // Batches hold similar lengths: far less padding than a plain shuffle.
    const waste = (o: number[]): number => {
      let w = 0;
      for (let s = 0; s < o.length; s += batchSize) {
        const b = o.slice(s, s + batchSize).map((i) => lengths[i]);
        w += b.reduce((acc, l) => acc + Math.max(...b) - l, 0);
      }
      return w;
    };
    assert.ok(waste(order) * 5 < waste([...new RandomSampler(1000, { seed: 0 })]));
    const ds = Dataset.fromDict({ input_ids: [[1], [1, 2, 3], [1, 2]] });
    assert.equal([...new LengthGroupedSampler(1, { dataset: ds, seed: 1 })][0], 1);
  });

  test('DistributedSampler: disjoint shards covering the data, the same permutation on every rank', () => {
    const n = 103;
    const shards = [0, 1, 2, 3].map((rank) => new DistributedSampler(n, { numReplicas: 4, rank, seed: 7 }));
    const parts = shards.map((s) => [...s]);
    assert.ok(parts.every((p) => p.length === 26));
    const all = parts.flat();
    assert.equal(all.length, 104);
    assert.equal(new Set(all).size, n, 'every example appears; one is repeated to even out the shards');
    const trimmed = [0, 1, 2, 3].map((rank) => [...new DistributedSampler(n, { numReplicas: 4, rank, seed: 7, dropLast: true })]);
    assert.ok(trimmed.every((p) => p.length === 25));
    assert.equal(new Set(trimmed.flat()).size, 100);
    shards.forEach((s) => s.setEpoch(1));
    const next = shards.map((s) => [...s]);
    assert.notDeepEqual(next[0], parts[0]);
    assert.equal(new Set(next.flat()).size, n);
    const plain = [...new DistributedSampler(10, { numReplicas: 3, rank: 1, shuffle: false })];
    assert.deepEqual(plain, [1, 4, 7, 0]);
    assert.throws(() => new DistributedSampler(10, { numReplicas: 2, rank: 2 }), /rank 2 must be in \[0, 1\]/);
  });
});
