// The Tensor API itself: creation and dtype inference, conversion to JavaScript, shapes,
// views sharing memory, and the PyTorch-shaped argument conventions.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { torch } from '../../src/index.js';

test('torch.tensor infers int64 for integral numbers, float32 otherwise, bool for booleans', () => {
  assert.equal(torch.tensor([1, 2, 3]).dtype, 'int64');
  assert.equal(torch.tensor([0.5, 1]).dtype, 'float32');
  assert.equal(torch.tensor([[true, false]]).dtype, 'bool');
  assert.equal(torch.tensor(3).dtype, 'int64');
  assert.deepEqual(torch.tensor(3).shape, []);
  assert.deepEqual(torch.tensor([[1, 2, 3], [4, 5, 6]]).shape, [2, 3]);
  assert.deepEqual(torch.tensor([]).shape, [0]);
  assert.equal(torch.tensor([]).dtype, 'float32');
});

test('torch.tensor honours dtype, including half precision and integer truncation', () => {
  assert.deepEqual(torch.tensor([1.5, -2.5], { dtype: 'int32' }).toArray(), [1, -2]);
  assert.deepEqual(torch.tensor([1, 2], { dtype: 'float64' }).toArray(), [1, 2]);
  const h = torch.tensor([0.1, 65504], { dtype: 'float16' });
  assert.equal(h.dtype, 'float16');
  // 0.1 is not representable in float16; the nearest value is 0.0999755859375.
  assert.deepEqual(h.toArray(), [0.0999755859375, 65504]);
  const b = torch.tensor([1.00390625, 3], { dtype: 'bfloat16' });
  assert.equal(b.dtype, 'bfloat16');
  assert.deepEqual(b.toArray(), [1, 3]); // bfloat16 keeps 8 bits of mantissa: 1 + 2^-8 rounds to 1
});

test('TypedArrays give their own dtype and an optional shape', () => {
  const t = torch.tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
  assert.equal(t.dtype, 'float64');
  assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(torch.tensor(new BigInt64Array([1n, 2n])).dtype, 'int64');
  assert.equal(torch.tensor(new Uint8Array([1, 2])).dtype, 'uint8');
  assert.throws(() => torch.tensor(new Float32Array(5), { shape: [2, 3] }), /buffer holds 20 bytes but shape and dtype float32 need 24/);
});

test('data() is a zero-copy view of contiguous CPU memory that outlives dispose()', () => {
  const t = torch.zeros([4]);
  const view = t.data() as Float32Array;
  t.add_(2);
  assert.deepEqual([...view], [2, 2, 2, 2]);
  t.dispose();
  assert.deepEqual([...view], [2, 2, 2, 2]);
  assert.ok(torch.tensor([1, 2]).data() instanceof BigInt64Array);
  assert.ok(torch.tensor([true]).data() instanceof Uint8Array);
});

test('item() and toArray() give plain numbers and booleans', () => {
  assert.equal(torch.tensor([[7]]).item(), 7);
  assert.equal(torch.tensor(true).item(), 1);
  assert.deepEqual(torch.tensor([[true, false]]).toArray(), [[true, false]]);
  assert.equal(torch.tensor(2.5).item(), 2.5);
});

test('factories take PyTorch-style sizes: varargs, an array, and trailing options', () => {
  assert.deepEqual(torch.zeros(2, 3).shape, [2, 3]);
  assert.deepEqual(torch.ones([4]).shape, [4]);
  const r = torch.randn(2, 2, { dtype: 'float64', requiresGrad: true });
  assert.equal(r.dtype, 'float64');
  assert.equal(r.requiresGrad, true);
  assert.deepEqual(torch.full([2], 7).toArray(), [7, 7]);
  assert.deepEqual(torch.arange(4).toArray(), [0, 1, 2, 3]);
  assert.equal(torch.arange(4).dtype, 'int64');
  assert.deepEqual(torch.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(torch.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(torch.eye(2).toArray(), [[1, 0], [0, 1]]);
  assert.deepEqual(torch.eye(2, null).toArray(), [[1, 0], [0, 1]], 'eye(n, None) is square, as in torch');
  // An absurd size names the op, the shape and the dtype, not only the bytes.
  assert.throws(() => torch.zeros([1e6, 1e6]), /^Error: zeros\(\[1000000, 1000000\]\): CPU out of memory: cannot allocate \d+ bytes/);
  assert.throws(() => torch.full([2 ** 40], 1, { dtype: 'int8' }), /^Error: full\(\[1099511627776\], int8\): CPU out of memory/);
  const ints = torch.randint(3, 7, [1000]);
  assert.equal(ints.dtype, 'int64');
  assert.ok(ints.min().item() >= 3 && ints.max().item() < 7);
  assert.deepEqual(torch.randperm(5).sort().values.toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(torch.zerosLike(r).shape, [2, 2]);
  assert.equal(torch.onesLike(r).dtype, 'float64');
});

test('views share memory and reshape-like methods accept varargs or an array', () => {
  const x = torch.arange(6);
  const v = x.view(2, 3);
  assert.ok(v.sharesStorageWith(x));
  v.select(0, 1).fill_(0);
  assert.deepEqual(x.toArray(), [0, 1, 2, 0, 0, 0]);
  assert.deepEqual(x.reshape([3, 2]).shape, [3, 2]);
  assert.deepEqual(torch.zeros(2, 3, 4).permute(2, 0, 1).shape, [4, 2, 3]);
  assert.deepEqual(torch.zeros(2, 1).expand(2, 5).shape, [2, 5]);
  assert.equal(x.size(-1), 6);
  assert.deepEqual(x.size(), [6]);
  assert.equal(torch.zeros(2, 3).t().isContiguous(), false);
});

test('multi-output ops: max/min by dim, sort, topk, split, chunk', () => {
  const x = torch.tensor([[1, 5, 3], [4, 2, 6]]);
  const [values, indices] = x.max(1);
  assert.deepEqual(values.toArray(), [5, 6]);
  assert.deepEqual(indices.toArray(), [1, 2]);
  assert.deepEqual(x.min(0).values.toArray(), [1, 2, 3]);
  assert.equal(x.max().item(), 6);
  assert.deepEqual(x.max(torch.full([2, 3], 4)).toArray(), [[4, 5, 4], [4, 4, 6]]);
  assert.deepEqual(x.sort(1, true).values.toArray(), [[5, 3, 1], [6, 4, 2]]);
  assert.deepEqual(x.topk(2).indices.toArray(), [[1, 2], [2, 0]]);
  assert.deepEqual(torch.arange(5).split(2).map((t) => t.toArray()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(torch.arange(5).split([1, 4]).map((t) => t.shape[0]), [1, 4]);
  assert.equal(torch.arange(6).chunk(3).length, 3);
});

test('numbers act as Python scalars in type promotion', () => {
  const i = torch.tensor([1, 2]);
  assert.equal(i.mul(2).dtype, 'int64');
  assert.equal(i.mul(0.5).dtype, 'float32');
  assert.equal(i.div(2).dtype, 'float32'); // true division, as in PyTorch
  assert.deepEqual(i.div(2, 'floor').toArray(), [0, 1]);
  assert.equal(torch.ones([2], { dtype: 'float16' }).mul(3).dtype, 'float16');
  assert.equal(i.gt(1).dtype, 'bool');
});

test('to() converts dtype and device, and returns the same data for a no-op', () => {
  const x = torch.tensor([1.5, 2.5]);
  assert.equal(x.to('float64').dtype, 'float64');
  assert.equal(x.to('cpu').device, 'cpu');
  assert.equal(x.long().dtype, 'int64');
  assert.deepEqual(x.to(torch.zeros([1], { dtype: 'int32' })).toArray(), [1, 2]);
  assert.ok(x.to('float32').sharesStorageWith(x));
  assert.ok(!x.to('float32', { copy: true }).sharesStorageWith(x));
  assert.throws(() => x.to('float128' as never), /to: expected a dtype, a device/);
});

test('manualSeed makes random draws repeatable', () => {
  torch.manualSeed(123);
  const a = torch.randn([5]).toArray();
  torch.manualSeed(123);
  assert.deepEqual(torch.randn([5]).toArray(), a);
  const state = torch.getRngState();
  const b = torch.rand([3]).toArray();
  torch.setRngState(state);
  assert.deepEqual(torch.rand([3]).toArray(), b);
});

test('the number of threads can be set and read back', () => {
  const before = torch.getNumThreads();
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(before);
  assert.throws(() => torch.setNumThreads(0), /setNumThreads: argument 0/);
  // Not wrapped into a small count, not truncated, not coerced.
  for (const bad of [2 ** 32 + 2, 2 ** 31, 1.5, NaN, -1, Infinity, '2' as unknown as number]) {
    assert.throws(() => torch.setNumThreads(bad), /setNumThreads: argument 0: the number of threads must be an integer from 1 to 2147483647/, String(bad));
  }
  assert.equal(torch.getNumThreads(), before);
});

test('the caching allocator reuses freed blocks instead of growing', () => {
  const stats0 = torch.memoryStats();
  for (let i = 0; i < 20; i++) torch.tidy(() => { torch.zeros([1024, 1024]).add(1); });
  const stats1 = torch.memoryStats();
  assert.equal(stats1.inUseBytes, stats0.inUseBytes, 'every block freed');
  assert.ok(stats1.cachedBytes <= stats0.cachedBytes + 2 * 4 * 1024 * 1024, 'at most the two 4 MiB blocks of one iteration are cached');
  torch.emptyCache();
  assert.equal(torch.memoryStats().cachedBytes, 0);
});

test('frombuffer shares memory with the buffer, as torch.frombuffer does', () => {
  const buffer = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = torch.frombuffer(buffer, { dtype: 'float32', shape: [2, 3] });
  t.mul_(10);
  assert.deepEqual([...buffer], [10, 20, 30, 40, 50, 60]);
  buffer[0] = -1;
  assert.equal((t.toArray() as number[][])[0][0], -1);
  // A view of a Buffer at an offset that is not a multiple of 4 cannot be shared: it is copied.
  const bytes = Buffer.alloc(9);
  const odd = torch.frombuffer(bytes.subarray(1), { dtype: 'float32' });
  odd.fill_(1);
  assert.deepEqual([...bytes], [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => torch.frombuffer(new Uint8Array(6), { dtype: 'float32' }), /frombuffer: the buffer's 6 bytes are not a multiple of the 4-byte float32 elements/);
  assert.throws(() => torch.frombuffer(new Uint8Array(6), { dtype: 'float32', shape: [1] }), /fromBufferShared: buffer holds 6 bytes but shape and dtype float32 need 4/);
});

test('a tensor made by frombuffer keeps its buffer alive after the buffer is dropped', () => {
  let t = torch.frombuffer(new Float64Array(1 << 16).fill(3), { dtype: 'float64' });
  (globalThis as { gc?: () => void }).gc?.();
  assert.equal(t.sum().item(), 3 * (1 << 16));
  t = t.clone();
});
