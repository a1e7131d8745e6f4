// torch.saveSafetensors / torch.loadSafetensors: bit-exact round trips of every dtype,
// atomic writes, strict validation of corrupt files (each error names the file), and a file
// written by Python's safetensors (../shared/checkpoints/reference-bert).
import assert from 'node:assert/strict';
import fs, { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { DType } from '../../src/engine/dtype.js';
import { readSafetensorsHeader } from '../../src/engine/safetensors.js';

const F = nn.functional;
const dir = mkdtempSync(join(tmpdir(), 'finetune-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (name = 'model') => join(dir, `${name}-${counter++}.safetensors`);

/** The file's header (parsed here, independently of the code under test) and data section. */
function parseFile(path: string): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__?: Record<string, string> }; headerLength: number; data: Buffer } {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')), headerLength, data: bytes.subarray(8 + headerLength) };
}

/** Deterministic pseudo-random bytes. */
function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

function u8(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Raw little-endian bytes for each dtype, including the awkward values. */
function specialBytes(dtype: DType): Uint8Array {
  switch (dtype) {
    case 'float32': return u8(Float32Array.of(0, -0, 1.5, -3.25e-5, Infinity, -Infinity, NaN, 1e-45 /* denormal */, 3.4028234663852886e38, Math.PI));
    case 'float64': return u8(Float64Array.of(0, -0, 1.5, -3.25e-300, Infinity, -Infinity, NaN, 5e-324, Number.MAX_VALUE, Math.E));
    // bit patterns: 0, -0, 1, max, min subnormal, inf, -inf, a quiet NaN with payload, a signalling-ish NaN, random
    case 'float16': return u8(Uint16Array.of(0x0000, 0x8000, 0x3c00, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e01, 0x7d55, 0x4248));
    case 'bfloat16': return u8(Uint16Array.of(0x0000, 0x8000, 0x3f80, 0x7f7f, 0x0001, 0x7f80, 0xff80, 0x7fc1, 0x7fa5, 0x4049));
    case 'int64': return u8(BigInt64Array.of(0n, -1n, 9223372036854775807n, -9223372036854775808n, 2n ** 53n + 1n, 42n));
    case 'int32': return u8(Int32Array.of(0, -1, 2147483647, -2147483648, 42, 7));
    case 'int16': return u8(Int16Array.of(0, -1, 32767, -32768, 42, 7));
    case 'int8': return u8(Int8Array.of(0, -1, 127, -128, 42, 7));
    case 'uint8': return Uint8Array.of(0, 1, 127, 128, 255, 42);
    case 'bool': return Uint8Array.of(1, 0, 0, 1, 1, 0);
  }
}

const ALL: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];
const FORMAT: Record<DType, string> = { float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL' };
const SIZE: Record<DType, number> = { float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

describe('round trip', () => {
  it('every dtype, bit-exact (NaN payloads, -0, infinities, subnormals, extremes)', () => {
    const record: Record<string, Tensor> = {};
    const raw: Record<string, Uint8Array> = {};
    for (const dtype of ALL) {
      const bytes = specialBytes(dtype);
      raw[dtype] = bytes;
      const n = bytes.length / SIZE[dtype];
      record[dtype] = torch.frombuffer(bytes, { dtype, shape: n % 2 === 0 ? [2, n / 2] : [n] });
    }
    const path = fresh();
    torch.saveSafetensors(path, record);
    // the file holds exactly our bytes, under the right dtype names and shapes
    const { header, data } = parseFile(path);
    for (const dtype of ALL) {
      const entry = header[dtype];
      assert.equal(entry.dtype, FORMAT[dtype]);
      assert.deepEqual(entry.shape, record[dtype].shape);
      assert.deepEqual(u8(data.subarray(entry.data_offsets[0], entry.data_offsets[1])), raw[dtype], `${dtype} bytes in the file`);
    }
    // loading gives the same dtypes, shapes and bits: saving the loaded tensors reproduces the file
    const loaded = torch.loadSafetensors(path);
    assert.deepEqual(Object.keys(loaded).sort(), [...ALL].sort());
    for (const dtype of ALL) {
      assert.equal(loaded[dtype].dtype, dtype);
      assert.deepEqual(loaded[dtype].shape, record[dtype].shape);
    }
    const again = fresh();
    torch.saveSafetensors(again, loaded);
    assert.ok(readFileSync(again).equals(readFileSync(path)), 'save(load(file)) is byte-identical');
    // and the values read back are the ones written, where JavaScript has the type
    assert.deepEqual(u8(loaded.float32.data()), raw.float32);
    assert.deepEqual(u8(loaded.float64.data()), raw.float64);
    assert.deepEqual(u8(loaded.int64.data()), raw.int64);
    assert.deepEqual(u8(loaded.int8.data()), raw.int8);
    assert.deepEqual(loaded.bool.toArray(), [[true, false, false], [true, true, false]]);
    assert.deepEqual((loaded.float16.toArray() as number[][])[0].slice(0, 3), [0, -0, 1]);
    assert.deepEqual((loaded.bfloat16.toArray() as number[][])[0].slice(0, 3), [0, -0, 1]);
  });

  it('0-dim and empty tensors of every dtype', () => {
    const record: Record<string, Tensor> = {};
    for (const dtype of ALL) {
      record[`scalar.${dtype}`] = torch.frombuffer(specialBytes(dtype).subarray(2 * SIZE[dtype], 3 * SIZE[dtype]), { dtype, shape: [] });
      record[`empty.${dtype}`] = torch.zeros([0], { dtype });
      record[`empty2d.${dtype}`] = torch.zeros([3, 0, 2], { dtype });
    }
    const path = fresh();
    torch.saveSafetensors(path, record);
    const { header } = parseFile(path);
    for (const dtype of ALL) {
      assert.deepEqual(header[`scalar.${dtype}`].shape, []);
      const [b, e] = header[`empty.${dtype}`].data_offsets;
      assert.equal(e - b, 0);
    }
    const loaded = torch.loadSafetensors(path);
    for (const dtype of ALL) {
      assert.deepEqual(loaded[`scalar.${dtype}`].shape, []);
      assert.equal(loaded[`scalar.${dtype}`].dtype, dtype);
      assert.deepEqual(loaded[`empty.${dtype}`].shape, [0]);
      assert.deepEqual(loaded[`empty2d.${dtype}`].shape, [3, 0, 2]);
      assert.equal(loaded[`empty2d.${dtype}`].dtype, dtype);
    }
    assert.equal(loaded['scalar.float32'].item(), 1.5);
    assert.equal(loaded['scalar.int64'].item(), 9223372036854775807);
    const again = fresh();
    torch.saveSafetensors(again, loaded);
    assert.ok(readFileSync(again).equals(readFileSync(path)));
  });

  it('a file with only empty tensors, and a file with no tensors at all', () => {
    const path = fresh();
    torch.saveSafetensors(path, { e: torch.zeros([0, 4]) });
    assert.deepEqual(torch.loadSafetensors(path).e.shape, [0, 4]);
    const none = fresh();
    torch.saveSafetensors(none, {}, { note: 'nothing' });
    assert.deepEqual(torch.loadSafetensors(none), {});
    assert.deepEqual(readSafetensorsHeader(none).metadata, { note: 'nothing' });
  });

  it('metadata round trips (unicode included) and is absent when not given', () => {
    const path = fresh();
    const metadata = { format: 'pt', 'key with spaces': 'välue ✓ "quoted"\n', empty: '' };
    torch.saveSafetensors(path, { w: torch.ones([2]) }, metadata);
    assert.deepEqual(parseFile(path).header.__metadata__, metadata);
    assert.deepEqual(readSafetensorsHeader(path).metadata, metadata);
    assert.deepEqual(Object.keys(torch.loadSafetensors(path)), ['w'], '__metadata__ is not a tensor');
    const plain = fresh();
    torch.saveSafetensors(plain, { w: torch.ones([2]) });
    assert.equal(parseFile(plain).header.__metadata__, undefined);
    assert.throws(() => torch.saveSafetensors(fresh(), { w: torch.ones([1]) }, { n: 1 as never }), /^TypeError: saveSafetensors: metadata 'n' must be a string/);
  });

  it('the layout follows the format: 8-byte length, 8-aligned JSON header, contiguous data', () => {
    const path = fresh();
    torch.saveSafetensors(path, { b: torch.ones([3], { dtype: 'int8' }), a: torch.ones([2, 2], { dtype: 'float64' }), c: torch.ones([5], { dtype: 'float16' }) });
    const { header, headerLength, data } = parseFile(path);
    assert.equal((8 + headerLength) % 8, 0, 'data starts 8-aligned');
    // every tensor starts aligned to its own size (largest items first), the data tiles exactly
    const spans = (Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, { data_offsets: [number, number] }][])
      .map(([k, v]) => [k, v.data_offsets] as const).sort((x, y) => x[1][0] - y[1][0]);
    let cursor = 0;
    for (const [name, [b, e]] of spans) {
      assert.equal(b, cursor, name);
      assert.equal(b % SIZE[{ a: 'float64', b: 'int8', c: 'float16' }[name] as DType], 0, `${name} aligned`);
      cursor = e;
    }
    assert.equal(cursor, data.length);
  });

  it('views, non-contiguous tensors and tensors requiring grad are saved by value', () => {
    const base = torch.arange(12, { dtype: 'float32' }).reshape(3, 4);
    const path = fresh();
    const w = torch.ones([2], { requiresGrad: true });
    torch.saveSafetensors(path, { t: base.t(), slice: base.select(1, 2), w });
    const loaded = torch.loadSafetensors(path);
    assert.deepEqual(loaded.t.toArray(), base.t().toArray());
    assert.deepEqual(loaded.slice.toArray(), [2, 6, 10]);
    assert.equal(loaded.w.requiresGrad, false);
    // loaded tensors own their memory
    torch.noGrad(() => loaded.slice.fill_(0));
    assert.deepEqual(torch.loadSafetensors(path).slice.toArray(), [2, 6, 10]);
  });
});

describe('atomic writes', () => {
  const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes('.tmp-'));

  it('a successful save leaves no temporary file and replaces the old file', () => {
    const d = mkdtempSync(join(dir, 'ok-'));
    const path = join(d, 'model.safetensors');
    torch.saveSafetensors(path, { w: torch.ones([2]) });
    torch.saveSafetensors(path, { w: torch.zeros([3]) });
    assert.deepEqual(readdirSync(d), ['model.safetensors']);
    assert.deepEqual(torch.loadSafetensors(path).w.toArray(), [0, 0, 0]);
  });

  it('a write failing mid-file (disk full) leaves the old file intact and no temporary file', () => {
    const d = mkdtempSync(join(dir, 'enospc-'));
    const path = join(d, 'model.safetensors');
    torch.saveSafetensors(path, { w: torch.ones([4]) });
    const before = readFileSync(path);
    const original = fs.writeSync;
    let calls = 0;
    let sawTemporary = false;
    fs.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) {
        sawTemporary = leftovers(d).length === 1; // the partial file exists at this point
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return (original as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync;
    syncBuiltinESMExports();
    try {
      assert.throws(() => torch.saveSafetensors(path, { w: torch.zeros([1000]) }), (e: Error) => e.message.includes(path) && /ENOSPC/.test(e.message));
    } finally {
      fs.writeSync = original;
      syncBuiltinESMExports();
    }
    assert.ok(calls >= 2 && sawTemporary, 'the failure happened while the temporary file was being written');
    assert.deepEqual(leftovers(d), []);
    assert.ok(readFileSync(path).equals(before), 'old file unchanged');
    assert.deepEqual(torch.loadSafetensors(path).w.toArray(), [1, 1, 1, 1]);
  });

  it('a failure before writing (a disposed tensor) leaves the old file intact', () => {
    const d = mkdtempSync(join(dir, 'disposed-'));
    const path = join(d, 'model.safetensors');
    torch.saveSafetensors(path, { w: torch.ones([4]) });
    const before = readFileSync(path);
    const gone = torch.ones([2]);
    gone.dispose();
    assert.throws(() => torch.saveSafetensors(path, { w: torch.zeros([2]), gone }), /^TypeError: saveSafetensors: 'gone' was disposed/);
    assert.deepEqual(readdirSync(d), ['model.safetensors']);
    assert.ok(readFileSync(path).equals(before));
  });

  it('a failing rename (the target is a directory) removes the temporary file', () => {
    const d = mkdtempSync(join(dir, 'rename-'));
    const target = join(d, 'model.safetensors');
    mkdirSync(join(target, 'inside'), { recursive: true });
    assert.throws(() => torch.saveSafetensors(target, { w: torch.ones([2]) }), (e: Error) => e.message.startsWith(`safetensors: ${target}: cannot write`));
    assert.deepEqual(readdirSync(d), ['model.safetensors']);
    assert.ok(statSync(target).isDirectory());
  });

  it('a missing directory is an error naming the file', () => {
    const path = join(dir, 'no', 'such', 'dir', 'model.safetensors');
    assert.throws(() => torch.saveSafetensors(path, { w: torch.ones([2]) }), (e: Error) => e.message.startsWith(`safetensors: ${path}: cannot write`) && /ENOENT/.test(e.message));
  });
});

describe('corrupt files: each is an error naming the file', () => {
  /** Writes a file from a header object (or raw header text) and `dataBytes` of data. */
  function build(header: unknown, dataBytes: number | Uint8Array, options: { rawHeader?: Buffer; lengthOverride?: bigint } = {}): string {
    const json = options.rawHeader ?? Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(options.lengthOverride ?? BigInt(json.length));
    const data = typeof dataBytes === 'number' ? Buffer.alloc(dataBytes) : Buffer.from(dataBytes);
    const path = fresh('corrupt');
    writeFileSync(path, Buffer.concat([len, json, data]));
    return path;
  }
  const expectError = (path: string, pattern: RegExp) =>
    assert.throws(() => torch.loadSafetensors(path), (e: Error) => {
      assert.ok(e.message.startsWith(`safetensors: ${path}: `), `names the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('sanity: the helper builds valid files', () => {
    assert.deepEqual(torch.loadSafetensors(build(ok, 8)).a.toArray(), [0, 0]);
  });
  it('an empty file', () => {
    const path = fresh('corrupt');
    writeFileSync(path, Buffer.alloc(0));
    expectError(path, /file is 0 bytes, too short for a header/);
  });
  it('a zero-length header', () => expectError(build(null, 0, { rawHeader: Buffer.alloc(0) }), /header is not valid UTF-8 JSON/));
  it('a file shorter than the length prefix', () => {
    const path = fresh('corrupt');
    writeFileSync(path, Buffer.from([5, 0, 0]));
    expectError(path, /file is 3 bytes, too short for a header/);
  });
  it('a valid file truncated in the data', () => {
    const good = fresh();
    torch.saveSafetensors(good, { a: torch.ones([100]), b: torch.ones([10]) });
    const bytes = readFileSync(good);
    const path = fresh('corrupt');
    writeFileSync(path, bytes.subarray(0, bytes.length - 20));
    expectError(path, /lie past the end of the data .*truncated/);
  });
  it('a valid file truncated in the header', () => {
    const good = fresh();
    torch.saveSafetensors(good, { a: torch.ones([100]) });
    const path = fresh('corrupt');
    writeFileSync(path, readFileSync(good).subarray(0, 30));
    expectError(path, /header claims \d+ bytes but the file has 22 after the length \(truncated\?\)/);
  });
  it('a header length past the end of the file', () => expectError(build(ok, 8, { lengthOverride: 10_000n }), /header claims 10000 bytes/));
  it('an absurd header length (2^63)', () => expectError(build(ok, 8, { lengthOverride: 2n ** 63n }), /header length \d+ exceeds 100000000/));
  it('invalid JSON', () => expectError(build(null, 8, { rawHeader: Buffer.from('{"a": {"dtype": "F32",') }), /header is not valid UTF-8 JSON/));
  it('invalid UTF-8 in the header', () => expectError(build(null, 0, { rawHeader: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }), /header is not valid UTF-8 JSON/));
  it('a header that is not an object', () => expectError(build([1, 2], 0), /header is not a JSON object/));
  it('an unknown dtype', () => expectError(build({ a: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, 2), /tensor 'a': unsupported dtype "F8_E4M3"/));
  it('a missing dtype', () => expectError(build({ a: { shape: [2], data_offsets: [0, 8] } }, 8), /tensor 'a': unsupported dtype undefined/));
  it('a negative or fractional dimension', () => {
    expectError(build({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /tensor 'a': shape must be a list of non-negative integers/);
    expectError(build({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, 8), /tensor 'a': shape must be a list of non-negative integers/);
    expectError(build({ a: { dtype: 'F32', shape: '2', data_offsets: [0, 8] } }, 8), /tensor 'a': shape must be a list/);
  });
  it('malformed data_offsets', () => {
    expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8), /tensor 'a': data_offsets must be \[begin, end\] with begin <= end/);
    expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, 8), /tensor 'a': data_offsets must be/);
    expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, 8), /tensor 'a': data_offsets must be/);
  });
  it('offsets out of bounds', () => expectError(build({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /tensor 'a': bytes 0\.\.16 lie past the end of the data \(8 bytes/));
  it('overlapping tensors', () =>
    expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /tensor 'b' starts at byte 4, expected 8 \(overlapping or missing data\)/));
  it('the same bytes claimed twice', () =>
    expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, 8), /starts at byte 0, expected 8/));
  it('a hole between tensors', () =>
    expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }, 20), /tensor 'b' starts at byte 12, expected 8/));
  it('a hole before the first tensor', () => expectError(build({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /tensor 'a' starts at byte 4, expected 0/));
  it('bytes after the last tensor', () => expectError(build(ok, 12), /4 bytes after the last tensor/));
  it('a byte count that does not fit the shape', () => {
    expectError(build({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /tensor 'a': 8 bytes for shape \[3\] float32, which needs 12/);
    expectError(build({ a: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 16] } }, 16), /tensor 'a': 16 bytes for shape \[2,2\] bfloat16, which needs 8/);
  });
  it('metadata that is not strings', () => {
    expectError(build({ __metadata__: { n: 1 }, ...ok }, 8), /__metadata__ must map strings to strings/);
    expectError(build({ __metadata__: ['a'], ...ok }, 8), /__metadata__ must map strings to strings/);
  });
  it('a directory instead of a file', () => expectError(mkdtempSync(join(dir, 'isdir-')), /cannot read: EISDIR/));
});

// ---------------------------------------------------------------- a file written by Python
const reference = fileURLToPath(new URL('../../../shared/checkpoints/reference-bert/', import.meta.url));
const haveShared = existsSync(join(reference, 'model.safetensors'));
const skipShared = haveShared ? false : `../shared is missing (looked for ${reference}model.safetensors)`;

describe('a safetensors file written by Python (reference-bert)', () => {
  it('names, dtypes and shapes match its header; values match the bytes', { skip: skipShared }, () => {
    const path = join(reference, 'model.safetensors');
    const { header, data } = parseFile(path);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const loaded = torch.loadSafetensors(path);
    assert.deepEqual(Object.keys(loaded).sort(), names.sort());
    assert.ok(names.includes('encoder.layer.1.attention.self.query.weight'));
    for (const name of names) {
      const entry = header[name];
      assert.equal(FORMAT[loaded[name].dtype], entry.dtype, name);
      assert.deepEqual(loaded[name].shape, entry.shape, name);
      const [b, e] = entry.data_offsets;
      assert.equal(entry.dtype, 'F32');
      const expected = new Float32Array(data.buffer.slice(data.byteOffset + b, data.byteOffset + e));
      assert.deepEqual(loaded[name].data(), expected, `${name} values`);
    }
    assert.deepEqual(readSafetensorsHeader(path).tensors['pooler.dense.weight'].shape, [8, 8]);
  });

  it('the loaded weights reproduce the hidden states and pooler output of Python transformers (float64)', { skip: skipShared }, () => {
    const config = JSON.parse(readFileSync(join(reference, 'config.json'), 'utf8')) as { hidden_size: number; num_hidden_layers: number; num_attention_heads: number; layer_norm_eps: number };
    const expected = JSON.parse(readFileSync(join(reference, 'expected.json'), 'utf8')) as { sequences: number[][]; token_types: number[][]; hidden: number[][][]; pooler: number[][] };
    const w: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(torch.loadSafetensors(join(reference, 'model.safetensors')))) w[k] = v.to('float64');
    const H = config.hidden_size, heads = config.num_attention_heads, d = H / heads, eps = config.layer_norm_eps;
    const ids = torch.tensor(expected.sequences);
    const types = torch.tensor(expected.token_types);
    const [B, L] = ids.shape;
    const ln = (x: Tensor, p: string) => F.layerNorm(x, [H], w[`${p}.weight`], w[`${p}.bias`], eps);
    const dense = (x: Tensor, p: string) => F.linear(x, w[`${p}.weight`], w[`${p}.bias`]);
    let h = F.embedding(ids, w['embeddings.word_embeddings.weight'])
      .add(F.embedding(torch.arange(L), w['embeddings.position_embeddings.weight']))
      .add(F.embedding(types, w['embeddings.token_type_embeddings.weight']));
    h = ln(h, 'embeddings.LayerNorm');
    for (let i = 0; i < config.num_hidden_layers; i++) {
      const p = `encoder.layer.${i}`;
      const split = (x: Tensor) => x.view(B, L, heads, d).permute(0, 2, 1, 3);
      const [ctx] = F.scaledDotProductAttention(split(dense(h, `${p}.attention.self.query`)), split(dense(h, `${p}.attention.self.key`)), split(dense(h, `${p}.attention.self.value`)));
      const attn = ln(dense(ctx.permute(0, 2, 1, 3).reshape(B, L, H), `${p}.attention.output.dense`).add(h), `${p}.attention.output.LayerNorm`);
      h = ln(dense(F.gelu(dense(attn, `${p}.intermediate.dense`)), `${p}.output.dense`).add(attn), `${p}.output.LayerNorm`);
    }
    const pooled = dense(h.select(1, 0), 'pooler.dense').tanh();
    const maxDiff = (a: Tensor, b: number[][] | number[][][]) => a.sub(torch.tensor(b, { dtype: 'float64' })).abs().max().item();
    assert.ok(maxDiff(h, expected.hidden) < 1e-6, `hidden states differ by ${maxDiff(h, expected.hidden)}`);
    assert.ok(maxDiff(pooled, expected.pooler) < 1e-6, `pooler output differs by ${maxDiff(pooled, expected.pooler)}`);
  });
});
