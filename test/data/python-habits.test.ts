// Data code ported from Python: shuffle(42), select(range(n)), a torch-style Dataset class,
// DefaultDataCollator, loadMetric, tqdm, and the errors for the usual slips (select(2000),
// __len__/__getitem__, a forgotten await on the tokenizer, unpadded rows, a Hub id offline).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, DataLoader, Dataset, DefaultDataCollator, Trainer,
  TrainingArguments, data, evaluate, loadMetric, range, torch, tqdm,
} from '../../src/index.js';
import { tinyModel } from '../trainer/trainer_helpers.js';

const TOKENIZER = '../shared/tokenizers/bert-base-uncased';
const ds = Dataset.fromDict({ a: [10, 11, 12, 13, 14, 15, 16, 17], label: [0, 1, 0, 1, 0, 1, 0, 1] });

describe('Dataset calls as in Python', () => {
  it('shuffle(42) is shuffle({ seed: 42 }), also on a DatasetDict', () => {
    assert.deepEqual(ds.shuffle(42).column('a'), ds.shuffle({ seed: 42 }).column('a'));
    assert.notDeepEqual(ds.shuffle(42).column('a'), ds.shuffle(43).column('a'));
    const dict = ds.trainTestSplit({ testSize: 0.25, seed: 0 });
    assert.deepEqual(dict.shuffle(7).train.column('a'), dict.train.shuffle(7).column('a'));
  });

  it('select(range(n)) takes the first rows; select(n) says to pass indices', () => {
    assert.deepEqual(range(3), [0, 1, 2]);
    assert.deepEqual(range(2, 10, 3), [2, 5, 8]);
    assert.deepEqual(range(5, 0, -2), [5, 3, 1]);
    assert.throws(() => range(0, 5, 0), /range: step must not be zero/);
    assert.deepEqual(ds.select(range(3)).column('a'), [10, 11, 12]);
    assert.throws(() => ds.select(3 as never), /Dataset\.select: pass the indices, not a count: select\(range\(3\)\) for the first 3 rows/);
  });

  it('ds[0], ds["label"] and ds[:8] (slice(0, 8).toDict()) read as in Hugging Face', () => {
    assert.deepEqual(ds[0], { a: 10, label: 0 });
    assert.deepEqual(ds['label' as never], [0, 1, 0, 1, 0, 1, 0, 1]);
    assert.deepEqual(ds.slice(0, 2).toDict(), { a: [10, 11], label: [0, 1] });
    assert.deepEqual(ds.getBatch(0, 2), { a: [10, 11], label: [0, 1] });
  });
});

class Squares extends data.Dataset<{ x: number[]; labels: number }> {
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  getItem(i: number): { x: number[]; labels: number } {
    return { x: [i, i * i], labels: i % 2 };
  }
}

describe('data.Dataset subclasses', () => {
  it('the DataLoader reads getItem/length', () => {
    const batches = [...new DataLoader(new Squares(5), { batchSize: 2 })];
    assert.equal(batches.length, 3);
    assert.deepEqual(batches[1]!.x!.toArray(), [[2, 4], [3, 9]]);
    assert.deepEqual(batches[2]!.labels!.toArray(), [0]);
  });

  it('a Python-style class (__len__, __getitem__) is refused with the TypeScript names', () => {
    class PyStyle {
      __len__(): number { return 2; }
      __getitem__(i: number) { return { x: [i] }; }
    }
    assert.throws(() => new DataLoader(new PyStyle() as never), /DataLoader: the dataset defines __len__ and __getitem__, Python's names; in TypeScript extend data\.Dataset and define `get length\(\)` and `getItem\(index\)`/);
    assert.throws(() => new Trainer({ model: tinyModel(), args: new TrainingArguments('o', { report_to: 'none' }), train_dataset: new PyStyle() as never }), /Trainer: the dataset defines __len__ and __getitem__/);
    class MethodLength { length() { return 2; } }
    assert.throws(() => new DataLoader(new MethodLength() as never), /its `length` is a method; make it a getter/);
    const holes = { length: 2 } as never;
    assert.throws(() => [...new DataLoader(holes)], /example 0 of the dataset is undefined; a hand-written dataset extends data\.Dataset/);
  });

  it('the Trainer trains on one', async () => {
    class Tokens extends data.Dataset<{ input_ids: number[]; attention_mask: number[]; labels: number }> {
      get length() { return 8; }
      getItem(i: number) { return { input_ids: [2, 5 + (i % 3), 3], attention_mask: [1, 1, 1], labels: i % 2 }; }
    }
    const out = mkdtempSync(join(tmpdir(), 'finetune-torchds-'));
    const trainer = new Trainer({ model: tinyModel(), args: new TrainingArguments(out, { max_steps: 2, report_to: 'none', log_level: 'error', per_device_train_batch_size: 4 }), train_dataset: new Tokens() });
    const result = await trainer.train();
    assert.equal(result.globalStep, 2);
  });
});

describe('collators, metrics and progress by their Python names', () => {
  it('DefaultDataCollator stacks as default_data_collator does, and renames label', () => {
    const collate = new DefaultDataCollator();
    const batch = collate([{ input_ids: [1, 2], label: 1 }, { input_ids: [3, 4], label: 0 }]);
    assert.deepEqual(batch.input_ids!.toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(batch.labels!.toArray(), [1, 0]);
    assert.throws(() => new DefaultDataCollator({ returnTensors: 'np' as never }), /returnTensors must be 'pt'/);
  });

  it('loadMetric is evaluate.load', () => {
    assert.equal(loadMetric, evaluate.load);
    assert.deepEqual(loadMetric('accuracy').compute({ predictions: [0, 1, 1], references: [0, 1, 0] }), { accuracy: 2 / 3 });
  });

  it('tqdm(range(n)) iterates, counts, and shows the description and postfix', () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => lines.push(s), isTTY: true, columns: 100 };
    const bar = tqdm(range(4), { mode: 'bar', stream });
    const seen: number[] = [];
    for (const i of bar) {
      seen.push(i);
      bar.setDescription('Epoch 1');
      bar.setPostfix({ loss: 0.123456, step: i });
    }
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.equal(bar.n, 4);
    const last = bar.render(100);
    assert.match(last, /^Epoch 1: 100%\|█+\| 4\/4 \[.*, loss=0\.123, step=3\]$/);
    const manual = tqdm({ total: 10, mode: 'off' });
    manual.update(3);
    assert.equal(manual.n, 3);
    assert.throws(() => [...manual], /nothing to iterate; this bar was made with tqdm\(\{ total \}\)/);
  });
});

describe('the usual slips name the fix', () => {
  it('a forgotten await on the tokenizer', async () => {
    const tokenizer = await AutoTokenizer.fromPretrained(TOKENIZER);
    const pending = tokenizer('hello world', undefined, { returnTensors: 'pt' });
    const model = tinyModel();
    const fix = /got a Promise where an encoding was expected\. The tokenizer is async in finetune: write `await tokenizer\(\.\.\.\)`/;
    assert.throws(() => model.forward(pending as never), new RegExp(`BertForSequenceClassification\\.forward: ${fix.source}`));
    assert.throws(() => tokenizer.pad(pending as never), fix);
    const collate = new DataCollatorWithPadding({ tokenizer });
    assert.throws(() => collate([tokenizer('a') as never]), /DataCollatorWithPadding: got Promises where an encoding was expected/);
    assert.throws(() => Dataset.fromList([tokenizer('a') as never]), /Dataset\.fromList: got Promises/);
    await pending;
  });

  it('unpadded rows without a collator', () => {
    const rows = Dataset.fromDict({ input_ids: [[1, 2, 3], [1, 2]], label: [0, 1] });
    assert.throws(() => [...new DataLoader(rows, { batchSize: 2 })], /examples have different lengths \(3 and 2\)\. Pad them: pass collateFn: new DataCollatorWithPadding\(\{ tokenizer \}\)/);
  });

  it('a Hub id offline: one message for models and tokenizers', async () => {
    const saved = { offline: process.env.HF_HUB_OFFLINE, cache: process.env.HF_HUB_CACHE };
    process.env.HF_HUB_OFFLINE = '1';
    process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), 'finetune-empty-hub-'));
    try {
      const message = (file: string) => new RegExp(`'${file}' of bert-base-uncased@main is not in the local cache .* and offline mode is on \\(HF_HUB_OFFLINE=1\\); download it once online, or unset HF_HUB_OFFLINE`);
      await assert.rejects(AutoModelForSequenceClassification.fromPretrained('bert-base-uncased'), message('config.json'));
      await assert.rejects(AutoTokenizer.fromPretrained('bert-base-uncased'), message('tokenizer.json'));
    } finally {
      for (const [k, v] of [['HF_HUB_OFFLINE', saved.offline], ['HF_HUB_CACHE', saved.cache]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('torch.tensor of JavaScript "floats" is int64', () => {
    assert.equal(torch.tensor([1.0, 2.0, 3.0]).dtype, 'int64');
    assert.equal(torch.tensor([1.0, 2.0, 3.0], { dtype: 'float32' }).dtype, 'float32');
  });
});
