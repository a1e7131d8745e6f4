// Hostile checkpoints: a few hundred bytes that once cost minutes, gigabytes or the process.
// Each runs in a child process under a time and memory bound (test/helpers/bounded-child.ts)
// and must end in a clear error naming the file, or load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';

import { runBounded, type BoundedCase, type CaseResult } from '../helpers/bounded-child.js';
import { binget, binput, global, int, legacyCheckpoint, legacyTensor, OP, pickle, str, zipArchive } from '../helpers/pickle-bytes.js';

const repeat = (n: number, part: number | readonly number[]): Buffer => Buffer.alloc(n * (typeof part === 'number' ? 1 : part.length), Buffer.from(typeof part === 'number' ? [part] : part));

/** `{key: None}` as the legacy checkpoint's object pickle. */
const dictWithKey = (key: Buffer): Buffer => legacyCheckpoint(pickle(OP.PROTO2, OP.EMPTY_DICT, key, OP.NONE, OP.SETITEM, OP.STOP));

// A tuple DAG: each level is (x, x) of the level below, through DUP or a memo reference.
const laughsDup = repeat(44, [OP.DUP, OP.TUPLE2]);
const laughsMemo = Buffer.concat(Array.from({ length: 44 }, () => pickle(binput(0), binget(0), OP.TUPLE2)));

const cases: BoundedCase[] = [
  { name: 'billion laughs (DUP) as a dict key', target: 'torch-load', files: { 'pytorch_model.bin': dictWithKey(pickle(int(7), laughsDup)) } },
  { name: 'billion laughs (memo) as a dict key', target: 'torch-load', files: { 'pytorch_model.bin': dictWithKey(pickle(int(7), laughsMemo)) } },
  { name: 'a 200k-deep nested list as a dict key', target: 'torch-load', files: { 'pytorch_model.bin': dictWithKey(pickle(repeat(200_000, OP.MARK), repeat(200_000, OP.LIST))) } },
  // The legacy header's protocol version as a 200k-deep list, and a deep list as a persistent id.
  { name: 'a 200k-deep list as the legacy protocol version', target: 'torch-load', files: {
    'pytorch_model.bin': Buffer.concat([pickle(OP.PROTO2, 0x8a, 10, Buffer.from('6cfc9c46f9206aa85019', 'hex'), OP.STOP), pickle(OP.PROTO2, repeat(200_000, OP.MARK), repeat(200_000, OP.LIST), OP.STOP)]),
  } },
  { name: 'a 200k-deep list as a persistent id', target: 'torch-load', files: {
    'pytorch_model.bin': legacyCheckpoint(pickle(OP.PROTO2, OP.EMPTY_DICT, str('w'), repeat(200_000, OP.MARK), repeat(200_000, OP.LIST), OP.BINPERSID, OP.SETITEM, OP.STOP)),
  } },
  { name: 'a stride-0 tensor of 2^25 elements over a 1-element storage', target: 'torch-load', files: {
    'pytorch_model.bin': legacyCheckpoint(pickle(OP.PROTO2, OP.EMPTY_DICT, str('w'), legacyTensor(1, 0, [2 ** 25], [0]), OP.SETITEM, OP.STOP), [['0', new Float32Array(1)]]),
  } },
  { name: 'a deflate bomb in a storage entry', target: 'torch-load', files: {
    'pytorch_model.bin': zipArchive([
      { name: 'archive/data.pkl', data: pickle(OP.PROTO2, OP.EMPTY_DICT, str('w'), global('torch._utils', '_rebuild_tensor_v2'), OP.MARK,
        OP.MARK, str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), int(4), OP.TUPLE, OP.BINPERSID,
        int(0), OP.MARK, int(4), OP.TUPLE, OP.MARK, int(1), OP.TUPLE, OP.FALSE, OP.TUPLE, OP.REDUCE, OP.SETITEM, OP.STOP) },
      { name: 'archive/data/0', data: Buffer.alloc(256 * 2 ** 20), deflate: true },
    ], (b) => deflateRawSync(b, { level: 1 })),
  } },
  { name: 'a text INT of a million digits', target: 'pickle', files: { 'data.pkl': pickle(0x49, Buffer.alloc(1_000_000, '7'), 0x0a, OP.STOP) } },
  { name: 'a LONG4 of 4 MB', target: 'pickle', files: { 'data.pkl': pickle(0x8b, [0, 0, 0x40, 0], Buffer.alloc(4 * 2 ** 20, 1), OP.STOP) } },
  { name: '2M items in one APPENDS', target: 'pickle', files: { 'data.pkl': pickle(OP.EMPTY_LIST, OP.MARK, repeat(2_000_000, [0x4b, 1]), OP.APPENDS, OP.STOP) } },
];

const results = new Map<string, CaseResult>();
test.before(async () => {
  for (const r of await runBounded(cases, { timeoutMs: 10_000, rssGrowthMb: 320 })) results.set(r.name, r);
});

const clearError = (name: string, pattern: RegExp): void => {
  const r = results.get(name)!;
  assert.equal(r.outcome, 'error', `${name}: ${r.outcome} ${r.message}`);
  assert.match(r.message, pattern, name);
  assert.ok(r.ms < 3000, `${name}: took ${r.ms} ms`);
};

test('a tuple DAG used as a dict key fails fast instead of spelling out 2^44 leaves', () => {
  clearError('billion laughs (DUP) as a dict key', /pytorch_model\.bin: corrupt pickle at byte \d+: a dict key is a tuple of more than 4096 values/);
  clearError('billion laughs (memo) as a dict key', /pytorch_model\.bin: .*a dict key is a tuple of more than 4096 values/);
});

test('a deeply nested key is refused with a message, not a stack overflow', () => {
  clearError('a 200k-deep nested list as a dict key', /pytorch_model\.bin: .*a dict key nests tuples deeper than 64 levels/);
});

test('deep values in error messages are previewed, not stringified whole', () => {
  clearError('a 200k-deep list as the legacy protocol version', /pytorch_model\.bin: unsupported legacy protocol version \(\(\(\(…\)\)\)\)/);
  clearError('a 200k-deep list as a persistent id', /pytorch_model\.bin: unexpected persistent id \(\(\(\(…\)\)\)\)/);
});

test('a zero-stride view that would copy out to gigabytes is refused before allocating', () => {
  clearError('a stride-0 tensor of 2^25 elements over a 1-element storage', /pytorch_model\.bin: tensor 'w' has 33554432 elements but views only 1 of storage '0'.*contiguous/);
});

test('a storage entry whose declared size differs from the pickle is refused before it is inflated', () => {
  clearError('a deflate bomb in a storage entry', /pytorch_model\.bin: tensor 'w': storage archive\/data\/0 has 268435456 bytes, the pickle says 16/);
});

test('huge integers are bounded (Python\'s digit limit) or converted in linear time', () => {
  clearError('a text INT of a million digits', /data\.pkl: corrupt pickle at byte \d+: INT has 1000000 digits, more than Python's limit of 4300/);
  const long = results.get('a LONG4 of 4 MB')!;
  assert.equal(long.outcome, 'ok', long.message);
});

test('an APPENDS of 2M items reads (no spread of 2M arguments)', () => {
  const r = results.get('2M items in one APPENDS')!;
  assert.equal(r.outcome, 'ok', `${r.outcome}: ${r.message}`);
});
