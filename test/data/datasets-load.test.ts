// Loading the real corpora: GLUE tasks, NSMC, movie_reviews. Split sizes are those published
// by GLUE / Hugging Face (and listed in ../shared/README.md); rows are checked against the
// raw files they came from.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClassLabel, Dataset, loadDataset, Sequence, Value } from '../../src/data-index.js';
import { GLUE, NEEDS_SHARED, shared, tempDir, tsvLines } from './helpers.js';

process.env.HF_DATASETS_CACHE = tempDir('finetune-cache-');

describe('GLUE', { skip: NEEDS_SHARED }, () => {
  const cases: [string, string, Record<string, number>, string[], string[] | null][] = [
    ['mrpc', 'MRPC', { train: 3668, validation: 408, test: 1725 }, ['sentence1', 'sentence2', 'label', 'idx'], ['not_equivalent', 'equivalent']],
    ['sst2', 'SST-2', { train: 67349, validation: 872, test: 1821 }, ['sentence', 'label', 'idx'], ['negative', 'positive']],
    ['cola', 'CoLA', { train: 8551, validation: 1043, test: 1063 }, ['sentence', 'label', 'idx'], ['unacceptable', 'acceptable']],
    ['rte', 'RTE', { train: 2490, validation: 277, test: 3000 }, ['sentence1', 'sentence2', 'label', 'idx'], ['entailment', 'not_entailment']],
    ['stsb', 'STS-B', { train: 5749, validation: 1500, test: 1379 }, ['sentence1', 'sentence2', 'label', 'idx'], null],
    ['wnli', 'WNLI', { train: 635, validation: 71, test: 146 }, ['sentence1', 'sentence2', 'label', 'idx'], ['not_entailment', 'entailment']],
  ];
  for (const [config, dir, sizes, columns, names] of cases) {
    test(`${config}: splits, sizes, columns and features`, async () => {
      const raw = await loadDataset('glue', config, { dataDir: join(GLUE, dir) });
      assert.deepEqual(raw.keys(), ['train', 'validation', 'test']);
      assert.deepEqual(raw.numRows, sizes);
      for (const split of raw.keys()) assert.deepEqual(raw[split].columnNames, columns);
      const label = raw.train.features.label;
      if (names) {
        assert.ok(label instanceof ClassLabel);
        assert.deepEqual(label.names, names);
      } else {
        assert.ok(label instanceof Value);
        assert.equal(label.dtype, 'float32');
      }
      assert.equal(raw.train.features.idx.dtype, 'int32');
      // Test splits carry no labels: -1, as in Hugging Face.
      assert.ok((raw.test.column('label') as number[]).every((l) => l === -1));
      assert.deepEqual(raw.validation.column('idx').slice(0, 3), [0, 1, 2]);
    });
  }

  test('mrpc rows come from the TSV with quoting off (BOM dropped, quotes kept)', async () => {
    const raw = await loadDataset('glue', 'mrpc', { dataDir: join(GLUE, 'MRPC') });
    const lines = tsvLines(join(GLUE, 'MRPC', 'train.tsv'));
    for (const i of [0, 1, 2, 1000, 3667]) {
      const [quality, , , s1, s2] = lines[i].split('\t');
      const row = raw.train[i];
      assert.equal(row.sentence1, s1);
      assert.equal(row.sentence2, s2);
      assert.equal(row.label, Number(quality));
      assert.equal(row.idx, i);
    }
    assert.ok((raw.train[0].sentence1 as string).includes('" the witness "'));
    const labels = raw.train.column('label') as number[];
    assert.equal(labels.filter((l) => l === 1).length, lines.filter((l) => l.startsWith('1\t')).length);
    assert.equal(raw.train.features.label.int2str(1), 'equivalent');
    assert.equal(raw.train.features.label.str2int('not_equivalent'), 0);
  });

  test('the GLUE root folder also works as dataDir; text labels map through ClassLabel', async () => {
    const rte = await loadDataset('glue', 'rte', { dataDir: GLUE, split: 'validation' });
    const lines = tsvLines(join(GLUE, 'RTE', 'dev.tsv')).map((l) => l.split('\t'));
    assert.equal(rte.numRows, lines.length);
    lines.forEach((l, i) => assert.equal(rte.features.label.int2str(rte[i].label), l[3]));
    const stsb = await loadDataset('glue', 'stsb', { dataDir: GLUE, split: 'train[:5]' });
    assert.deepEqual(stsb.column('label'), tsvLines(join(GLUE, 'STS-B', 'train.tsv')).slice(0, 5).map((l) => Math.fround(Number(l.split('\t')[9]))));
    const cola = await loadDataset('glue', 'cola', { dataDir: GLUE, split: 'train' });
    const colaLines = tsvLines(join(GLUE, 'CoLA', 'train.tsv'), false);
    assert.equal(cola[5].sentence, colaLines[5].split('\t')[3]);
    assert.equal(cola[5].label, Number(colaLines[5].split('\t')[1]));
  });

  test('printing matches Hugging Face\'s DatasetDict repr', async () => {
    const raw = await loadDataset('glue', 'wnli', { dataDir: join(GLUE, 'WNLI') });
    assert.equal(raw.toString(), [
      'DatasetDict({',
      '    train: Dataset({',
      "        features: ['sentence1', 'sentence2', 'label', 'idx'],",
      '        num_rows: 635',
      '    })',
      '    validation: Dataset({',
      "        features: ['sentence1', 'sentence2', 'label', 'idx'],",
      '        num_rows: 71',
      '    })',
      '    test: Dataset({',
      "        features: ['sentence1', 'sentence2', 'label', 'idx'],",
      '        num_rows: 146',
      '    })',
      '})',
    ].join('\n'));
  });
});

describe('NSMC', { skip: NEEDS_SHARED }, () => {
  test('sizes, features and Korean text as in the files', async () => {
    const nsmc = await loadDataset('nsmc', { dataDir: shared('datasets', 'nsmc') });
    assert.deepEqual(nsmc.numRows, { train: 150000, test: 50000 });
    assert.deepEqual(nsmc.train.columnNames, ['id', 'document', 'label']);
    assert.deepEqual(nsmc.train.features.label.names, ['negative', 'positive']);
    const lines = tsvLines(shared('datasets', 'nsmc', 'ratings_test.txt'));
    for (const i of [0, 17, 49999]) {
      const [id, doc, label] = lines[i].split('\t');
      assert.deepEqual(nsmc.test[i], { id, document: doc, label: Number(label) });
    }
    // Balanced by construction: 100k of each label over both files.
    const pos = (nsmc.train.column('label') as number[]).filter((l) => l === 1).length + (nsmc.test.column('label') as number[]).filter((l) => l === 1).length;
    assert.equal(pos, 100000);
  });
});

describe('labeled folders', { skip: NEEDS_SHARED }, () => {
  test('movie_reviews.zip: one folder per class inside a zip', async () => {
    const ds = await loadDataset('textfolder', { dataDir: shared('datasets', 'movie_reviews', 'movie_reviews.zip'), split: 'train' });
    assert.equal(ds.numRows, 2000);
    assert.deepEqual(ds.features.label.names, ['neg', 'pos']);
    const labels = ds.column('label') as number[];
    assert.equal(labels.filter((l) => l === 0).length, 1000);
    assert.ok((ds[0].text as string).startsWith('plot : two teen couples go to a church party'));
    assert.equal(ds[0].label, 0);
  });

  test('a folder on disk with split folders', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const root = tempDir();
    for (const [split, cls, name, text] of [['train', 'good', 'a.txt', 'fine film'], ['train', 'bad', 'b.txt', 'dull'], ['test', 'good', 'c.txt', 'great'], ['test', 'bad', 'd.txt', 'awful']]) {
      mkdirSync(join(root, split, cls), { recursive: true });
      writeFileSync(join(root, split, cls, name), text);
    }
    const ds = await loadDataset('textfolder', { dataDir: root });
    assert.deepEqual(ds.keys(), ['train', 'test']);
    assert.deepEqual(ds.train.features.label.names, ['bad', 'good']);
    assert.deepEqual(ds.test.toList(), [{ text: 'awful', label: 0 }, { text: 'great', label: 1 }]);
  });
});

describe('generic builders', () => {
  test('csv, tsv, json, jsonl, text and parquet, with dataFiles forms', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = tempDir();
    writeFileSync(join(dir, 'train.csv'), '\uFEFFtext,label,score\n"hello, world",1,0.5\nplain,0,2\n"say ""hi""",1,\n');
    writeFileSync(join(dir, 'test.csv'), 'text,label,score\nx,0,1.5\n');
    const csv = await loadDataset('csv', { dataFiles: { train: join(dir, 'train.csv'), test: join(dir, 'test.csv') } });
    assert.deepEqual(csv.train.toList(), [
      { text: 'hello, world', label: 1, score: 0.5 },
      { text: 'plain', label: 0, score: 2 },
      { text: 'say "hi"', label: 1, score: null },
    ]);
    assert.equal(csv.train.features.label.dtype, 'int64');
    assert.equal(csv.train.features.score.dtype, 'float64');
    const byDir = await loadDataset('csv', { dataDir: dir });
    assert.deepEqual(byDir.numRows, { train: 3, test: 1 });
    const local = await loadDataset(dir);
    assert.deepEqual(local.numRows, { train: 3, test: 1 });
    writeFileSync(join(dir, 'q.tsv'), 'a\tb\n"x\ty\n');
    const noQuote = await loadDataset('csv', { dataFiles: join(dir, 'q.tsv'), delimiter: '\t', quoting: 'none', split: 'train' });
    assert.deepEqual(noQuote[0], { a: '"x', b: 'y' });
    writeFileSync(join(dir, 'rows.jsonl'), '{"text": "a", "n": 1}\n\n{"text": "b", "n": 2.5, "tags": [1, 2]}\n');
    const jsonl = await loadDataset('json', { dataFiles: join(dir, 'rows.jsonl'), split: 'train' });
    assert.deepEqual(jsonl.toList(), [{ text: 'a', n: 1, tags: null }, { text: 'b', n: 2.5, tags: [1, 2] }]);
    writeFileSync(join(dir, 'nested.json'), JSON.stringify({ version: 1, data: [{ q: 'x' }, { q: 'y' }] }));
    const nested = await loadDataset('json', { dataFiles: join(dir, 'nested.json'), field: 'data', split: 'train' });
    assert.deepEqual(nested.column('q'), ['x', 'y']);
    writeFileSync(join(dir, 'lines.txt'), 'first\n\nthird\r\n');
    const text = await loadDataset('text', { dataFiles: [join(dir, 'lines.txt')], split: 'train' });
    assert.deepEqual(text.column('text'), ['first', '', 'third']);
    const ds = Dataset.fromDict({ text: ['a', 'b'], label: [0, 1], ids: [[1, 2], [3]] }, { features: { text: new Value('string'), label: new ClassLabel({ names: ['neg', 'pos'] }), ids: new Sequence(new Value('int64')) } });
    ds.toParquet(join(dir, 'out', 'train.parquet'));
    const pq = await loadDataset('parquet', { dataFiles: join(dir, 'out', 'train.parquet'), split: 'train' });
    assert.deepEqual(pq.toList(), ds.toList());
    assert.deepEqual(pq.features.label.names, ['neg', 'pos'], 'ClassLabel names travel in the Parquet metadata');
  });
});
