// Text files read as Python's csv/pandas and json read them: CR-only line endings end records,
// integers keep every digit (bigint past 2^53), and a value that does not fit its column's type
// is an error at its file and line, never a wrapped number.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Dataset, loadDataset, Value } from '../../src/data-index.js';
import { tempDir } from './helpers.js';

process.env.HF_DATASETS_CACHE = tempDir('finetune-cache-');

function file(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

test('CSV with CR-only line endings (old Mac) gives its rows and column names', async () => {
  for (const text of ['text,label\ra,1\rb,0\r', 'text,label\r"a, quoted",1\r"b\rc",0\r']) {
    const ds = await loadDataset('csv', { dataFiles: file('mac.csv', text), split: 'train' });
    assert.deepEqual(ds.columnNames, ['text', 'label']);
    assert.equal(ds.numRows, 2);
    assert.deepEqual(ds.column('label'), [1, 0]);
  }
});

test('integers beyond 2^53 keep every digit in CSV and JSON Lines', async () => {
  const csv = await loadDataset('csv', { dataFiles: file('big.csv', 'id,n\n9007199254740993,1\n-9223372036854775808,2\n'), split: 'train' });
  assert.deepEqual(csv.column('id'), [9007199254740993n, -9223372036854775808n]);
  assert.equal(String(csv.features.id), String(new Value('int64')));
  // Past int64 but within uint64 is uint64, as pandas reads it; past uint64 stays text.
  const u = await loadDataset('csv', { dataFiles: file('u.csv', 'id\n12345678901234567891\n1\n'), split: 'train' });
  assert.equal(String(u.features.id), String(new Value('uint64')));
  assert.deepEqual(u.column('id'), [12345678901234567891n, 1]);
  const s = await loadDataset('csv', { dataFiles: file('s.csv', 'id\n123456789012345678901234\n1\n'), split: 'train' });
  assert.deepEqual(s.column('id'), ['123456789012345678901234', '1']);
  const jsonl = await loadDataset('json', { dataFiles: file('big.jsonl', '{"id": 9007199254740993, "t": "9007199254740993"}\n{"id": 2, "t": "x"}\n'), split: 'train' });
  assert.deepEqual(jsonl.column('id'), [9007199254740993n, 2]);
  assert.deepEqual(jsonl.column('t'), ['9007199254740993', 'x'], 'digits inside strings are left alone');
});

test('a value that does not fit an integer column is an error at its file and line, not a wrapped number', async () => {
  const path = file('wrap.csv', 'id\n1\n12345678901234567891\n');
  await assert.rejects(loadDataset('csv', { dataFiles: path, split: 'train', features: { id: new Value('int64') } }),
    new RegExp(`${path}:3: column 'id': 12345678901234567891 is out of range for int64`));
  const jsonl = file('wrap.jsonl', '{"id": 1}\n{"id": 12345678901234567891}\n');
  await assert.rejects(loadDataset('json', { dataFiles: jsonl, split: 'train' }), new RegExp(`${jsonl}:2: key 'id': 12345678901234567891 is out of range for int64`));
  assert.throws(() => Dataset.fromDict({ x: [300] }, { features: { x: new Value('int8') } }), /300 is out of range for int8/);
});
