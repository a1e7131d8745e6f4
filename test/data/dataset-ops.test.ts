// Dataset and DatasetDict operations: access, selection, map/filter, columns, formats,
// export round trips and train/test splits (stratified sizes from scikit-learn).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClassLabel, Dataset, loadDataset, Sequence, Value } from '../../src/data-index.js';
import { ROOT, tempDir } from './helpers.js';

process.env.HF_DATASETS_CACHE = tempDir('finetune-cache-');

const people = (): Dataset => Dataset.fromDict({
  name: ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'],
  age: [31, 25, 47, 19, 52, 38],
  label: [1, 0, 1, 0, 1, 0],
}, { features: { name: new Value('string'), age: new Value('int64'), label: new ClassLabel({ names: ['no', 'yes'] }) } });

describe('access', () => {
  test('rows, columns, negative indices and Hugging Face-style indexing', () => {
    const ds = people();
    assert.equal(ds.numRows, 6);
    assert.deepEqual(ds.shape, [6, 3]);
    assert.deepEqual(ds.columnNames, ['name', 'age', 'label']);
    assert.deepEqual(ds[0], { name: 'ann', age: 31, label: 1 });
    assert.deepEqual(ds.get(-1), { name: 'fay', age: 38, label: 0 });
    assert.deepEqual((ds as unknown as Record<string, unknown>).age, [31, 25, 47, 19, 52, 38]);
    assert.deepEqual(ds.column('name'), ['ann', 'bob', 'cy', 'dee', 'eve', 'fay']);
    assert.deepEqual(ds.getBatch(1, 3), { name: ['bob', 'cy'], age: [25, 47], label: [0, 1] });
    assert.deepEqual([...ds.iter({ batchSize: 4 })].map((b) => b.name.length), [4, 2]);
    assert.deepEqual([...ds].length, 6);
    assert.throws(() => ds.get(6), /index 6 out of range for 6 rows/);
    const inferred = Dataset.fromList([{ t: 'a', x: 1, y: 0.5, ids: [1, 2] }, { t: 'b', x: 2, y: 1, ids: [] }]);
    assert.deepEqual(Object.fromEntries(Object.entries(inferred.features).map(([k, f]) => [k, f.toString()])), {
      t: "Value('string')", x: "Value('int64')", y: "Value('float64')", ids: "Sequence(feature=Value('int64'), length=-1)",
    });
  });

  test('select, slice and shuffle are index mappings over the same rows', () => {
    const ds = people();
    assert.deepEqual(ds.select([4, 0, 4]).column('name'), ['eve', 'ann', 'eve']);
    assert.deepEqual(ds.slice(1, 3).column('name'), ['bob', 'cy']);
    assert.deepEqual(ds.slice(-2).column('name'), ['eve', 'fay']);
    const a = ds.shuffle({ seed: 42 });
    const b = ds.shuffle({ seed: 42 });
    const c = ds.shuffle({ seed: 7 });
    assert.deepEqual(a.column('name'), b.column('name'));
    assert.notDeepEqual(a.column('name'), c.column('name'));
    assert.deepEqual([...(a.column('name') as string[])].sort(), ds.column('name'));
    // Rows stay whole through nested mappings.
    const nested = a.select([0, 1]).shuffle({ seed: 1 });
    for (const row of nested.toList()) assert.deepEqual(row, ds.toList().find((r) => r.name === row.name));
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, c.fingerprint);
  });
});

describe('map and filter', () => {
  test('row-wise and batched map, async functions, indices and kwargs', async () => {
    const ds = people();
    const older = await ds.map((r) => ({ age: r.age + 1 }));
    assert.deepEqual(older.column('age'), [32, 26, 48, 20, 53, 39]);
    assert.equal(older.features.age.dtype, 'int64');
    const batched = await ds.map(async (b, idx, kw) => ({ tag: b.name.map((n: string, k: number) => `${kw.prefix}${n}${idx[k]}`) }),
      { batched: true, batchSize: 4, withIndices: true, fnKwargs: { prefix: '#' } });
    assert.deepEqual(batched.column('tag'), ['#ann0', '#bob1', '#cy2', '#dee3', '#eve4', '#fay5']);
    assert.deepEqual(batched.columnNames, ['name', 'age', 'label', 'tag']);
    const onlyNames = await ds.map((names: string[]) => ({ upper: names.map((n) => n.toUpperCase()) }), { batched: true, inputColumns: 'name', removeColumns: ['age'] });
    assert.deepEqual(onlyNames.columnNames, ['name', 'label', 'upper']);
    // Hugging Face's option spellings port as written.
    const snake = await ds.map((b) => ({ n: b.age }), { batched: true, batch_size: 2, remove_columns: ['age'] } as object);
    assert.deepEqual(snake.columnNames, ['name', 'label', 'n']);
    // Changing the number of rows needs the old columns removed.
    const chars = await ds.map((b) => ({ ch: b.name.flatMap((n: string) => [...n]) }), { batched: true, removeColumns: ds.columnNames });
    assert.equal(chars.numRows, 'annbobcydeeevefay'.length);
    // map over a shuffled view sees (and keeps) the shuffled order.
    const shuffled = ds.shuffle({ seed: 3 });
    const mapped = await shuffled.map((r) => ({ n: r.name.length }));
    assert.deepEqual(mapped.column('name'), shuffled.column('name'));
    assert.deepEqual(mapped.column('n'), (shuffled.column('name') as string[]).map((n) => n.length));
  });

  test('filter keeps matching rows, sync, async and batched', async () => {
    const ds = people();
    assert.deepEqual((await ds.filter((r) => r.age > 30)).column('name'), ['ann', 'cy', 'eve', 'fay']);
    assert.deepEqual((await ds.filter(async (r) => r.label === 0)).column('name'), ['bob', 'dee', 'fay']);
    const batched = await ds.filter((b) => b.age.map((a: number) => a % 2 === 1), { batched: true, batchSize: 4 });
    assert.deepEqual(batched.column('age'), [31, 25, 47, 19]);
    const onShuffled = await ds.shuffle({ seed: 1 }).filter((r) => r.label === 1);
    assert.deepEqual([...(onShuffled.column('name') as string[])].sort(), ['ann', 'cy', 'eve']);
  });
});

describe('columns and formats', () => {
  test('remove, rename, select and cast columns', () => {
    const ds = people();
    assert.deepEqual(ds.removeColumns('age').columnNames, ['name', 'label']);
    assert.deepEqual(ds.renameColumn('label', 'labels').columnNames, ['name', 'age', 'labels']);
    assert.deepEqual(ds.selectColumns(['age']).columnNames, ['age']);
    assert.throws(() => ds.renameColumn('name', 'age'), /already exists/);
    const asNames = ds.castColumn('label', new Value('string'));
    assert.deepEqual(asNames.column('label'), ['yes', 'no', 'yes', 'no', 'yes', 'no']);
    const back = asNames.castColumn('label', new ClassLabel({ names: ['no', 'yes'] }));
    assert.deepEqual(back.column('label'), ds.column('label'));
    const f32 = ds.castColumn('age', new Value('float32'));
    assert.equal(f32.features.age.dtype, 'float32');
    assert.deepEqual(ds.features.label.int2str([0, 1]), ['no', 'yes']);
    assert.deepEqual(ds.features.label.str2int('yes'), 1);
    const added = ds.shuffle({ seed: 2 }).addColumn('rank', [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(added.column('rank'), [1, 2, 3, 4, 5, 6]);
  });

  test("setFormat('torch') gives tensors for numeric columns", () => {
    const ds = Dataset.fromDict({ text: ['a', 'b'], label: [0, 1], input_ids: [[101, 7, 102], [101, 8, 102]], score: [0.5, 1.5] });
    const torchDs = ds.withFormat('torch', ['label', 'input_ids', 'score']);
    assert.equal(ds.format.type, null, 'withFormat leaves the original alone');
    const row = torchDs[0];
    assert.deepEqual(Object.keys(row), ['label', 'input_ids', 'score']);
    assert.equal(row.label.dtype, 'int64');
    assert.deepEqual(row.input_ids.toArray(), [101, 7, 102]);
    assert.equal(row.score.dtype, 'float32');
    const ids = torchDs.column('input_ids');
    assert.deepEqual(ids.shape, [2, 3]);
    ds.setFormat('torch', ['label'], true);
    assert.equal(ds[1]!.text, 'b');
    assert.equal((ds as Dataset)[1]!.label.item(), 1); // in place, so the static row type is the unformatted one
    ds.resetFormat();
    assert.equal(ds[1].label, 1);
  });

  test('JSON Lines and CSV export load back to the same rows', async () => {
    const dir = tempDir();
    const ds = Dataset.fromDict({ text: ['plain', 'with, comma', 'with "quote"', 'multi\nline'], label: [0, 1, 0, 1] });
    ds.toJson(join(dir, 'out.jsonl'));
    assert.deepEqual(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)), ds.toList());
    const fromJson = await loadDataset('json', { dataFiles: join(dir, 'out.jsonl'), split: 'train' });
    assert.deepEqual(fromJson.toList(), ds.toList());
    ds.toCsv(join(dir, 'out.csv'));
    const fromCsv = await loadDataset('csv', { dataFiles: join(dir, 'out.csv'), split: 'train' });
    assert.deepEqual(fromCsv.toList(), ds.toList());
  });
});

describe('trainTestSplit', () => {
  const numbers = (n: number): Dataset => Dataset.fromDict({ x: Array.from({ length: n }, (_, i) => i) });

  test("sizes follow Hugging Face (test = ceil(testSize·n)); splits are disjoint and reproducible", () => {
    const ds = numbers(10);
    const s = ds.trainTestSplit({ testSize: 0.25, seed: 0 });
    assert.deepEqual(s.numRows, { train: 7, test: 3 });
    const all = [...(s.train.column('x') as number[]), ...(s.test.column('x') as number[])].sort((a, b) => a - b);
    assert.deepEqual(all, ds.column('x'));
    assert.deepEqual(ds.trainTestSplit({ testSize: 0.25, seed: 0 }).test.column('x'), s.test.column('x'));
    assert.deepEqual(ds.trainTestSplit({ testSize: 4, seed: 0 }).numRows, { train: 6, test: 4 });
    assert.deepEqual(ds.trainTestSplit({ trainSize: 0.55, seed: 0 }).numRows, { train: 5, test: 5 });
    assert.deepEqual(ds.trainTestSplit({ testSize: 0.3, shuffle: false }).test.column('x'), [7, 8, 9]);
    assert.deepEqual(numbers(1000).trainTestSplit({ seed: 1 }).numRows, { train: 750, test: 250 });
    assert.throws(() => ds.trainTestSplit({ testSize: 1.5 }), /testSize=1.5/);
    assert.throws(() => ds.trainTestSplit({ testSize: 0.3, stratifyByColumn: 'x' }), /needs a ClassLabel column/);
  });

  test('stratified splits keep class ratios (per-class sizes as scikit-learn computes them)', () => {
    const ref = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'stratified_counts.json'), 'utf8')) as {
      cases: { name: string; classCounts: number[]; testSize: number; trainCounts: number[]; testCounts: number[]; ties: boolean }[];
    };
    for (const c of ref.cases.filter((x) => !x.ties)) {
      const labels = c.classCounts.flatMap((n, k) => new Array(n).fill(k));
      const names = c.classCounts.map((_, k) => `c${k}`);
      const ds = Dataset.fromDict({ label: labels }, { features: { label: new ClassLabel({ names }) } }).shuffle({ seed: 5 });
      for (const seed of [0, 1]) {
        const split = ds.trainTestSplit({ testSize: c.testSize, seed, stratifyByColumn: 'label' });
        const count = (d: Dataset): number[] => names.map((_, k) => (d.column('label') as number[]).filter((l) => l === k).length);
        assert.deepEqual(count(split.test), c.testCounts, `${c.name} test ${c.testSize}`);
        assert.deepEqual(count(split.train), c.trainCounts, `${c.name} train ${c.testSize}`);
      }
    }
  });
});

describe('DatasetDict', () => {
  test('applies transforms to every split', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'train.jsonl'), '{"t": "a", "n": 1}\n{"t": "b", "n": 2}\n');
    writeFileSync(join(dir, 'test.jsonl'), '{"t": "c", "n": 3}\n');
    const dd = await loadDataset('json', { dataDir: dir });
    const mapped = await dd.map((r) => ({ n2: r.n * 2 }));
    assert.deepEqual(mapped.test.column('n2'), [6]);
    assert.deepEqual(dd.removeColumns('n').columnNames, { train: ['t'], test: ['t'] });
    assert.deepEqual(dd.renameColumn('t', 'text').train.columnNames, ['text', 'n']);
    assert.deepEqual((await dd.filter((r) => r.n > 1)).numRows, { train: 1, test: 1 });
    assert.equal(dd.get('train'), dd.train);
    assert.throws(() => dd.get('validation'), /no split 'validation'/);
    const cast = dd.castColumn('n', new Value('float64'));
    assert.equal(cast.train.features.n.dtype, 'float64');
    assert.ok(new Sequence(new Value('int32')).toString().includes('int32'));
  });
});
