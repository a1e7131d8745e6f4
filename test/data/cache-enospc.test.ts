// A full disk while the dataset cache is written must not leave temporary files in the cache
// folder (they would pile up with every retry) nor a half-written cache file under its name.
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, mock } from 'node:test';

import { loadDataset } from '../../src/data-index.js';
import { writeArrowFile } from '../../src/datasets/cache.js';
import { buildColumn } from '../../src/datasets/columns.js';
import { Value } from '../../src/datasets/features.js';

afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

const ENOSPC = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });

/** Every way of writing a file writes a few bytes, then finds the disk full. */
function fillTheDisk(): void {
  const realWrite = fs.writeSync;
  const realWriteFile = fs.writeFileSync;
  mock.method(fs, 'writeSync', (fd: number, buffer: Uint8Array, offset?: number, length?: number) => {
    realWrite(fd, buffer, offset, Math.min(length ?? buffer.length, 8));
    throw ENOSPC();
  });
  mock.method(fs, 'writeFileSync', (path: fs.PathOrFileDescriptor, data: string | Uint8Array) => {
    realWriteFile(path, typeof data === 'string' ? data.slice(0, 8) : data.subarray(0, 8));
    throw ENOSPC();
  });
  syncBuiltinESMExports();
}

describe('dataset cache on a full disk', () => {
  it('writeArrowFile leaves no temporary file and no partial cache file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-enospc-'));
    const column = buildColumn([1, 2, 3], new Value('int64'));
    fillTheDisk();
    assert.throws(() => writeArrowFile(join(dir, 'finetune-map-abc.arrow'), new Map([['x', column]]), { x: new Value('int64') }, 3), /ENOSPC/);
    mock.restoreAll();
    syncBuiltinESMExports();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('loadDataset fails with ENOSPC and leaves the cache folder empty', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'finetune-enospc-cache-'));
    const data = mkdtempSync(join(tmpdir(), 'finetune-enospc-data-'));
    writeFileSync(join(data, 'train.csv'), 'a,b\n1,x\n2,y\n');
    const saved = process.env.HF_DATASETS_CACHE;
    process.env.HF_DATASETS_CACHE = cache;
    try {
      fillTheDisk();
      await assert.rejects(loadDataset('csv', { dataFiles: join(data, 'train.csv'), split: 'train' }), /ENOSPC/);
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
      if (saved === undefined) delete process.env.HF_DATASETS_CACHE;
      else process.env.HF_DATASETS_CACHE = saved;
    }
    assert.deepEqual(readdirSync(cache), []);
  });
});
