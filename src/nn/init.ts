// torch.nn.init: the same arithmetic and the same random draws as PyTorch, so that a given
// seed initialises a layer to the same numbers in both.
import { noGrad } from '../engine/autograd.js';
import { N } from '../engine/native.js';
import type { Tensor } from '../engine/tensor.js';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

// transformers' no_init_weights(): while a model is built only to have a checkpoint copied
// over it, the layers' own default initialisation (kaiming for Linear, normal for Embedding)
// is wasted work, most of the time to load BERT-base. A depth counter (not a flag) so that
// scopes nest; the finally restores it even when the constructor throws.
let skipDepth = 0;

/**
 * Runs `fn` with the layers' default initialisation skipped: Linear and Embedding created
 * inside leave their (uninitialised) weights as allocated, and PreTrainedModel.postInit skips
 * _init_weights. Whoever uses it must then fill every weight (fromPretrained copies the
 * checkpoint and initialises what it lacks). Synchronous only: the scope ends when fn returns.
 */
export function noInitWeights<T>(fn: () => T): T {
  skipDepth++;
  let result: T;
  try {
    result = fn();
  } finally {
    skipDepth--;
  }
  if (result instanceof Promise) throw new TypeError('noInitWeights: fn must be synchronous (the scope would end at its first await)');
  return result;
}

/** Whether default initialisation is on (false inside noInitWeights). */
export function initEnabled(): boolean {
  return skipDepth === 0;
}

export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case 'selu': return 3 / 4;
    default: throw new Error(`calculateGain: unsupported nonlinearity ${nonlinearity}`);
  }
}

export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  const shape = tensor.shape;
  if (shape.length < 2) throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

function fan(tensor: Tensor, mode: FanMode): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return mode === 'fan_in' ? fanIn : fanOut;
}

export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  noGrad(() => N.uniform_(tensor, a, b));
  return tensor;
}

export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  noGrad(() => N.normal_(tensor, mean, std));
  return tensor;
}

export function constant_(tensor: Tensor, value: number): Tensor {
  noGrad(() => N.fill_(tensor, value));
  return tensor;
}

export const zeros_ = (tensor: Tensor): Tensor => constant_(tensor, 0);
export const ones_ = (tensor: Tensor): Tensor => constant_(tensor, 1);

/** erf through libtorch (JavaScript has none), the same libm function Python's math.erf uses. */
function erf(x: number): number {
  const t = N.scalarTensor(x, 'float64');
  const y = N.erf(t);
  const value = y.item();
  t.dispose();
  y.dispose();
  return value;
}

/** Normal(mean, std) truncated to [a, b], by inverse-CDF sampling as PyTorch does. */
export function truncNormal_(tensor: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  const normCdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2;
  const low = normCdf((a - mean) / std);
  const high = normCdf((b - mean) / std);
  noGrad(() => {
    N.uniform_(tensor, 2 * low - 1, 2 * high - 1);
    N.erfinv_(tensor);
    N.mul_(tensor, std * Math.SQRT2);
    N.add_(tensor, mean);
    N.clamp_(tensor, a, b);
  });
  return tensor;
}

export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  // PyTorch's order of operations, so that the bound is the same double
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  const bound = Math.sqrt(3) * std;
  return uniform_(tensor, -bound, bound);
}

export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export function kaimingUniform_(tensor: Tensor, a = 0, mode: FanMode = 'fan_in', nonlinearity: Nonlinearity = 'leaky_relu'): Tensor {
  const bound = Math.sqrt(3) * (calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode)));
  return uniform_(tensor, -bound, bound);
}

export function kaimingNormal_(tensor: Tensor, a = 0, mode: FanMode = 'fan_in', nonlinearity: Nonlinearity = 'leaky_relu'): Tensor {
  return normal_(tensor, 0, calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode)));
}
