// Tensor methods for the ops. Each family is implemented by one generator over the native
// op of the same name; the interface below gives the PyTorch-shaped signatures.
import type { DType } from './dtype.js';
import { callOp, N, type NativeOpName } from './native.js';
import { Tensor } from './tensor.js';
import type { Scalar } from './tensor.js';

/** What x.max(dim) and friends return: `const [values, indices] = x.max(1)` or `.values`. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };
export type ShapeArg = number | readonly number[];
type Dims = number | readonly number[];

declare module './tensor.js' {
  interface Tensor {
    // pointwise, each with an in-place twin (x.exp_())
    neg(): Tensor; abs(): Tensor; exp(): Tensor; log(): Tensor; log2(): Tensor; log1p(): Tensor; expm1(): Tensor;
    sqrt(): Tensor; rsqrt(): Tensor; tanh(): Tensor; sigmoid(): Tensor; relu(): Tensor; erf(): Tensor; erfinv(): Tensor;
    sin(): Tensor; cos(): Tensor; floor(): Tensor; ceil(): Tensor; round(): Tensor; trunc(): Tensor; sign(): Tensor;
    reciprocal(): Tensor; square(): Tensor; logicalNot(): Tensor;
    neg_(): this; abs_(): this; exp_(): this; log_(): this; log2_(): this; log1p_(): this; expm1_(): this;
    sqrt_(): this; rsqrt_(): this; tanh_(): this; sigmoid_(): this; relu_(): this; erf_(): this; erfinv_(): this;
    sin_(): this; cos_(): this; floor_(): this; ceil_(): this; round_(): this; trunc_(): this; sign_(): this;
    reciprocal_(): this; square_(): this; logicalNot_(): this;
    silu(): Tensor; isnan(): Tensor; isinf(): Tensor; isfinite(): Tensor;
    gelu(approximate?: 'none' | 'tanh'): Tensor;
    softplus(beta?: number, threshold?: number): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    clamp_(min?: number | null, max?: number | null): this;
    // binary with broadcasting; `other` may be a number (a Python-style scalar)
    add(other: Tensor | Scalar, alpha?: number): Tensor; add_(other: Tensor | Scalar, alpha?: number): this;
    sub(other: Tensor | Scalar, alpha?: number): Tensor; sub_(other: Tensor | Scalar, alpha?: number): this;
    mul(other: Tensor | Scalar): Tensor; mul_(other: Tensor | Scalar): this;
    div(other: Tensor | Scalar, roundingMode?: 'trunc' | 'floor'): Tensor; div_(other: Tensor | Scalar, roundingMode?: 'trunc' | 'floor'): this;
    pow(exponent: Tensor | Scalar): Tensor; pow_(exponent: Tensor | Scalar): this;
    remainder(other: Tensor | Scalar): Tensor; remainder_(other: Tensor | Scalar): this;
    fmod(other: Tensor | Scalar): Tensor; fmod_(other: Tensor | Scalar): this;
    maximum(other: Tensor): Tensor; minimum(other: Tensor): Tensor;
    eq(other: Tensor | Scalar): Tensor; ne(other: Tensor | Scalar): Tensor; lt(other: Tensor | Scalar): Tensor;
    le(other: Tensor | Scalar): Tensor; gt(other: Tensor | Scalar): Tensor; ge(other: Tensor | Scalar): Tensor;
    eq_(other: Tensor | Scalar): this; ne_(other: Tensor | Scalar): this; lt_(other: Tensor | Scalar): this;
    le_(other: Tensor | Scalar): this; gt_(other: Tensor | Scalar): this; ge_(other: Tensor | Scalar): this;
    logicalAnd(other: Tensor | Scalar): Tensor; logicalOr(other: Tensor | Scalar): Tensor; logicalXor(other: Tensor | Scalar): Tensor;
    lerp(end: Tensor, weight: Tensor | number): Tensor;
    addcmul(t1: Tensor, t2: Tensor, value?: number): Tensor;
    addcdiv(t1: Tensor, t2: Tensor, value?: number): Tensor;
    maskedFill(mask: Tensor, value: Tensor | Scalar): Tensor; maskedFill_(mask: Tensor, value: Tensor | Scalar): this;
    where(condition: Tensor, other: Tensor | Scalar): Tensor;
    fill_(value: Tensor | Scalar): this; zero_(): this;
    uniform_(from?: number, to?: number): this; normal_(mean?: number, std?: number): this; bernoulli_(p?: number): this; random_(): this;
    // reductions: positional dim and keepdim as in PyTorch (x.sum(1, true))
    sum(dim?: Dims | null, keepdim?: boolean, dtype?: DType): Tensor;
    mean(dim?: Dims | null, keepdim?: boolean, dtype?: DType): Tensor;
    prod(dim?: number | null, keepdim?: boolean, dtype?: DType): Tensor;
    max(): Tensor; max(dim: number, keepdim?: boolean): ValuesIndices; max(other: Tensor): Tensor;
    min(): Tensor; min(dim: number, keepdim?: boolean): ValuesIndices; min(other: Tensor): Tensor;
    amax(dim?: Dims, keepdim?: boolean): Tensor; amin(dim?: Dims, keepdim?: boolean): Tensor;
    argmax(dim?: number | null, keepdim?: boolean): Tensor; argmin(dim?: number | null, keepdim?: boolean): Tensor;
    var(dim?: Dims | null, unbiased?: boolean, keepdim?: boolean): Tensor;
    std(dim?: Dims | null, unbiased?: boolean, keepdim?: boolean): Tensor;
    norm(p?: number, dim?: Dims | null, keepdim?: boolean): Tensor;
    logsumexp(dim: Dims, keepdim?: boolean): Tensor;
    softmax(dim: number, dtype?: DType): Tensor; logSoftmax(dim: number, dtype?: DType): Tensor;
    cumsum(dim: number, dtype?: DType): Tensor;
    all(dim?: number, keepdim?: boolean): Tensor; any(dim?: number, keepdim?: boolean): Tensor;
    sort(dim?: number, descending?: boolean, stable?: boolean): ValuesIndices;
    topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): ValuesIndices;
    equal(other: Tensor): boolean;
    allclose(other: Tensor, rtol?: number, atol?: number, equalNan?: boolean): boolean;
    // matrix products
    matmul(other: Tensor): Tensor; mm(other: Tensor): Tensor; bmm(other: Tensor): Tensor; outer(other: Tensor): Tensor;
    // views and indexing
    reshape(...shape: ShapeArg[]): Tensor; view(...shape: ShapeArg[]): Tensor; permute(...dims: ShapeArg[]): Tensor;
    expand(...shape: ShapeArg[]): Tensor; repeat(...sizes: ShapeArg[]): Tensor; flip(...dims: ShapeArg[]): Tensor;
    viewAs(other: Tensor): Tensor; expandAs(other: Tensor): Tensor; reshapeAs(other: Tensor): Tensor;
    transpose(dim0: number, dim1: number): Tensor; t(): Tensor;
    squeeze(dim?: number): Tensor; unsqueeze(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor; unflatten(dim: number, sizes: readonly number[]): Tensor;
    movedim(source: number, destination: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    /** x[:, start:end:step] along dim, as a view. */
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    select(dim: number, index: number): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    /** Advanced indexing x[i, :, j]: one entry per leading dimension, null keeps it whole. */
    index(indices: readonly (Tensor | null)[]): Tensor;
    indexPut_(indices: readonly (Tensor | null)[], values: Tensor | Scalar, accumulate?: boolean): this;
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    scatter_(dim: number, index: Tensor, src: Tensor | number): this;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    maskedSelect(mask: Tensor): Tensor; nonzero(): Tensor;
    split(splitSize: number | readonly number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    unbind(dim?: number): Tensor[];
    tril(diagonal?: number): Tensor; triu(diagonal?: number): Tensor;
  }
}

function flatShape(args: ShapeArg[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]).flat();
}

function method(name: string, impl: (this: Tensor, ...args: any[]) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, { value: impl, writable: true, configurable: true });
}

/** x.op(...args) → N.op(x, ...args) */
function returning(...names: NativeOpName[]): void {
  for (const name of names) method(name, function (...args) { return callOp(name, this, ...args); });
}

/** x.op_(...args) → N.op_(x, ...args); returns x */
function inPlace(...names: NativeOpName[]): void {
  for (const name of names) method(name, function (...args) { callOp(name, this, ...args); return this; });
}

/** x.op(...shape) with varargs or one array, as PyTorch takes sizes. */
function sized(...names: NativeOpName[]): void {
  for (const name of names) method(name, function (...args: ShapeArg[]) { return callOp(name, this, flatShape(args)); });
}

function valuesIndices(pair: Tensor[]): ValuesIndices {
  return Object.assign(pair as [Tensor, Tensor], { values: pair[0], indices: pair[1] });
}

const UNARY = ['neg', 'abs', 'exp', 'log', 'log2', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'tanh', 'sigmoid', 'relu', 'erf',
  'erfinv', 'sin', 'cos', 'floor', 'ceil', 'round', 'trunc', 'sign', 'reciprocal', 'square', 'logicalNot'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'remainder', 'fmod', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
const inPlaceName = <T extends string>(n: T) => `${n}_` as const;

returning(...UNARY, ...BINARY, 'silu', 'isnan', 'isinf', 'isfinite', 'gelu', 'softplus', 'leakyRelu', 'clamp',
  'maximum', 'minimum', 'logicalAnd', 'logicalOr', 'logicalXor', 'lerp', 'addcmul', 'addcdiv', 'maskedFill',
  'amax', 'amin', 'argmax', 'argmin', 'logsumexp', 'softmax', 'logSoftmax', 'cumsum', 'all', 'any', 'equal',
  'allclose', 'matmul', 'mm', 'bmm', 'outer', 'transpose', 't', 'squeeze', 'unsqueeze', 'flatten', 'unflatten',
  'movedim', 'narrow', 'slice', 'select', 'indexSelect', 'index', 'gather', 'scatter', 'scatterAdd', 'maskedSelect',
  'nonzero', 'split', 'chunk', 'unbind', 'tril', 'triu', 'sum', 'mean', 'prod');
inPlace(...UNARY.map(inPlaceName), ...BINARY.map(inPlaceName), 'clamp_', 'maskedFill_', 'fill_', 'zero_',
  'uniform_', 'normal_', 'bernoulli_', 'random_', 'indexPut_', 'scatter_');
sized('reshape', 'view', 'permute', 'expand', 'repeat', 'flip');

method('where', function (condition: Tensor, other: Tensor | Scalar) { return N.where(condition, this, other); });
method('viewAs', function (other: Tensor) { return N.view(this, other.shape); });
method('reshapeAs', function (other: Tensor) { return N.reshape(this, other.shape); });
method('expandAs', function (other: Tensor) { return N.expand(this, other.shape); });
method('norm', function (p = 2, dim?: Dims | null, keepdim?: boolean) { return N.norm(this, p, dim, keepdim); });
// PyTorch's var/std take `unbiased`; the native op takes Bessel's correction.
method('var', function (dim?: Dims | null, unbiased = true, keepdim?: boolean) { return N.var(this, dim, unbiased ? 1 : 0, keepdim); });
method('std', function (dim?: Dims | null, unbiased = true, keepdim?: boolean) { return N.std(this, dim, unbiased ? 1 : 0, keepdim); });
for (const name of ['max', 'min'] as const) {
  method(name, function (dimOrOther?: number | Tensor, keepdim?: boolean) {
    if (dimOrOther instanceof Tensor) return N[name === 'max' ? 'maximum' : 'minimum'](this, dimOrOther);
    const out = N[name](this, dimOrOther, keepdim);
    return Array.isArray(out) ? valuesIndices(out) : out;
  });
}
method('sort', function (dim = -1, descending = false, stable = false) { return valuesIndices(N.sort(this, dim, descending, stable)); });
method('topk', function (k: number, dim = -1, largest = true, sorted = true) { return valuesIndices(N.topk(this, k, dim, largest, sorted)); });
