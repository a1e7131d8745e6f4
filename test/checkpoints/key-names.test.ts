// Tensor names are data: 'constructor', 'toString', '__proto__' and 'hasOwnProperty' are names
// like any other, in safetensors and torch.save files alike, and an unknown dtype spelled like
// an Object.prototype member is an unknown dtype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { torch } from '../../src/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/engine/safetensors.js';
import { loadTorchCheckpoint } from '../../src/checkpoints/torch-load.js';
import { legacyCheckpoint, legacyTensor, OP, pickle, str } from '../helpers/pickle-bytes.js';

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
const dir = mkdtempSync(join(tmpdir(), 'finetune-keys-'));

function safetensorsBytes(header: Record<string, unknown>, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

test('safetensors: tensors named like Object.prototype members load under their names', () => {
  // JSON.stringify drops a computed "__proto__" key of an object literal, so the header is spelled out.
  const entries = NAMES.map((n, i) => `"${n}":{"dtype":"F32","shape":[1],"data_offsets":[${4 * i},${4 * i + 4}]}`);
  const json = Buffer.from(`{${entries.join(',')}}`);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const path = join(dir, 'names.safetensors');
  writeFileSync(path, Buffer.concat([length, json, Buffer.from(Float32Array.from(NAMES.map((_, i) => i)).buffer)]));
  const loaded = loadSafetensors(path);
  assert.deepEqual(Object.keys(loaded).sort(), [...NAMES].sort());
  NAMES.forEach((n, i) => assert.deepEqual(loaded[n].toArray(), [i], n));
  // And they save back: no name is lost to a prototype setter.
  const out = join(dir, 'again.safetensors');
  saveSafetensors(out, loaded);
  assert.deepEqual(Object.keys(loadSafetensors(out)).sort(), [...NAMES].sort());
});

test('safetensors: a dtype named "constructor" is an unsupported dtype, naming the tensor', () => {
  const path = join(dir, 'dtype.safetensors');
  writeFileSync(path, safetensorsBytes({ w: { dtype: 'constructor', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)));
  assert.throws(() => loadSafetensors(path), /dtype\.safetensors: tensor 'w': unsupported dtype "constructor"/);
});

test('torch.save: state-dict keys named like Object.prototype members load under their names', async () => {
  const items = NAMES.flatMap((n, i) => [str(n), legacyTensor(NAMES.length, i, [1], [1])]);
  const bytes = legacyCheckpoint(pickle(OP.PROTO2, OP.EMPTY_DICT, OP.MARK, ...items, 0x75 /* SETITEMS */, OP.STOP), [['0', Float32Array.from(NAMES.map((_, i) => i))]]);
  const path = join(dir, 'names.bin');
  writeFileSync(path, bytes);
  const { stateDict } = await loadTorchCheckpoint(path);
  assert.deepEqual(Object.keys(stateDict), NAMES);
  NAMES.forEach((n, i) => assert.deepEqual(stateDict[n].toArray(), [i], n));
  void torch;
});
