// loadCheckpoint: the torch.save formats (zip and legacy) against values torch.load read
// (fixtures by scripts/fixtures/make_checkpoint_fixtures.py), sharded checkpoints, the Hub
// path, and clear errors for malicious, truncated and corrupt files.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { CheckpointError, loadCheckpoint, renameLegacyKeys, UnsafePickleError } from '../../src/models/checkpoint.js';
import { materialize, PendingTensor } from '../../src/checkpoints/storages.js';
import { setHubClient, HubError } from '../../src/hub/resolve.js';

const fixtures = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const shared = fileURLToPath(new URL('../../../shared/checkpoints/', import.meta.url));
const skipShared = existsSync(join(shared, 'legacy-bert-2019')) ? false : `../shared is missing (looked for ${shared})`;
const layouts = JSON.parse(readFileSync(join(fixtures, 'layouts.json'), 'utf8')) as {
  layouts: Record<string, { dtype: string; shape: number[]; data: (number | boolean)[] }>;
  sharded: Record<string, { dtype: string; shape: number[]; data: number[] }>;
};

const flat = (t: Tensor): (number | boolean)[] => t.reshape([-1]).toArray() as (number | boolean)[];
const scratch = (): string => mkdtempSync(join(tmpdir(), 'finetune-ckpt-'));

function assertMatches(stateDict: Record<string, Tensor>, expected: typeof layouts.layouts): void {
  assert.deepEqual(Object.keys(stateDict).sort(), Object.keys(expected).sort());
  for (const [name, spec] of Object.entries(expected)) {
    const t = stateDict[name];
    assert.equal(t.dtype, spec.dtype, name);
    assert.deepEqual(t.shape, spec.shape, name);
    assert.deepEqual(flat(t), spec.data, name); // exact: the bytes are copied, never converted
  }
}

describe('torch.save formats', () => {
  for (const [file, format] of [['layouts-zip.bin', 'pytorch-zip'], ['layouts-zip-p4.bin', 'pytorch-zip'], ['layouts-legacy.bin', 'pytorch-legacy']]) {
    it(`${file}: every dtype and layout (transposed, sliced, shared, zero-stride, scalar, empty) as torch.load reads it`, async () => {
      const loaded = await loadCheckpoint(join(fixtures, file));
      assert.equal(loaded.format, format);
      assertMatches(loaded.stateDict, layouts.layouts);
    });
  }

  it('a tensor reaching past its storage is refused, naming the tensor', () => {
    const ref = { key: '0', dtype: 'float32' as const, numel: 4, viewOffset: 0, viewNumel: 4 };
    const pending = new Map([['w', new PendingTensor(ref, 2, [2, 2], [2, 1])]]);
    assert.throws(() => materialize('f.bin', pending, () => new Uint8Array(16), 'little'), /f\.bin: tensor 'w' \(shape \[2,2\], float32\) reads elements 2\.\.5 of storage '0', which has 4/);
  });

  it('big-endian storages are byte-swapped', () => {
    const ref = { key: '0', dtype: 'int32' as const, numel: 2, viewOffset: 0, viewNumel: 2 };
    const bytes = Buffer.alloc(8);
    bytes.writeInt32BE(-7, 0);
    bytes.writeInt32BE(70000, 4);
    const out = materialize('f.bin', new Map([['x', new PendingTensor(ref, 0, [2], [1])]]), () => bytes, 'big');
    assert.deepEqual(flat(out.x), [-7, 70000]);
  });
});

describe('checkpoints written by transformers (../shared)', { skip: skipShared }, () => {
  const expected = JSON.parse(readFileSync(join(fixtures, 'shared-expected.json'), 'utf8')) as Record<string, Record<string, { dtype: string; shape: number[]; first: number[]; sum: number }>>;
  for (const [name, format] of [['tiny-bert-seqcls-hf4.30', 'pytorch-zip'], ['tiny-bert-tokcls-hf4.8', 'pytorch-zip'], ['legacy-bert-2019', 'pytorch-legacy']]) {
    it(`${name}: names, shapes, dtypes and values match torch.load`, async () => {
      const loaded = await loadCheckpoint(join(shared, name));
      assert.equal(loaded.format, format);
      assert.equal(loaded.file, join(shared, name, 'pytorch_model.bin'));
      const want = expected[name];
      assert.deepEqual(Object.keys(loaded.stateDict), Object.keys(want)); // same order as the pickle
      for (const [key, spec] of Object.entries(want)) {
        const t = loaded.stateDict[key];
        assert.equal(t.dtype, spec.dtype, key);
        assert.deepEqual(t.shape, spec.shape, key);
        const values = flat(t) as number[];
        assert.deepEqual(values.slice(0, 4), spec.first, key);
        const sum = values.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - spec.sum) <= 1e-9 * Math.max(1, Math.abs(spec.sum)), `${key}: sum ${sum} vs ${spec.sum}`);
      }
    });
  }
  it('the position_ids buffer of the 4.30 checkpoint is an int64 [1, 512] range', async () => {
    const { stateDict } = await loadCheckpoint(join(shared, 'tiny-bert-seqcls-hf4.30', 'pytorch_model.bin'));
    assert.deepEqual(flat(stateDict['bert.embeddings.position_ids']), Array.from({ length: 512 }, (_, i) => i));
  });
});

describe('folders and sharded checkpoints', () => {
  it('prefers model.safetensors over pytorch_model.bin, unless useSafetensors is false', async () => {
    const dir = scratch();
    torch.saveSafetensors(join(dir, 'model.safetensors'), { w: torch.tensor([1, 2], { dtype: 'float32' }) });
    copyFileSync(join(fixtures, 'layouts-zip.bin'), join(dir, 'pytorch_model.bin'));
    assert.equal((await loadCheckpoint(dir)).format, 'safetensors');
    assert.equal((await loadCheckpoint(dir, { useSafetensors: false })).format, 'pytorch-zip');
    rmSync(join(dir, 'model.safetensors'));
    await assert.rejects(loadCheckpoint(dir, { useSafetensors: true }), /no weights file: expected one of model\.safetensors, model\.safetensors\.index\.json/);
    rmSync(dir, { recursive: true });
  });

  it('sharded pytorch_model.bin (index + shards written by torch.save)', async () => {
    const loaded = await loadCheckpoint(join(fixtures, 'sharded-bin'));
    assert.equal(loaded.format, 'pytorch-zip');
    assert.ok(loaded.file.endsWith('pytorch_model.bin.index.json'));
    assertMatches(loaded.stateDict, layouts.sharded);
  });

  it('sharded safetensors: loads, and validates the index against the shards', async () => {
    const dir = scratch();
    const write = (file: string, tensors: Record<string, number[]>) =>
      torch.saveSafetensors(join(dir, file), Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, torch.tensor(v, { dtype: 'float32' })])));
    const index = (map: Record<string, string>) => writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
    write('model-00001-of-00002.safetensors', { a: [1, 2] });
    write('model-00002-of-00002.safetensors', { b: [3], c: [4, 5, 6] });
    index({ a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' });
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.format, 'safetensors-sharded');
    assert.deepEqual(Object.fromEntries(Object.entries(loaded.stateDict).map(([k, t]) => [k, flat(t)])), { a: [1, 2], b: [3], c: [4, 5, 6] });

    index({ a: 'model-00001-of-00002.safetensors', b: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' });
    await assert.rejects(loadCheckpoint(dir), /model-00001-of-00002\.safetensors: tensor 'b' is not in this shard, though model\.safetensors\.index\.json says it is/);
    index({ a: 'model-00001-of-00002.safetensors', c: 'model-00002-of-00002.safetensors' });
    await assert.rejects(loadCheckpoint(dir), /model-00002-of-00002\.safetensors: holds tensor 'b' but model\.safetensors\.index\.json does not list it/);
    index({ a: 'model-00001-of-00002.safetensors', b: 'model-00003-of-00003.safetensors' });
    await assert.rejects(loadCheckpoint(dir), /the index lists shard files that are missing: model-00003-of-00003\.safetensors/);
    index({ a: '../escape.safetensors' });
    await assert.rejects(loadCheckpoint(dir), /shard file name '\.\.\/escape\.safetensors' is not a plain file name/);
    rmSync(dir, { recursive: true });
  });

  it('a Hub repo id resolves through the Hub client, fetching every shard next to its index', async () => {
    const repo = join(fixtures, 'sharded-bin');
    const asked: string[] = [];
    const previous = setHubClient({
      async resolveFile(repoId, filename) {
        asked.push(filename);
        if (!existsSync(join(repo, filename))) throw new HubError(`${repoId}: ${filename} not found`, 'ENTRY_NOT_FOUND');
        return join(repo, filename);
      },
      async listFiles() { return []; },
    });
    try {
      const loaded = await loadCheckpoint('someone/sharded-model');
      assertMatches(loaded.stateDict, layouts.sharded);
      assert.deepEqual(asked, ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json',
        'pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin']);
    } finally {
      setHubClient(previous);
    }
  });
});

describe('unsafe, truncated and corrupt files', () => {
  for (const [file, global] of [['malicious-os-system.bin', 'os.system'], ['malicious-builtins-eval.bin', 'builtins.eval'], ['malicious-subprocess-popen.bin', 'subprocess.Popen']]) {
    it(`${file} is refused, naming the file and '${global}', and nothing runs`, async () => {
      const path = join(fixtures, file);
      await assert.rejects(loadCheckpoint(path), (e: Error) =>
        e instanceof UnsafePickleError && e.message.startsWith(`${path}: refusing to unpickle`) && e.message.includes(`'${global}'`));
      assert.equal(existsSync('/tmp/pwned'), false);
    });
  }

  it('a truncated zip checkpoint names the file', async () => {
    const dir = scratch();
    const bytes = readFileSync(join(fixtures, 'layouts-zip.bin'));
    writeFileSync(join(dir, 'pytorch_model.bin'), bytes.subarray(0, bytes.length >> 1));
    await assert.rejects(loadCheckpoint(dir), (e: Error) => e instanceof CheckpointError && e.message.startsWith(join(dir, 'pytorch_model.bin')) && /corrupt zip archive \(truncated\?\)/.test(e.message));
    rmSync(dir, { recursive: true });
  });

  it('a flipped byte inside a zip storage fails its CRC, naming the entry', async (t) => {
    if (!('crc32' in (await import('node:zlib')))) return t.skip('zlib.crc32 needs Node >= 20.15');
    const dir = scratch();
    const bytes = Buffer.from(readFileSync(join(fixtures, 'layouts-zip.bin')));
    // The local header of storage 0: 30 fixed bytes, the name, an extra field (torch pads to 64 bytes), the data.
    const header = bytes.indexOf('layouts-zip/data/0') - 30;
    assert.equal(bytes.readUInt32LE(header), 0x04034b50);
    bytes[header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28)] ^= 0xff;
    writeFileSync(join(dir, 'model.bin'), bytes);
    await assert.rejects(loadCheckpoint(join(dir, 'model.bin')), /model\.bin: layouts-zip\/data\/0: CRC-32 mismatch/);
    rmSync(dir, { recursive: true });
  });

  it('a truncated legacy checkpoint names the file and the storage', async () => {
    const dir = scratch();
    const bytes = readFileSync(join(fixtures, 'layouts-legacy.bin'));
    writeFileSync(join(dir, 'old.bin'), bytes.subarray(0, bytes.length - 10));
    await assert.rejects(loadCheckpoint(join(dir, 'old.bin')), /old\.bin: the file ends (inside|before) storage '\d+' \(truncated\?\)/);
    writeFileSync(join(dir, 'old.bin'), bytes.subarray(0, 60));
    await assert.rejects(loadCheckpoint(join(dir, 'old.bin')), /old\.bin: corrupt pickle at byte \d+: .*truncated/);
    rmSync(dir, { recursive: true });
  });

  it('files that are not checkpoints at all', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'empty.bin'), '');
    await assert.rejects(loadCheckpoint(join(dir, 'empty.bin')), /empty\.bin: the file is empty/);
    writeFileSync(join(dir, 'text.bin'), 'hello world');
    await assert.rejects(loadCheckpoint(join(dir, 'text.bin')), /text\.bin: not a PyTorch checkpoint/);
    mkdirSync(join(dir, 'tf'));
    writeFileSync(join(dir, 'tf', 'tf_model.h5'), '');
    await assert.rejects(loadCheckpoint(join(dir, 'tf')), /found tf_model\.h5: TensorFlow\/Flax weights are not supported/);
    await assert.rejects(loadCheckpoint(join(dir, 'nope')), /nope: no such file or directory/);
    rmSync(dir, { recursive: true });
  });
});

it('renameLegacyKeys renames LayerNorm gamma/beta to weight/bias and nothing else', () => {
  const t = torch.zeros([1]);
  const out = renameLegacyKeys({ 'bert.embeddings.LayerNorm.gamma': t, 'encoder.layer.0.output.LayerNorm.beta': t, 'layer_scale.gamma': t, 'x.weight': t });
  assert.deepEqual(Object.keys(out), ['bert.embeddings.LayerNorm.weight', 'encoder.layer.0.output.LayerNorm.bias', 'layer_scale.gamma', 'x.weight']);
  assert.throws(() => renameLegacyKeys({ 'LayerNorm.gamma': t, 'LayerNorm.weight': t }), /both 'LayerNorm\.gamma' and 'LayerNorm\.weight'/);
});
