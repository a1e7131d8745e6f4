// A damaged cache file (empty, truncated: a crash or a full disk) is never a result: it is
// ignored with a warning and the data is read or computed again.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../src/data-index.js';
import { tempDir } from './helpers.js';

const cache = tempDir('finetune-cache-');
process.env.HF_DATASETS_CACHE = cache;

async function collectWarnings<T>(run: () => Promise<T>): Promise<[T, Error[]]> {
  const warnings: Error[] = [];
  const on = (w: Error): void => { if (w.name === 'CacheWarning') warnings.push(w); };
  process.on('warning', on);
  try {
    const out = await run();
    await new Promise((r) => setImmediate(r));
    return [out, warnings];
  } finally {
    process.off('warning', on);
  }
}

const damage = {
  'zero-length': (f: string): void => writeFileSync(f, ''),
  truncated: (f: string): void => truncateSync(f, Math.floor(readFileSync(f).length / 2)),
};

for (const [how, spoil] of Object.entries(damage)) {
  test(`a ${how} finetune-load-*.arrow is rebuilt from the source file, with a warning`, async () => {
    const dir = tempDir();
    const file = join(dir, `rows-${how}.csv`);
    writeFileSync(file, 'text,label\n' + Array.from({ length: 200 }, (_, i) => `row ${i},${i % 2}`).join('\n') + '\n');
    const first = await loadDataset('csv', { dataFiles: file, split: 'train' });
    assert.equal(first.numRows, 200);
    const arrows = readdirSync(cache).filter((f) => f.startsWith('finetune-load-') && f.endsWith('.arrow'));
    for (const f of arrows) spoil(join(cache, f));
    const [again, warnings] = await collectWarnings(() => loadDataset('csv', { dataFiles: file, split: 'train' }));
    assert.equal(again.numRows, 200);
    assert.deepEqual(again.toList(), first.toList());
    assert.ok(warnings.length >= 1, 'warned');
    assert.match(warnings[0].message, /finetune-load-.*\.arrow: not a complete Arrow file.*ignored and rebuilt/);
    // Rebuilt for good: the next load reads a valid cache without warnings.
    const [third, later] = await collectWarnings(() => loadDataset('csv', { dataFiles: file, split: 'train' }));
    assert.equal(third.numRows, 200);
    assert.deepEqual(later, []);
    for (const f of readdirSync(cache)) if (f.startsWith('finetune-load-')) writeFileSync(join(cache, f), ''); // spoil nothing later tests use
  });

  test(`a ${how} map cache file is recomputed, with a warning`, async () => {
    const file = join(tempDir(), 'texts.csv');
    writeFileSync(file, 'text\n' + Array.from({ length: 300 }, (_, i) => `text number ${i} (${how})`).join('\n') + '\n');
    const ds = await loadDataset('csv', { dataFiles: file, split: 'train' }); // in-memory datasets are not cached
    const fn = (b: { text: string[] }) => ({ n: b.text.map((t) => t.length) });
    const first = await ds.map(fn, { batched: true });
    spoil(first.cacheFiles[0].filename);
    const [again, warnings] = await collectWarnings(() => ds.map(fn, { batched: true }));
    assert.deepEqual(again.column('n'), first.column('n'));
    assert.match(warnings.map((w) => w.message).join('\n'), /finetune-map-.*\.arrow: not a complete Arrow file.*ignored and rebuilt/);
  });
}
