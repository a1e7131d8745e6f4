// The on-disk cache of Dataset.map: a second identical run (here, in a new process) loads the
// result instead of recomputing; a different tokenizer, function or argument does not hit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AutoTokenizer, disableCaching, enableCaching, loadDataset } from '../../src/data-index.js';
import { BERT_UNCASED, GLUE, NEEDS_SHARED, ROOT, tempDir } from './helpers.js';

const cache = tempDir('finetune-cache-');
process.env.HF_DATASETS_CACHE = cache;

describe('map cache', { skip: NEEDS_SHARED }, () => {
  test('the second identical run in a new process loads from the cache', () => {
    const run = (): { calls: number; ms: number; cacheFiles: { filename: string }[]; numRows: number; first: number[]; columns: string[] } => {
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'map_cache_child.ts'), join(GLUE, 'MRPC'), BERT_UNCASED], {
        cwd: ROOT, env: { ...process.env, HF_DATASETS_CACHE: cache }, encoding: 'utf8',
      });
      return JSON.parse(out.trim().split('\n').pop() as string);
    };
    const first = run();
    assert.equal(first.calls, 4, '3668 rows in batches of 1000');
    assert.equal(first.numRows, 3668);
    assert.equal(first.cacheFiles.length, 1);
    assert.ok(first.cacheFiles[0].filename.startsWith(cache), 'written under HF_DATASETS_CACHE');
    assert.ok(existsSync(first.cacheFiles[0].filename));
    const second = run();
    assert.ok(second.calls <= 1, `at most a one-example probe on a hit (was ${second.calls} calls)`);
    assert.deepEqual(second.cacheFiles, first.cacheFiles);
    assert.deepEqual(second.first, first.first);
    assert.deepEqual(second.columns, ['sentence1', 'sentence2', 'label', 'idx', 'input_ids', 'token_type_ids', 'attention_mask']);
  });

  test('a different tokenizer behind the same function source misses the cache', async () => {
    const raw = await loadDataset('glue', 'mrpc', { dataDir: join(GLUE, 'MRPC'), split: 'validation' });
    const casedDir = tempDir();
    copyFileSync(join(BERT_UNCASED, 'vocab.txt'), join(casedDir, 'vocab.txt'));
    writeFileSync(join(casedDir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
    const results = [];
    for (const dir of [BERT_UNCASED, casedDir, BERT_UNCASED]) {
      const tokenizer = await AutoTokenizer.fromPretrained(dir);
      results.push(await raw.map((b) => tokenizer(b.sentence1), { batched: true }));
    }
    const [a, b, c] = results;
    assert.notEqual(a.cacheFiles[0].filename, b.cacheFiles[0].filename);
    assert.notDeepEqual(a[0].input_ids, b[0].input_ids, 'the cased tokenizer gives other ids');
    assert.equal(c.cacheFiles[0].filename, a.cacheFiles[0].filename, 'the first tokenizer again hits its entry');
    assert.deepEqual(c[0].input_ids, a[0].input_ids);
  });

  test('arguments are part of the key; disableCaching writes nothing', async () => {
    const raw = await loadDataset('glue', 'wnli', { dataDir: join(GLUE, 'WNLI'), split: 'train' });
    const fn = (b: { sentence1: string[] }, kw: { n: number }) => ({ head: b.sentence1.map((s) => s.slice(0, kw.n)) });
    const x = await raw.map(fn, { batched: true, fnKwargs: { n: 3 } });
    const y = await raw.map(fn, { batched: true, fnKwargs: { n: 4 } });
    const z = await raw.map(fn, { batched: true, fnKwargs: { n: 3 } });
    assert.notEqual(x.cacheFiles[0].filename, y.cacheFiles[0].filename);
    assert.equal(z.cacheFiles[0].filename, x.cacheFiles[0].filename);
    assert.equal((y[0].head as string).length, 4);
    const before = readdirSync(cache).length;
    disableCaching();
    try {
      const w = await raw.map(fn, { batched: true, fnKwargs: { n: 5 } });
      assert.deepEqual(w.cacheFiles, []);
      assert.equal(readdirSync(cache).length, before);
    } finally {
      enableCaching();
    }
    const uncached = await raw.map(fn, { batched: true, fnKwargs: { n: 3 }, loadFromCacheFile: false });
    assert.deepEqual(uncached.column('head'), x.column('head'));
  });

  test('a closure variable the fingerprint cannot see never gives a stale cache hit', async () => {
    const raw = await loadDataset('glue', 'mrpc', { dataDir: join(GLUE, 'MRPC'), split: 'validation' });
    const tokenizer = await AutoTokenizer.fromPretrained(BERT_UNCASED);
    // The same source both times; only the captured K differs.
    const make = (K: number) => (b: { sentence1: string[] }) => tokenizer(b.sentence1, { truncation: true, maxLength: 16 * K });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => { if (w.name === 'FingerprintWarning') warnings.push(w); };
    process.on('warning', onWarning);
    try {
      const longest = (ds: { column(name: string): unknown[] }): number => Math.max(...ds.column('input_ids').map((ids) => (ids as number[]).length));
      assert.equal(longest(await raw.map(make(1), { batched: true })), 16);
      const second = await raw.map(make(2), { batched: true });
      assert.equal(longest(second), 32, 'K = 2 is computed, not read from the K = 1 cache');
      assert.deepEqual(second.cacheFiles, [], 'nothing is cached under a key that cannot see K');
      // With an explicit newFingerprint the caller vouches for K: cached and reused.
      const named = await raw.map(make(2), { batched: true, newFingerprint: 'mrpc-maxlen-32' });
      const again = await raw.map(make(2), { batched: true, newFingerprint: 'mrpc-maxlen-32' });
      assert.equal(again.cacheFiles[0].filename, named.cacheFiles[0].filename);
      assert.equal(longest(again), 32);
    } finally {
      process.off('warning', onWarning);
    }
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.equal(warnings.length, 1, 'said once');
    assert.match(warnings[0].message, /^map: the function reads 'tokenizer', 'K' from outside itself.*fnKwargs.*newFingerprint/);
  });

  test('loaded datasets are cached too, and a changed source file is read again', async () => {
    const dir = tempDir();
    const file = join(dir, 'rows.csv');
    writeFileSync(file, 'text,label\na,0\nb,1\n');
    const first = await loadDataset('csv', { dataFiles: file, split: 'train' });
    const indexes = (): string[] => readdirSync(cache).filter((f) => f.startsWith('finetune-load-') && f.endsWith('.json'));
    const before = indexes().length;
    const again = await loadDataset('csv', { dataFiles: file, split: 'train' });
    assert.equal(indexes().length, before, 'no new entry on the second load');
    assert.equal(again.fingerprint, first.fingerprint);
    assert.deepEqual(again.toList(), first.toList());
    writeFileSync(file, 'text,label\na,0\nb,1\nc,0\n');
    const changed = await loadDataset('csv', { dataFiles: file, split: 'train' });
    assert.equal(changed.numRows, 3);
    assert.notEqual(changed.fingerprint, first.fingerprint);
  });
});

