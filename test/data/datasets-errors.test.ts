// Bad input: each case must be an error naming the file and line (or the column), never a
// silent skip. Files are written to a temp folder so the expected line is known.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClassLabel, Dataset, DataFileError, loadDataset, Value } from '../../src/data-index.js';
import { GLUE, NEEDS_SHARED, shared, tempDir } from './helpers.js';

process.env.HF_DATASETS_CACHE = tempDir('finetune-cache-');

async function failure(p: Promise<unknown>): Promise<Error> {
  const result = await p.then(() => null, (e: Error) => e);
  assert.ok(result, 'expected an error');
  return result;
}

describe('file errors name the file and line', () => {
  test('a row with the wrong number of fields', async () => {
    const dir = tempDir();
    const file = join(dir, 'data.tsv');
    writeFileSync(file, 'text\tlabel\nok\t1\nfine\t0\nbroken row without tab\nlast\t1\n');
    const e = await failure(loadDataset('csv', { dataFiles: file, delimiter: '\t', quoting: 'none' }));
    assert.ok(e instanceof DataFileError);
    assert.equal(e.message.startsWith(`${file}:4: expected 2 fields (text, label)`), true, e.message);
    writeFileSync(file, 'text\tlabel\nok\t1\ntoo\tmany\tfields\n');
    assert.match((await failure(loadDataset('csv', { dataFiles: file, delimiter: '\t' }))).message, /data\.tsv:3: expected 2 fields .* found 3/);
  });

  test('an unterminated quote reports the line where the field began', async () => {
    const file = join(tempDir(), 'q.csv');
    writeFileSync(file, 'a,b\n1,2\n3,"open\nstill open\n');
    assert.match((await failure(loadDataset('csv', { dataFiles: file }))).message, /q\.csv:3: unterminated quoted field/);
  });

  test('bytes that are not UTF-8', async () => {
    const file = join(tempDir(), 'latin1.csv');
    writeFileSync(file, Buffer.concat([Buffer.from('text,label\nok,1\ncaf'), Buffer.from([0xe9]), Buffer.from(',0\n')]));
    const e = await failure(loadDataset('csv', { dataFiles: file }));
    assert.match(e.message, /latin1\.csv:3: invalid UTF-8 \(byte 0xe9 at column 4\)/);
    const txt = join(tempDir(), 'bad.txt');
    writeFileSync(txt, Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0xc3, 0x28, 0x0a]));
    assert.match((await failure(loadDataset('text', { dataFiles: txt }))).message, /bad\.txt:3: invalid UTF-8/);
  });

  test('a label outside the ClassLabel names', async () => {
    const file = join(tempDir(), 'labels.csv');
    writeFileSync(file, 'text,label\na,pos\nb,neg\nc,maybe\n');
    const features = { text: new Value('string'), label: new ClassLabel({ names: ['neg', 'pos'] }) };
    const e = await failure(loadDataset('csv', { dataFiles: file, features }));
    assert.match(e.message, /labels\.csv:4: column 'label': label 'maybe' is not one of the ClassLabel names \[neg, pos\]/);
    writeFileSync(file, 'text,label\na,1\nb,2\n');
    assert.match((await failure(loadDataset('csv', { dataFiles: file, features }))).message, /labels\.csv:3: .*label '2' is not one of the ClassLabel names/);
  });

  test('missing files and folders', async () => {
    const missing = join(tempDir(), 'nope.csv');
    assert.match((await failure(loadDataset('csv', { dataFiles: missing }))).message, /nope\.csv: no such file/);
    assert.match((await failure(loadDataset('glue', 'mrpc', { dataDir: join(tempDir(), 'none') }))).message, /train\.tsv: no such file/);
    assert.match((await failure(loadDataset('glue', 'mrpc'))).message, /pass dataDir/);
    assert.match((await failure(loadDataset('glue', 'nosuchtask', { dataDir: '.' }))).message, /unknown config 'nosuchtask'/);
    assert.match((await failure(loadDataset('nosuchbuilder'))).message, /not a builder/);
    assert.match((await failure(loadDataset('someone/some-dataset'))).message, /Hub client is not available yet/);
  });

  test('JSON Lines: a bad line and a type change name their line', async () => {
    const file = join(tempDir(), 'rows.jsonl');
    writeFileSync(file, '{"a": 1}\n{"a": 2}\n{"a": 3,}\n');
    assert.match((await failure(loadDataset('json', { dataFiles: file }))).message, /rows\.jsonl:3: invalid JSON Lines row/);
    writeFileSync(file, '{"a": 1}\n\n{"a": "two"}\n');
    assert.match((await failure(loadDataset('json', { dataFiles: file }))).message, /rows\.jsonl:3: .*found a string in column 'a'/);
  });

  test('GLUE with a corrupted label line', { skip: NEEDS_SHARED }, async () => {
    const dir = tempDir();
    for (const f of ['dev.tsv', 'test.tsv']) copyFileSync(join(GLUE, 'MRPC', f), join(dir, f));
    const lines = readFileSync(join(GLUE, 'MRPC', 'train.tsv'), 'utf8').split('\n');
    lines[10] = lines[10].replace(/^1\t/, '7\t').replace(/^0\t/, '7\t');
    writeFileSync(join(dir, 'train.tsv'), lines.join('\n'));
    const e = await failure(loadDataset('glue', 'mrpc', { dataDir: dir }));
    assert.match(e.message, /train\.tsv:11: column 'Quality': label '7' is not one of the ClassLabel names \[not_equivalent, equivalent\]/);
  });

  test('a labeled folder with an invalid UTF-8 file names the file', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'pos'));
    writeFileSync(join(root, 'pos', 'a.txt'), 'good');
    writeFileSync(join(root, 'pos', 'b.txt'), Buffer.from([0x62, 0xff]));
    assert.match((await failure(loadDataset('textfolder', { dataDir: root }))).message, /pos\/b\.txt:1: invalid UTF-8/);
  });

  test('NSMC with a missing file', { skip: NEEDS_SHARED }, async () => {
    const dir = tempDir();
    copyFileSync(shared('datasets', 'nsmc', 'ratings_test.txt'), join(dir, 'ratings_test.txt'));
    assert.match((await failure(loadDataset('nsmc', { dataDir: dir }))).message, /ratings_train\.txt: no such file/);
  });
});

describe('dataset errors name the column', () => {
  const ds = Dataset.fromDict({ text: ['a', 'b'], label: [0, 1] });

  test('unknown columns in removeColumns, renameColumn, map and setFormat', async () => {
    assert.throws(() => ds.removeColumns(['text', 'labels']), /removeColumns: column 'labels' not in the dataset; the columns are \['text', 'label'\]/);
    assert.throws(() => ds.renameColumn('txt', 'x'), /column 'txt' not in the dataset/);
    assert.throws(() => ds.setFormat('torch', ['nope']), /setFormat: column 'nope'/);
    await assert.rejects(ds.map((r) => r, { removeColumns: ['idx'] }), /map: removeColumns: column 'idx' not in the dataset/);
    assert.throws(() => ds.column('nope' as never), /column 'nope' not in the dataset/);
    await assert.rejects(ds.map((r) => r, { num_proc: 4 } as object), /map: unknown option 'num_proc'/);
  });

  test('map results must be consistent', async () => {
    await assert.rejects(ds.map((b) => ({ n: [1] }), { batched: true }), /changed the number of rows \(2 → 1\)/);
    await assert.rejects(ds.map((b) => 'nope', { batched: true }), /must return an object/);
    await assert.rejects(ds.map((r, i) => (i === 0 ? { x: 1 } : { x: 'one' }), { withIndices: true }), /map output 'x', row 1: .*found a string/);
    assert.throws(() => Dataset.fromDict({ a: [1, 2], b: [1] }), /different lengths/);
    assert.throws(() => ds.castColumn('text', new ClassLabel({ names: ['a'] })), /castColumn\('text'\), row 1: label 'b' is not one of the ClassLabel names/);
  });
});
