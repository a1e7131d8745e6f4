// The function forms of the ops (torch.exp(x), torch.cat([a, b], 1), …).
import { N } from './native.js';
import { Tensor } from './tensor.js';
import type { Scalar } from './tensor.js';
import './tensor-ops.js';

type Method<K extends keyof Tensor> = Tensor[K] extends (...args: infer A) => infer R ? (input: Tensor, ...args: A) => R : never;

function fn<K extends keyof Tensor>(name: K): Method<K> {
  return ((input: Tensor, ...args: unknown[]) => (input[name] as (...a: unknown[]) => unknown).apply(input, args)) as Method<K>;
}

export const neg = fn('neg'), abs = fn('abs'), exp = fn('exp'), log = fn('log'), log1p = fn('log1p'), sqrt = fn('sqrt');
export const rsqrt = fn('rsqrt'), tanh = fn('tanh'), sigmoid = fn('sigmoid'), relu = fn('relu'), erf = fn('erf');
export const sin = fn('sin'), cos = fn('cos'), floor = fn('floor'), ceil = fn('ceil'), round = fn('round'), sign = fn('sign');
export const square = fn('square'), isnan = fn('isnan'), isinf = fn('isinf'), isfinite = fn('isfinite'), clamp = fn('clamp');
export const add = fn('add'), sub = fn('sub'), mul = fn('mul'), div = fn('div'), pow = fn('pow');
export const eq = fn('eq'), ne = fn('ne'), lt = fn('lt'), le = fn('le'), gt = fn('gt'), ge = fn('ge');
export const maximum = fn('maximum'), minimum = fn('minimum'), logicalAnd = fn('logicalAnd'), logicalOr = fn('logicalOr');
export const logicalNot = fn('logicalNot'), lerp = fn('lerp'), addcmul = fn('addcmul'), addcdiv = fn('addcdiv');
export const sum = fn('sum'), mean = fn('mean'), prod = fn('prod'), amax = fn('amax'), amin = fn('amin');
export const argmax = fn('argmax'), argmin = fn('argmin'), std = fn('std'), norm = fn('norm');
export const logsumexp = fn('logsumexp'), softmax = fn('softmax'), logSoftmax = fn('logSoftmax'), cumsum = fn('cumsum');
export const all = fn('all'), any = fn('any'), sort = fn('sort'), topk = fn('topk'), equal = fn('equal'), allclose = fn('allclose');
export const matmul = fn('matmul'), mm = fn('mm'), bmm = fn('bmm'), outer = fn('outer');
export const reshape = fn('reshape'), permute = fn('permute'), transpose = fn('transpose'), t = fn('t');
export const squeeze = fn('squeeze'), unsqueeze = fn('unsqueeze'), flatten = fn('flatten'), narrow = fn('narrow');
export const select = fn('select'), indexSelect = fn('indexSelect'), gather = fn('gather'), scatter = fn('scatter');
export const maskedFill = fn('maskedFill'), split = fn('split'), chunk = fn('chunk'), unbind = fn('unbind');
export const tril = fn('tril'), triu = fn('triu'), flip = fn('flip'), nonzero = fn('nonzero'), clone = fn('clone');

export function max(input: Tensor, dim?: number, keepdim?: boolean) {
  return dim === undefined ? input.max() : input.max(dim, keepdim);
}
export function min(input: Tensor, dim?: number, keepdim?: boolean) {
  return dim === undefined ? input.min() : input.min(dim, keepdim);
}
/** var is a reserved word in JavaScript; torch.var_ is its name here. */
export const var_ = fn('var');

export function where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar): Tensor {
  return N.where(condition, input, other);
}
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return N.cat(tensors, dim);
}
export const concat = cat;
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return N.stack(tensors, dim);
}
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return N.einsum(equation, operands);
}
