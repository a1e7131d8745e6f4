// Autograd: every differentiable op of the public API passes torch.autograd.gradcheck
// (float64, central finite differences against the analytical vector-Jacobian product), and
// the autograd machinery (backward, retainGraph, accumulation, grad modes, detach, leaves,
// autograd.grad) behaves as PyTorch's. gradcheck itself is shown to fail on wrong gradients.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const F = nn.functional;
const { gradcheck } = torch.autograd;

torch.manualSeed(1234);

/** A float64 leaf requiring grad, N(0, 1). */
const r = (...shape: number[]): Tensor => torch.randn(shape, { dtype: 'float64', requiresGrad: true });
/** A float64 leaf requiring grad, uniform in [lo, hi). */
const u = (lo: number, hi: number, ...shape: number[]): Tensor =>
  torch.noGrad(() => torch.rand(shape, { dtype: 'float64' }).mul(hi - lo).add(lo)).requiresGrad_();
/** A float64 leaf requiring grad whose values are at least `gap` away from 0 (for kinks at 0). */
const away = (gap: number, ...shape: number[]): Tensor =>
  torch.noGrad(() => {
    const x = torch.randn(shape, { dtype: 'float64' });
    return x.sign().mul(x.abs().add(gap));
  }).requiresGrad_();
const long = (data: number[] | number[][] | number[][][]): Tensor => torch.tensor(data, { dtype: 'int64' });
const bool = (data: boolean[] | boolean[][]): Tensor => torch.tensor(data, { dtype: 'bool' });

/** gradcheck must pass, and report a finite worst error. */
function check(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options?: { atol?: number; rtol?: number; eps?: number }): void {
  const worst = gradcheck(fn, inputs, options);
  assert.ok(Number.isFinite(worst), `gradcheck returned ${worst}`);
}

/** Every gradient reaches a differentiable input: no input requiring grad is silently unused. */
function allUsed(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const diff = inputs.filter((t) => t.requiresGrad);
  const grads = torch.autograd.grad(fn(...inputs).sum(), diff, { allowUnused: true });
  grads.forEach((g, i) => assert.notEqual(g, null, `input ${i} received no gradient`));
}

function checkAll(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options?: { atol?: number; rtol?: number; eps?: number }): void {
  allUsed(fn, inputs);
  check(fn, inputs, options);
}

describe('gradcheck: unary pointwise ops', () => {
  const cases: [string, (x: Tensor) => Tensor, () => Tensor][] = [
    ['neg', (x) => x.neg(), () => r(3, 4)],
    ['abs', (x) => x.abs(), () => away(0.1, 3, 4)],
    ['exp', (x) => x.exp(), () => r(3, 4)],
    ['log', (x) => x.log(), () => u(0.5, 2, 3, 4)],
    ['log2', (x) => x.log2(), () => u(0.5, 2, 3, 4)],
    ['log1p', (x) => x.log1p(), () => u(-0.5, 2, 3, 4)],
    ['expm1', (x) => x.expm1(), () => r(3, 4)],
    ['sqrt', (x) => x.sqrt(), () => u(0.5, 2, 3, 4)],
    ['rsqrt', (x) => x.rsqrt(), () => u(0.5, 2, 3, 4)],
    ['tanh', (x) => x.tanh(), () => r(3, 4)],
    ['sigmoid', (x) => x.sigmoid(), () => r(3, 4)],
    ['relu', (x) => x.relu(), () => away(0.1, 3, 4)],
    ['erf', (x) => x.erf(), () => r(3, 4)],
    ['erfinv', (x) => x.erfinv(), () => u(-0.8, 0.8, 3, 4)],
    ['sin', (x) => x.sin(), () => r(3, 4)],
    ['cos', (x) => x.cos(), () => r(3, 4)],
    ['reciprocal', (x) => x.reciprocal(), () => away(0.5, 3, 4)],
    ['square', (x) => x.square(), () => r(3, 4)],
    ['silu', (x) => x.silu(), () => r(3, 4)],
    ['gelu (exact)', (x) => x.gelu(), () => r(3, 4)],
    ["gelu ('tanh')", (x) => x.gelu('tanh'), () => r(3, 4)],
    ["F.gelu ('none')", (x) => F.gelu(x, 'none'), () => r(3, 4)],
    ["F.gelu ('tanh')", (x) => F.gelu(x, 'tanh'), () => r(3, 4)],
    ['softplus', (x) => x.softplus(), () => r(3, 4)],
    ['softplus (beta, threshold)', (x) => x.softplus(2, 1), () => away(0.1, 3, 4)],
    ['leakyRelu', (x) => x.leakyRelu(0.2), () => away(0.1, 3, 4)],
    ['F.relu / F.tanh / F.sigmoid / F.silu', (x) => F.relu(x).add(F.tanh(x)).add(F.sigmoid(x)).add(F.silu(x)), () => away(0.1, 3, 4)],
    // piecewise-constant ops: the gradient is zero, and finite differences agree away from the jumps
    ['floor, ceil, round, trunc, sign (zero gradient)', (x) => x.floor().add(x.ceil()).add(x.round()).add(x.trunc()).add(x.sign()).add(x), () => torch.tensor([[0.2, 1.3, -2.7], [3.1, -0.4, 0.8]], { dtype: 'float64', requiresGrad: true })],
    ['clone, contiguous, to(float64)', (x) => x.clone().mul(x.contiguous()).add(x.to('float64')), () => r(3, 4)],
    ['torch.* function forms', (x) => torch.exp(x).add(torch.tanh(x)).add(torch.sigmoid(x)).add(torch.sin(x)).add(torch.cos(x)).add(torch.square(x)).add(torch.neg(x)).add(torch.erf(x)), () => r(3, 4)],
    ['in-place ops on a non-leaf', (x) => x.mul(1).sin_().mul_(2).add_(1).neg_().exp_(), () => r(3, 4)],
  ];
  for (const [name, fn, make] of cases) it(name, () => checkAll(fn, [make()]));
});

describe('gradcheck: clamp', () => {
  // values in [-2, 2] drawn so that none lies within 0.05 of a bound
  const x = () => torch.tensor([[-1.7, -0.9, -0.3, 0.2], [0.7, 1.1, 1.6, -1.2]], { dtype: 'float64', requiresGrad: true });
  it('clamp(min, max)', () => check((t) => t.clamp(-1, 1), [x()]));
  it('clamp(min)', () => check((t) => t.clamp(0), [x()]));
  it('clamp(null, max)', () => check((t) => t.clamp(null, 0.5), [x()]));
  it('torch.clamp and in-place clamp_ on a non-leaf', () => check((t) => torch.clamp(t, -0.5, 0.5).add(t.mul(2).clamp_(-1, 1)), [x()]));
  it('clamp passes gradient only inside the range', () => {
    const t = x();
    t.clamp(-1, 1).sum().backward();
    assert.deepEqual(t.grad!.toArray(), [[0, 1, 1, 1], [1, 0, 0, 0]]);
  });
});

describe('gradcheck: binary ops with broadcasting (both operands)', () => {
  const shapes: [string, number[], number[]][] = [
    ['same shape', [3, 4], [3, 4]],
    ['row broadcast', [3, 4], [4]],
    ['column broadcast', [3, 1], [1, 4]],
    ['batch broadcast', [2, 1, 4], [3, 1]],
    ['0-dim operand', [3, 4], []],
  ];
  for (const [label, a, b] of shapes) {
    it(`add (alpha) — ${label}`, () => checkAll((x, y) => x.add(y, 0.5), [r(...a), r(...b)]));
    it(`sub (alpha) — ${label}`, () => checkAll((x, y) => x.sub(y, 2), [r(...a), r(...b)]));
    it(`mul — ${label}`, () => checkAll((x, y) => x.mul(y), [r(...a), r(...b)]));
    it(`div — ${label}`, () => checkAll((x, y) => x.div(y), [r(...a), away(0.5, ...b)]));
    it(`maximum / minimum — ${label}`, () => checkAll((x, y) => x.maximum(y).add(x.minimum(y).mul(2)), [r(...a), r(...b)]));
    it(`pow(tensor, tensor) — ${label}`, () => checkAll((x, y) => x.pow(y), [u(0.5, 2, ...a), r(...b)]));
  }
  it('scalar operands (numbers as Python scalars)', () => check((x) => x.add(2).sub(0.5).mul(3).div(4), [r(3, 4)]));
  it('max(other) and min(other)', () => checkAll((x, y) => x.max(y).add(x.min(y)), [r(3, 4), r(4)]));
  it('remainder and fmod (gradient 1 for self, -floor/trunc(a/b) for other)', () => {
    const a = torch.tensor([[2.3, -3.7, 5.2], [7.9, -1.1, 4.4]], { dtype: 'float64', requiresGrad: true });
    const b = torch.tensor([1.5, 2.1, -1.7], { dtype: 'float64', requiresGrad: true });
    checkAll((x, y) => x.remainder(y).add(x.fmod(y)), [a, b]);
  });
  it('lerp (tensor weight)', () => checkAll((s, e, w) => s.lerp(e, w), [r(3, 4), r(3, 4), u(0, 1, 4)]));
  it('lerp (number weight)', () => checkAll((s, e) => s.lerp(e, 0.3), [r(3, 4), r(3, 4)]));
  it('lerp with a number weight also works in float32', () => {
    const out = torch.tensor([0, 10], { dtype: 'float32' }).lerp(torch.tensor([10, 20], { dtype: 'float32' }), 0.5);
    assert.deepEqual(out.toArray(), [5, 15]);
  });
  it('addcmul', () => checkAll((s, a, b) => s.addcmul(a, b, 0.7), [r(3, 4), r(3, 1), r(4)]));
  it('addcdiv', () => checkAll((s, a, b) => s.addcdiv(a, b, 0.7), [r(3, 4), r(3, 4), away(0.5, 4)]));
  it('torch.add/sub/mul/div/pow/maximum function forms', () =>
    checkAll((x, y) => torch.add(x, y).add(torch.sub(x, y)).add(torch.mul(x, y)).add(torch.div(x, y.abs().add(1))).add(torch.maximum(x, y)), [r(3, 4), r(4)]));
});

describe('gradcheck: pow', () => {
  it('x ** 2', () => check((x) => x.pow(2), [r(3, 4)]));
  it('x ** 3', () => check((x) => x.pow(3), [r(3, 4)]));
  it('x ** 0.5', () => check((x) => x.pow(0.5), [u(0.5, 2, 3, 4)]));
  it('x ** -1.5', () => check((x) => x.pow(-1.5), [u(0.5, 2, 3, 4)]));
  it('x ** 0 has zero gradient', () => check((x) => x.pow(0), [r(3)]));
  it('torch.pow with a 0-dim tensor exponent (both gradients)', () => checkAll((x, e) => torch.pow(x, e), [u(0.5, 2, 3, 4), r()]));
  it('in-place pow_ on a non-leaf', () => check((x) => x.mul(1).pow_(3), [r(3, 4)]));
});

describe('gradcheck: where and maskedFill', () => {
  const mask = bool([[true, false, true, false], [false, false, true, true], [true, true, false, false]]);
  it('where(cond, a, b) — gradient to both sides', () => checkAll((a, b) => a.where(mask, b), [r(3, 4), r(3, 4)]));
  it('torch.where with broadcasting operands', () => checkAll((a, b) => torch.where(mask, a, b), [r(3, 1), r(4)]));
  it('torch.where with a number operand', () => check((a) => torch.where(mask, a, 0.5), [r(3, 4)]));
  it('maskedFill (number)', () => check((a) => a.maskedFill(mask, -3), [r(3, 4)]));
  it('maskedFill with a broadcast mask', () => check((a) => a.maskedFill(bool([true, false, false, true]), 2), [r(3, 4)]));
  it('maskedFill with a 0-dim tensor value (gradient to the value)', () => checkAll((a, v) => a.maskedFill(mask, v), [r(3, 4), r()]));
  it('torch.maskedFill and maskedFill_ on a non-leaf', () => check((a) => torch.maskedFill(a, mask, 1).add(a.mul(2).maskedFill_(mask, 0)), [r(3, 4)]));
});

describe('gradcheck: reductions', () => {
  it('sum()', () => check((x) => x.sum(), [r(3, 4)]));
  it('sum(dim)', () => check((x) => x.sum(1), [r(3, 4)]));
  it('sum(dims, keepdim)', () => check((x) => x.sum([0, 2], true), [r(2, 3, 4)]));
  it('sum(negative dim)', () => check((x) => x.sum(-1), [r(2, 3, 4)]));
  it('mean()', () => check((x) => x.mean(), [r(3, 4)]));
  it('mean(dim, keepdim)', () => check((x) => x.mean(0, true), [r(3, 4)]));
  it('mean(dims)', () => check((x) => x.mean([1, 2]), [r(2, 3, 4)]));
  it('prod()', () => check((x) => x.prod(), [away(0.3, 2, 3)]));
  it('prod(dim)', () => check((x) => x.prod(1), [away(0.3, 3, 4)]));
  it('max() and min()', () => check((x) => x.max().add(x.min()), [r(3, 4)]));
  it('max(dim).values and min(dim, keepdim).values', () => check((x) => x.max(1).values.add(x.min(1, true).values.squeeze(1)), [r(3, 4)]));
  it('torch.max(x, dim) values', () => check((x) => (torch.max(x, 0) as [Tensor, Tensor])[0], [r(3, 4)]));
  it('amax / amin (dims)', () => check((x) => x.amax([0, 2]).add(x.amin(2).sum(0)), [r(2, 3, 4)]));
  it('amax() over everything, keepdim', () => check((x) => x.amax([0, 1], true), [r(3, 4)]));
  it('var()', () => check((x) => x.var(), [r(3, 4)]));
  it('var(dim, unbiased=false, keepdim)', () => check((x) => x.var(1, false, true), [r(3, 4)]));
  it('var(dims)', () => check((x) => x.var([0, 2]), [r(2, 3, 4)]));
  it('std()', () => check((x) => x.std(), [r(3, 4)]));
  it('std(dim, unbiased=false)', () => check((x) => x.std(0, false), [r(3, 4)]));
  it('torch.var_ and torch.std', () => check((x) => torch.var_(x, 1).add(torch.std(x, 1)), [r(3, 4)]));
  it('norm() (2-norm)', () => check((x) => x.norm(), [r(3, 4)]));
  it('norm(1, dim)', () => check((x) => x.norm(1, 1), [away(0.1, 3, 4)]));
  it('norm(3, dims, keepdim)', () => check((x) => x.norm(3, [0, 2], true), [r(2, 3, 4)]));
  it('norm(Infinity)', () => check((x) => x.norm(Infinity, 1), [r(3, 4)]));
  it('logsumexp(dim)', () => check((x) => x.logsumexp(1), [r(3, 4)]));
  it('logsumexp(dims, keepdim)', () => check((x) => x.logsumexp([0, 2], true), [r(2, 3, 4)]));
  it('softmax(dim)', () => check((x) => x.softmax(1), [r(3, 4)]));
  it('softmax(negative dim) on 3-D', () => check((x) => x.softmax(-2), [r(2, 3, 4)]));
  it('softmax(dim, float64 dtype)', () => check((x) => x.softmax(0, 'float64'), [r(3, 4)]));
  it('logSoftmax(dim)', () => check((x) => x.logSoftmax(1), [r(3, 4)]));
  it('logSoftmax(dim 0) on 3-D', () => check((x) => x.logSoftmax(0), [r(2, 3, 4)]));
  it('F.softmax / F.logSoftmax', () => check((x) => F.softmax(x, -1).add(F.logSoftmax(x, -1)), [r(3, 4)]));
  it('cumsum', () => check((x) => x.cumsum(1), [r(3, 4)]));
  it('sort values', () => check((x) => x.sort(1, true).values, [r(3, 4)]));
  it('topk values', () => check((x) => x.topk(2, 1).values, [r(3, 4)]));
});

describe('gradcheck: matrix products', () => {
  it('matmul 1-D · 1-D', () => checkAll((a, b) => a.matmul(b), [r(4), r(4)]));
  it('matmul 2-D · 1-D', () => checkAll((a, b) => a.matmul(b), [r(3, 4), r(4)]));
  it('matmul 1-D · 2-D', () => checkAll((a, b) => a.matmul(b), [r(3), r(3, 4)]));
  it('matmul 2-D · 2-D', () => checkAll((a, b) => a.matmul(b), [r(3, 4), r(4, 2)]));
  it('matmul 3-D · 3-D', () => checkAll((a, b) => a.matmul(b), [r(2, 3, 4), r(2, 4, 2)]));
  it('matmul 3-D · 2-D (broadcast)', () => checkAll((a, b) => a.matmul(b), [r(2, 3, 4), r(4, 2)]));
  it('matmul 4-D · 3-D (broadcast batch)', () => checkAll((a, b) => torch.matmul(a, b), [r(2, 1, 3, 4), r(3, 4, 2)]));
  it('mm', () => checkAll((a, b) => a.mm(b), [r(3, 4), r(4, 2)]));
  it('bmm', () => checkAll((a, b) => torch.bmm(a, b), [r(2, 3, 4), r(2, 4, 5)]));
  it('outer', () => checkAll((a, b) => a.outer(b), [r(3), r(4)]));
  it('linear with bias', () => checkAll((x, w, b) => F.linear(x, w, b), [r(5, 4), r(3, 4), r(3)]));
  it('linear without bias, 3-D input', () => checkAll((x, w) => F.linear(x, w), [r(2, 5, 4), r(3, 4)]));
  it('nn.Linear parameters (float64)', () => {
    const layer = new nn.Linear(4, 3).to('float64');
    checkAll((x) => layer.forward(x), [r(2, 4), layer.weight, layer.bias!]);
  });
  it('einsum', () => checkAll((a, b) => torch.einsum('bij,bjk->bik', a, b), [r(2, 3, 4), r(2, 4, 2)]));
});

describe('gradcheck: views and indexing', () => {
  it('reshape and view', () => check((x) => x.reshape(4, 3).add(x.view([2, 6]).reshape(-1, 3)), [r(3, 4)]));
  it('viewAs / reshapeAs', () => checkAll((x, y) => x.viewAs(y).mul(y).add(x.reshapeAs(y)), [r(3, 4), r(2, 6)]));
  it('permute', () => check((x) => x.permute(2, 0, 1), [r(2, 3, 4)]));
  it('transpose and t', () => check((x) => x.transpose(0, 1).add(x.t()), [r(3, 4)]));
  it('expand and expandAs (gradients summed over the expanded dims)', () => checkAll((x, y) => x.expand(2, 3, 4).mul(y).add(x.expandAs(y)), [r(3, 1), r(2, 3, 4)]));
  it('repeat', () => check((x) => x.repeat(2, 1, 3), [r(3, 2)]));
  it('flip', () => check((x) => x.flip(0, 1), [r(3, 4)]));
  it('squeeze / unsqueeze', () => check((x) => x.squeeze(1).unsqueeze(0).squeeze(), [r(3, 1, 4)]));
  it('flatten / unflatten', () => check((x) => x.flatten(1).unflatten(1, [2, 6]).flatten(), [r(2, 3, 4)]));
  it('movedim', () => check((x) => x.movedim(0, 2), [r(2, 3, 4)]));
  it('narrow', () => check((x) => x.narrow(1, 1, 2), [r(3, 4)]));
  it('slice (start, end, step)', () => check((x) => x.slice(1, 1, 5, 2), [r(3, 6)]));
  it('slice (negative start, open end)', () => check((x) => x.slice(0, -2), [r(4, 3)]));
  it('select (negative index)', () => check((x) => x.select(1, -1), [r(3, 4)]));
  it('indexSelect with repeated indices (gradients accumulate)', () => check((x) => x.indexSelect(0, long([2, 0, 2, 2])), [r(3, 4)]));
  it('index (advanced indexing with null)', () => check((x) => x.index([long([0, 2, 2]), null, long([1, 0, 1])]), [r(3, 2, 4)]));
  it('indexPut_ on a non-leaf (gradient to self and values)', () =>
    checkAll((x, v) => x.mul(1).indexPut_([long([0, 2])], v), [r(3, 4), r(2, 4)]));
  it('indexPut_ with accumulate', () => checkAll((x, v) => x.mul(1).indexPut_([long([0, 0, 2])], v, true), [r(3, 4), r(3, 4)]));
  it('gather', () => check((x) => x.gather(1, long([[0, 0], [3, 1], [2, 2]])), [r(3, 4)]));
  it('torch.gather on dim 0', () => check((x) => torch.gather(x, 0, long([[2, 0, 1, 1]])), [r(3, 4)]));
  it('scatter (tensor src: gradient to self and src)', () =>
    checkAll((x, s) => x.scatter(1, long([[0, 2], [3, 1], [1, 0]]), s), [r(3, 4), r(3, 2)]));
  it('scatter (number src)', () => check((x) => x.scatter(0, long([[1, 0, 2, 1]]), 0.5), [r(3, 4)]));
  it('scatter_ on a non-leaf', () => checkAll((x, s) => x.mul(1).scatter_(1, long([[1], [0], [3]]), s), [r(3, 4), r(3, 1)]));
  it('scatterAdd (duplicates accumulate)', () => checkAll((x, s) => x.scatterAdd(1, long([[0, 0], [3, 3], [1, 1]]), s), [r(3, 4), r(3, 2)]));
  it('maskedSelect', () => check((x) => x.maskedSelect(bool([[true, false, true, false], [false, true, true, true], [false, false, false, true]])), [r(3, 4)]));
  it('cat (all inputs, dim 0 and 1)', () => {
    checkAll((a, b, c) => torch.cat([a, b, c], 0), [r(1, 4), r(2, 4), r(3, 4)]);
    checkAll((a, b) => torch.concat([a, b], 1), [r(3, 2), r(3, 4)]);
  });
  it('stack (negative dim)', () => checkAll((a, b) => torch.stack([a, b], -1), [r(3, 4), r(3, 4)]));
  it('split (size) — every piece', () => check((x) => torch.cat(x.split(2, 1).map((p, i) => p.mul(i + 1)), 1), [r(3, 5)]));
  it('split (sizes list)', () => check((x) => { const [a, b, c] = x.split([1, 3, 1], 1); return a.sum(1).add(b.pow(2).sum(1)).add(c.exp().sum(1)); }, [r(3, 5)]));
  it('chunk', () => check((x) => { const [a, b] = x.chunk(2, 0); return a.mul(b); }, [r(4, 3)]));
  it('torch.split / torch.chunk / unbind', () => check((x) => torch.stack([...torch.split(x, 1, 0), ...torch.chunk(x, 3, 0), ...x.unbind(0).map((t) => t.unsqueeze(0))]).sum(0), [r(3, 4)]));
  it('tril / triu', () => check((x) => x.tril().add(x.triu(1).mul(2)), [r(4, 4)]));
  it('F.pad', () => check((x) => F.pad(x, [1, 2, 0, 1], 0.5), [r(2, 3)]));
  it('chained views with in-place on a view of a non-leaf', () => check((x) => { const y = x.mul(1); y.narrow(1, 0, 2).mul_(3); return y; }, [r(3, 4)]));
});

describe('gradcheck: nn functions', () => {
  it('layerNorm (input, weight, bias)', () => checkAll((x, w, b) => F.layerNorm(x, [4], w, b), [r(3, 4), r(4), r(4)]));
  it('layerNorm over the last two dims, eps', () => checkAll((x, w, b) => F.layerNorm(x, [3, 4], w, b, 1e-3), [r(2, 3, 4), r(3, 4), r(3, 4)]));
  it('layerNorm without affine parameters', () => check((x) => F.layerNorm(x, [4]), [r(3, 4)]));
  it('nn.LayerNorm module (float64)', () => {
    const ln = new nn.LayerNorm(4).to('float64');
    noGradInit(() => { ln.weight!.normal_(); ln.bias!.normal_(); });
    checkAll((x) => ln.forward(x), [r(2, 4), ln.weight!, ln.bias!]);
  });
  it('embedding: gradient to the weight (repeated ids accumulate)', () => {
    const ids = long([[0, 2, 2], [4, 1, 2]]);
    check((w) => F.embedding(ids, w), [r(5, 3)]);
  });
  it('embedding with paddingIdx not among the ids', () => check((w) => F.embedding(long([1, 3, 3]), w, 0), [r(5, 3)]));
  it('embedding: the paddingIdx row receives no gradient', () => {
    const w = r(5, 3);
    const ids = long([0, 1, 0, 4]);
    F.embedding(ids, w, 0).mul(torch.randn([4, 3], { dtype: 'float64' })).sum().backward();
    assert.deepEqual(w.grad!.select(0, 0).toArray(), [0, 0, 0]);
    assert.notDeepEqual(w.grad!.select(0, 1).toArray(), [0, 0, 0]);
    // and nn.Embedding(paddingIdx) behaves the same
    const emb = new nn.Embedding(5, 3, { paddingIdx: 2 });
    emb.forward(long([2, 2, 3])).sum().backward();
    assert.deepEqual(emb.weight.grad!.select(0, 2).toArray(), [0, 0, 0]);
    assert.deepEqual(emb.weight.grad!.select(0, 3).toArray(), [1, 1, 1]);
    // a negative paddingIdx counts from the end, as in F.embedding
    const v = r(5, 3);
    F.embedding(long([0, 4, 4]), v, -1).sum().backward();
    assert.deepEqual(v.grad!.select(0, 4).toArray(), [0, 0, 0]);
    assert.deepEqual(v.grad!.select(0, 0).toArray(), [1, 1, 1]);
  });
  it('dropout (same seed on every call: the mask is fixed)', () =>
    check((x) => { torch.manualSeed(7); return F.dropout(x, 0.3, true); }, [r(4, 5)]));
  it('dropout in eval mode is the identity', () => check((x) => F.dropout(x, 0.5, false), [r(3, 4)]));
  it('nn.Dropout scales kept elements by 1/(1-p) in training', () => {
    const x = torch.ones([1000], { dtype: 'float64', requiresGrad: true });
    const d = new nn.Dropout(0.25);
    d.forward(x).sum().backward();
    const g = x.grad!.toArray() as number[];
    assert.ok(g.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-12));
    assert.ok(g.some((v) => v === 0) && g.some((v) => v !== 0));
  });
});

/** runs fn without recording history (in-place init on parameters) */
function noGradInit(fn: () => void): void {
  torch.noGrad(fn);
}

describe('gradcheck: losses', () => {
  const target = long([1, 0, 3, 3, 2]);
  it('crossEntropy (mean)', () => check((x) => F.crossEntropy(x, target), [r(5, 4)]));
  it("crossEntropy (reduction 'sum' and 'none')", () => check((x) => F.crossEntropy(x, target, { reduction: 'sum' }).add(F.crossEntropy(x, target, { reduction: 'none' }).mul(torch.arange(5, { dtype: 'float64' })).sum()), [r(5, 4)]));
  it('crossEntropy with class weight', () => check((x) => F.crossEntropy(x, target, { weight: torch.tensor([0.5, 2, 1, 3], { dtype: 'float64' }) }), [r(5, 4)]));
  it('crossEntropy with labelSmoothing', () => check((x) => F.crossEntropy(x, target, { labelSmoothing: 0.2 }), [r(5, 4)]));
  it('crossEntropy with ignoreIndex', () => check((x) => F.crossEntropy(x, long([1, -100, 3, 0, -100])), [r(5, 4)]));
  it('crossEntropy with a custom ignoreIndex, weight and labelSmoothing together', () =>
    check((x) => F.crossEntropy(x, long([1, 2, 3, 0, 2]), { ignoreIndex: 2, weight: torch.tensor([0.5, 2, 1, 3], { dtype: 'float64' }), labelSmoothing: 0.1 }), [r(5, 4)]));
  it('crossEntropy: ignored rows get zero gradient', () => {
    const x = r(3, 4);
    F.crossEntropy(x, long([1, -100, 2])).backward();
    assert.deepEqual(x.grad!.select(0, 1).toArray(), [0, 0, 0, 0]);
  });
  it('crossEntropy with class-probability targets (gradient to both)', () =>
    checkAll((x, p) => F.crossEntropy(x, p.softmax(1)), [r(3, 4), r(3, 4)]));
  it('crossEntropy on [N, C, d] input with [N, d] targets', () => check((x) => F.crossEntropy(x, long([[0, 2], [1, 1]])), [r(2, 3, 2)]));
  it('nllLoss (mean)', () => check((x) => F.nllLoss(x.logSoftmax(1), target), [r(5, 4)]));
  it('nllLoss with weight, ignoreIndex and sum', () =>
    check((x) => F.nllLoss(x, long([1, 0, 3, 1, 2]), { weight: torch.tensor([1, 2, 3, 4], { dtype: 'float64' }), ignoreIndex: 1, reduction: 'sum' }), [r(5, 4)]));
  it("nllLoss reduction 'none'", () => check((x) => F.nllLoss(x, target, { reduction: 'none' }), [r(5, 4)]));
  it('binaryCrossEntropyWithLogits (input and target)', () => checkAll((x, t) => F.binaryCrossEntropyWithLogits(x, t), [r(3, 4), u(0, 1, 3, 4)]));
  it('binaryCrossEntropyWithLogits with posWeight', () =>
    checkAll((x, t) => F.binaryCrossEntropyWithLogits(x, t, { posWeight: torch.tensor([0.5, 1, 2, 4], { dtype: 'float64' }) }), [r(3, 4), u(0, 1, 3, 4)]));
  it('binaryCrossEntropyWithLogits with weight, posWeight and sum', () =>
    check((x) => F.binaryCrossEntropyWithLogits(x, torch.tensor([[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]], { dtype: 'float64' }), { weight: torch.tensor([[1], [2], [0.5]], { dtype: 'float64' }), posWeight: torch.tensor([3, 1, 1, 2], { dtype: 'float64' }), reduction: 'sum' }), [r(3, 4)]));
  it("binaryCrossEntropyWithLogits reduction 'none'", () => check((x) => F.binaryCrossEntropyWithLogits(x, torch.ones([3, 4], { dtype: 'float64' }), { reduction: 'none' }), [r(3, 4)]));
  it('mseLoss (input and target, all reductions)', () => {
    checkAll((x, t) => F.mseLoss(x, t), [r(3, 4), r(3, 4)]);
    checkAll((x, t) => F.mseLoss(x, t, { reduction: 'sum' }), [r(3, 4), r(3, 4)]);
    checkAll((x, t) => F.mseLoss(x, t, { reduction: 'none' }), [r(3, 4), r(3, 4)]);
  });
  it('l1Loss', () => checkAll((x, t) => F.l1Loss(x, t), [r(3, 4), r(3, 4)]));
});

describe('gradcheck: scaledDotProductAttention', () => {
  // [batch 2, heads 2, queries 3, dim 4] against 5 keys; mask [2, 1, 1, 5] masks the padding
  const mask = () => torch.tensor([[[[0, 0, 0, -1e9, -1e9]]], [[[0, 0, 0, 0, -1e9]]]], { dtype: 'float64' });
  it('context: gradient to query, key and value, with an additive padding mask', () =>
    checkAll((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: mask() })[0], [r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4)]));
  it('probabilities: gradient to query and key', () =>
    check((q, k, v) => F.scaledDotProductAttention(q, k, v, { attnMask: mask() })[1], [r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4)]));
  it('gradient to a float mask (a learned bias) and an explicit scale', () =>
    checkAll((q, k, v, m) => F.scaledDotProductAttention(q, k, v, { attnMask: m, scale: 0.3 })[0], [r(1, 2, 3, 4), r(1, 2, 5, 4), r(1, 2, 5, 4), r(1, 1, 3, 5)]));
  it('masked keys get zero probability and zero gradient', () => {
    const k = r(2, 2, 5, 4);
    const [, probs] = F.scaledDotProductAttention(r(2, 2, 3, 4), k, r(2, 2, 5, 4), { attnMask: mask() });
    assert.ok((probs.select(0, 0).narrow(-1, 3, 2).abs().max().item()) === 0);
    probs.sum().backward();
    // every row of probabilities sums to 1, so d(sum)/dk is zero everywhere
    assert.ok(k.grad!.abs().max().item() < 1e-12);
  });
  it('attention dropout with a fixed seed', () =>
    check((q, k, v) => { torch.manualSeed(3); return F.scaledDotProductAttention(q, k, v, { attnMask: mask(), dropoutP: 0.3, training: true })[0]; }, [r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4)]));
});

describe('gradcheck itself', () => {
  it('fails when the analytical gradient is wrong (half of x·x detached)', () => {
    // x.detach() * x has value x² but autograd sees only one factor: gradient x instead of 2x
    assert.throws(() => gradcheck((x) => x.detach().mul(x), [r(3, 4)]), /^Error: gradcheck: input 0 element \d+: analytical .* vs numerical/);
  });
  it('fails when one input is detached inside the function', () => {
    assert.throws(() => gradcheck((a, b) => a.mul(b.detach()), [r(3), r(3)]), /^Error: gradcheck: input 1 element 0/);
  });
  it('fails on a NaN analytical gradient (the where/sqrt trap)', () => {
    // forward is x where x > 0 else sqrt(x): finite, but the untaken sqrt branch
    // back-propagates 0 * NaN = NaN for negative x
    const x = torch.tensor([0.5, -0.7, 1.2], { dtype: 'float64', requiresGrad: true });
    assert.throws(() => gradcheck((t) => torch.where(t.gt(0), t.sqrt(), t), [x]), /analytical NaN/);
  });
  it('fails on a function with a non-smooth point under the probe', () => {
    // relu at exactly 0: autograd takes the derivative 0, central differences give 0.5
    const x = torch.tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    assert.throws(() => gradcheck((t) => t.relu(), [x]), /element 0/);
  });
  it('passes index tensors through and rejects bad inputs', () => {
    check((x, idx) => x.indexSelect(0, idx), [r(3, 2), long([2, 0])]);
    assert.throws(() => gradcheck((x) => x, [torch.ones([2], { requiresGrad: true })]), /^TypeError: gradcheck: input 0 must be float64, got float32/);
    assert.throws(() => gradcheck((x) => x, [torch.ones([2], { dtype: 'float64' })]), /^TypeError: gradcheck: no input requires grad/);
    const nc = torch.randn([3, 4], { dtype: 'float64' }).t().requiresGrad_();
    assert.throws(() => gradcheck((x) => x, [nc]), /contiguous/);
  });
  it('leaves its inputs unchanged', () => {
    const x = r(3, 4);
    const before = Array.from(x.data() as Float64Array);
    check((t) => t.exp(), [x]);
    assert.deepEqual(Array.from(x.data() as Float64Array), before);
    assert.equal(x.grad, null, 'gradcheck must not touch .grad');
  });
});

describe('autograd semantics', () => {
  const f64 = { dtype: 'float64' as const };

  it('backward with an explicit gradient (vector-Jacobian product)', () => {
    const x = torch.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    const y = x.mul(x); // dy/dx = 2x
    y.backward(torch.tensor([1, 0.5, -1], f64));
    assert.deepEqual(x.grad!.toArray(), [2, 2, -6]);
  });

  it('backward on a non-scalar without a gradient is an error', () => {
    const x = torch.ones([3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), /^Error: backward: grad can be implicitly created only for scalar outputs/);
  });

  it('retainGraph: a second backward works and accumulates', () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const y = x.pow(3).sum(); // dy/dx = 3x²
    y.backward(undefined, { retainGraph: true });
    assert.deepEqual(x.grad!.toArray(), [3, 12]);
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 24]);
  });

  it('backward({ retainGraph }) takes the options first, as loss.backward(retain_graph=True)', () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const y = x.mul(3).sum();
    y.backward({ retainGraph: true });
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 6]);
  });

  it('without retainGraph a second backward errors cleanly (and the process goes on)', () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    assert.throws(() => y.backward(), (e: Error) => e instanceof Error && /^backward: Trying to backward through the graph a second time/.test(e.message));
    assert.ok(Math.abs((x.grad!.toArray() as number[])[0] - Math.E) < 1e-12, 'the first gradient is intact');
  });

  it('.grad accumulates across two backwards through separate graphs', () => {
    const x = torch.tensor([1, -2], { ...f64, requiresGrad: true });
    x.mul(3).sum().backward();
    x.pow(2).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [3 + 2, 3 - 4]);
    x.grad = null;
    assert.equal(x.grad, null);
    x.mul(5).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [5, 5]);
  });

  it('the grad setter checks shape and dtype like PyTorch', () => {
    const x = torch.ones([2], { requiresGrad: true });
    assert.throws(() => { x.grad = torch.ones([2, 2]); }, /^Error: grad: assigned grad has data of a different size/);
    assert.throws(() => { x.grad = torch.ones([2], { dtype: 'float64' }); }, /^Error: grad: assigned grad has data of a different type/);
    assert.throws(() => { x.grad = 3 as never; }, /^TypeError: grad: /);
    x.grad = torch.tensor([0.5, 0.5]);
    x.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1.5, 1.5]);
  });

  it('a .grad handle can be disposed without losing the gradient', () => {
    const x = torch.ones([2], { requiresGrad: true });
    x.mul(2).sum().backward();
    x.grad!.dispose();
    assert.deepEqual(x.grad!.toArray(), [2, 2]);
  });

  it('noGrad: no history, isGradEnabled false inside, restored after', () => {
    const x = torch.ones([2], { requiresGrad: true });
    assert.equal(torch.isGradEnabled(), true);
    const y = torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.equal(torch.isGradEnabled(), true);
  });

  it('enableGrad inside noGrad records history; nesting restores each level', () => {
    const x = torch.ones([2], { requiresGrad: true });
    const seen: boolean[] = [];
    const y = torch.noGrad(() => {
      seen.push(torch.isGradEnabled());
      const inner = torch.enableGrad(() => {
        seen.push(torch.isGradEnabled());
        const z = torch.noGrad(() => { seen.push(torch.isGradEnabled()); return x.mul(3); });
        assert.equal(z.requiresGrad, false);
        seen.push(torch.isGradEnabled());
        return x.mul(2);
      });
      seen.push(torch.isGradEnabled());
      return inner;
    });
    assert.deepEqual(seen, [false, true, false, true, false]);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.gradFn, 'MulBackward0');
    assert.equal(torch.isGradEnabled(), true);
  });

  it('an exception inside noGrad / enableGrad restores the mode', () => {
    assert.throws(() => torch.noGrad(() => { throw new Error('boom'); }), /boom/);
    assert.equal(torch.isGradEnabled(), true);
    // a libtorch error thrown inside noGrad
    assert.throws(() => torch.noGrad(() => torch.ones([2]).matmul(torch.ones([3]))), /^Error: matmul: /);
    assert.equal(torch.isGradEnabled(), true);
    torch.setGradEnabled(false);
    try {
      assert.throws(() => torch.enableGrad(() => { assert.equal(torch.isGradEnabled(), true); throw new Error('boom'); }), /boom/);
      assert.equal(torch.isGradEnabled(), false);
    } finally {
      torch.setGradEnabled(true);
    }
    assert.equal(torch.isGradEnabled(), true);
  });

  it('noGrad with an async function restores the mode when the promise settles', async () => {
    const p = torch.noGrad(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new Error('late');
    });
    await assert.rejects(p, /late/);
    assert.equal(torch.isGradEnabled(), true);
  });

  it('detach shares memory and cuts the graph', () => {
    const x = torch.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.equal(d.gradFn, null);
    assert.ok(d.sharesStorageWith(y));
    const xd = x.detach();
    torch.noGrad(() => xd.add_(1)); // in-place on the detached view changes x
    assert.deepEqual(x.toArray(), [2, 3, 4]);
    // gradient does not flow through a detached branch
    const z = x.mul(x.detach()).sum();
    z.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 3, 4]);
  });

  it('detach_ turns a non-leaf into a leaf in place', () => {
    const x = torch.ones([2], { requiresGrad: true });
    const y = x.mul(2);
    assert.equal(y.detach_(), y);
    assert.equal(y.requiresGrad, false);
    assert.equal(y.isLeaf, true);
  });

  it('requiresGrad_ and the requiresGrad setter', () => {
    const x = torch.ones([2]);
    assert.equal(x.requiresGrad, false);
    assert.equal(x.requiresGrad_(), x);
    assert.equal(x.requiresGrad, true);
    x.requiresGrad = false;
    assert.equal(x.requiresGrad, false);
    x.requiresGrad = true;
    const y = x.mul(2);
    assert.equal(y.requiresGrad, true);
    // as PyTorch: only leaves can change the flag
    assert.throws(() => y.requiresGrad_(false), /^Error: requiresGrad_: you can only change requires_grad flags of leaf variables/);
    assert.throws(() => torch.ones([2], { dtype: 'int64' }).requiresGrad_(), /^Error: setRequiresGrad: Only Tensors of floating point and complex dtype can require gradients/);
  });

  it('leaf vs non-leaf: isLeaf, gradFn, .grad only on leaves unless retainGrad', () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const c = torch.tensor([3, 4], f64);
    const y = x.mul(c);
    const z = y.exp();
    y.retainGrad();
    assert.equal(x.isLeaf, true);
    assert.equal(c.isLeaf, true);
    assert.equal(y.isLeaf, false);
    assert.equal(x.gradFn, null);
    assert.equal(y.gradFn, 'MulBackward0');
    assert.equal(z.gradFn, 'ExpBackward0');
    z.sum().backward();
    assert.equal(c.grad, null, 'a leaf that does not require grad gets no gradient');
    assert.equal(z.grad, null, 'a non-leaf without retainGrad keeps no gradient');
    assert.ok(y.grad, 'retainGrad keeps the gradient of a non-leaf');
    const ey = (y.toArray() as number[]).map(Math.exp);
    (y.grad!.toArray() as number[]).forEach((g, i) => assert.ok(Math.abs(g - ey[i]) < 1e-9));
  });

  it('in-place on a leaf that requires grad is an error; on a saved tensor backward errors', () => {
    const x = torch.ones([2], { requiresGrad: true });
    assert.throws(() => x.add_(1), /^Error: add_: a leaf Variable that requires grad is being used in an in-place operation/);
    torch.noGrad(() => x.add_(1)); // allowed without history, as in PyTorch
    assert.deepEqual(x.toArray(), [2, 2]);
    const y = x.exp();
    const z = y.exp();
    y.add_(1);
    assert.throws(() => z.sum().backward(), /^Error: backward: one of the variables needed for gradient computation has been modified by an inplace operation/);
  });

  it('autograd.grad returns gradients and leaves .grad alone', () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const w = torch.tensor([3, -1], { ...f64, requiresGrad: true });
    const y = x.mul(w).sum();
    const [gx, gw] = torch.autograd.grad(y, [x, w]);
    assert.deepEqual(gx!.toArray(), [3, -1]);
    assert.deepEqual(gw!.toArray(), [1, 2]);
    assert.equal(x.grad, null);
    assert.equal(w.grad, null);
  });

  it('autograd.grad with gradOutputs, allowUnused and retainGraph', () => {
    const x = torch.tensor([1, 2], { ...f64, requiresGrad: true });
    const unused = torch.ones([2], { ...f64, requiresGrad: true });
    const y = x.mul(2);
    const [g] = torch.autograd.grad(y, x, { gradOutputs: [torch.tensor([1, 10], f64)], retainGraph: true });
    assert.deepEqual(g!.toArray(), [2, 20]);
    const [g2, none] = torch.autograd.grad([y.sum()], [x, unused], { allowUnused: true });
    assert.deepEqual(g2!.toArray(), [2, 2]);
    assert.equal(none, null);
    assert.throws(() => torch.autograd.grad(x.mul(3).sum(), [unused]), /^Error: autogradGrad: (One|element 0 ?) ?of the differentiated Tensors appears to not have been used in the graph/); // 1.13's wording, 2.x's
  });

  it('autograd.grad with createGraph gives higher derivatives', () => {
    const x = torch.tensor([1, 2, 3], { ...f64, requiresGrad: true });
    const y = x.pow(3).sum();
    const [dy] = torch.autograd.grad(y, x, { createGraph: true }); // 3x²
    assert.equal(dy!.requiresGrad, true);
    assert.deepEqual(dy!.toArray(), [3, 12, 27]);
    const [d2y] = torch.autograd.grad(dy!.sum(), x); // 6x
    assert.deepEqual(d2y!.toArray(), [6, 12, 18]);
    // and backward(createGraph) builds a graph for the gradient
    const z = torch.tensor([2], { ...f64, requiresGrad: true });
    z.pow(2).sum().backward(undefined, { createGraph: true });
    assert.equal(z.grad!.requiresGrad, true);
  });

  it('gradients flow through a whole small network and its parameters', () => {
    torch.manualSeed(5);
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.GELU(), new nn.LayerNorm(4), new nn.Linear(4, 2)).to('float64');
    const x = torch.randn([5, 3], f64);
    const y = long([0, 1, 1, 0, 1]);
    const params = model.parameters();
    check(() => F.crossEntropy(model.forward(x) as Tensor, y), params);
  });
});
