// transformers' ACT2FN: the activation named by a config's hidden_act / activation.
import type { Tensor } from '../engine/tensor.js';
import * as F from '../nn/functional.js';

export const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  gelu: (x) => F.gelu(x),
  relu: (x) => F.relu(x),
  silu: (x) => F.silu(x),
  swish: (x) => F.silu(x),
  tanh: (x) => F.tanh(x),
  gelu_new: (x) => F.gelu(x, 'tanh'),
  gelu_pytorch_tanh: (x) => F.gelu(x, 'tanh'),
  gelu_fast: (x) => F.gelu(x, 'tanh'),
};

export function getActivation(name: string): (x: Tensor) => Tensor {
  const fn = ACTIVATIONS[name];
  if (!fn) throw new Error(`activation function ${JSON.stringify(name)} not found in ACT2FN (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return fn;
}
