// writeFileAtomic: the target holds the whole new content or its old content, whatever step
// fails (a short write then ENOSPC, fsync, rename), and no temporary file is left behind.
import assert from 'node:assert/strict';
import fs, { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, mock } from 'node:test';

import { RepoCache } from '../../src/hub/cache.js';
import { isTemporaryName, renameDurable, replaceAtomically, stageFile, temporaryPath, writeFileAtomic } from '../../src/util/atomic.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'finetune-atomic-'));
  dirs.push(d);
  return d;
};

afterEach(() => mock.restoreAll());

/** Makes fs.writeSync write at most a few bytes and then fail as a full disk does. */
function diskFullAfterFewBytes(): void {
  const realWrite = fs.writeSync;
  mock.method(fs, 'writeSync', (fd: number, buffer: Uint8Array, offset?: number, length?: number) => {
    realWrite(fd, buffer, offset, Math.min(length ?? buffer.length, 4));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  });
}

describe('writeFileAtomic', () => {
  it('writes strings, bytes and lists of chunks, replacing what was there', () => {
    const d = tempDir();
    const p = join(d, 'a.json');
    writeFileAtomic(p, '{"x": 1}');
    assert.equal(readFileSync(p, 'utf8'), '{"x": 1}');
    writeFileAtomic(p, new Uint8Array([104, 105]));
    assert.equal(readFileSync(p, 'utf8'), 'hi');
    writeFileAtomic(p, [Buffer.from('ab'), Buffer.from(''), Buffer.from('cd')]);
    assert.equal(readFileSync(p, 'utf8'), 'abcd');
    assert.deepEqual(readdirSync(d), ['a.json']);
  });

  it('creates the folder only when asked', () => {
    const d = tempDir();
    assert.throws(() => writeFileAtomic(join(d, 'sub', 'f.txt'), 'x'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.message.includes(join(d, 'sub', 'f.txt')));
    writeFileAtomic(join(d, 'sub', 'f.txt'), 'x', { mkdir: true });
    assert.equal(readFileSync(join(d, 'sub', 'f.txt'), 'utf8'), 'x');
  });

  it('a full disk midway leaves the old content intact and no temporary file', () => {
    const d = tempDir();
    const p = join(d, 'state.json');
    writeFileSync(p, 'old content');
    diskFullAfterFewBytes();
    assert.throws(() => writeFileAtomic(p, 'new content that does not fit'), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC' && e.message.includes(p));
    mock.restoreAll();
    assert.equal(readFileSync(p, 'utf8'), 'old content');
    assert.deepEqual(readdirSync(d), ['state.json']);
  });

  it('a full disk on a new file leaves nothing', () => {
    const d = tempDir();
    diskFullAfterFewBytes();
    assert.throws(() => writeFileAtomic(join(d, 'new.bin'), new Uint8Array(1000)), /ENOSPC/);
    mock.restoreAll();
    assert.deepEqual(readdirSync(d), []);
  });

  it('a failing fsync or rename leaves the old content and no temporary file', () => {
    for (const step of ['fsyncSync', 'renameSync'] as const) {
      const d = tempDir();
      const p = join(d, 'f.txt');
      writeFileSync(p, 'old');
      mock.method(fs, step, () => { throw Object.assign(new Error(`EIO: i/o error, ${step}`), { code: 'EIO' }); });
      assert.throws(() => writeFileAtomic(p, 'new'), /EIO/, step);
      mock.restoreAll();
      assert.equal(readFileSync(p, 'utf8'), 'old', step);
      assert.deepEqual(readdirSync(d), ['f.txt'], step);
    }
  });
});

describe('replaceAtomically', () => {
  it('renames what the writer produced over the target', () => {
    const d = tempDir();
    const p = join(d, 'tokenizer.json');
    replaceAtomically(p, (t) => writeFileSync(t, 'from a native writer'));
    assert.equal(readFileSync(p, 'utf8'), 'from a native writer');
    assert.deepEqual(readdirSync(d), ['tokenizer.json']);
  });

  it('removes a partial temporary file when the writer throws', () => {
    const d = tempDir();
    const p = join(d, 'tokenizer.json');
    writeFileSync(p, 'old');
    assert.throws(() => replaceAtomically(p, (t) => { writeFileSync(t, 'half'); throw new Error('writer died'); }), (e: Error) => e.message === `cannot write ${p}: writer died`);
    assert.equal(readFileSync(p, 'utf8'), 'old');
    assert.deepEqual(readdirSync(d), ['tokenizer.json']);
  });
});

describe('stageFile', () => {
  it('leaves the target alone until commit, and discard leaves nothing', () => {
    const d = tempDir();
    const p = join(d, 'config.json');
    writeFileSync(p, 'old');
    const staged = stageFile(p, 'new');
    assert.equal(readFileSync(p, 'utf8'), 'old');
    staged.commit();
    assert.equal(readFileSync(p, 'utf8'), 'new');
    stageFile(p, 'newer').discard();
    assert.equal(readFileSync(p, 'utf8'), 'new');
    assert.deepEqual(readdirSync(d), ['config.json']);
  });

  it('a full disk while staging throws at once and leaves nothing', () => {
    const d = tempDir();
    diskFullAfterFewBytes();
    assert.throws(() => stageFile(join(d, 'config.json'), 'x'.repeat(100)), /ENOSPC/);
    mock.restoreAll();
    assert.deepEqual(readdirSync(d), []);
  });
});

describe('temporaryPath and renameDurable', () => {
  it('picks hidden, distinct names in the same folder', () => {
    const d = tempDir();
    const a = temporaryPath(join(d, 'x.arrow'));
    const b = temporaryPath(join(d, 'x.arrow'));
    assert.notEqual(a, b);
    assert.ok(a.startsWith(join(d, '.x.arrow.tmp-')), a);
    assert.ok(isTemporaryName(a.slice(d.length + 1)));
    assert.ok(isTemporaryName('.checkpoint-4.deleting-12-0123abcd'));
    for (const real of ['x.arrow', '.gitattributes', 'model.safetensors.tmp', '.x.tmp-12']) assert.equal(isTemporaryName(real), false, real);
  });

  it('moves folders as well as files', () => {
    const d = tempDir();
    fs.mkdirSync(join(d, 'tmp-checkpoint-1'));
    writeFileSync(join(d, 'tmp-checkpoint-1', 'f'), 'x');
    renameDurable(join(d, 'tmp-checkpoint-1'), join(d, 'checkpoint-1'));
    assert.ok(existsSync(join(d, 'checkpoint-1', 'f')));
    assert.ok(!existsSync(join(d, 'tmp-checkpoint-1')));
  });
});

describe('readers pass over what a crash left', () => {
  it('a hub snapshot lists its files, not a temporary copy left mid-write', () => {
    const cache = new RepoCache('org/model', 'model', tempDir());
    const commit = 'a'.repeat(40);
    const blob = cache.blobPath('etag1');
    fs.mkdirSync(join(cache.root, 'blobs'), { recursive: true });
    writeFileSync(blob, '{}');
    cache.link(commit, 'config.json', blob);
    const pointer = cache.pointerPath(commit, 'config.json');
    writeFileSync(temporaryPath(pointer), '{'); // a copy that a kill interrupted
    assert.deepEqual(cache.snapshotFiles(commit), ['config.json']);
  });
});
