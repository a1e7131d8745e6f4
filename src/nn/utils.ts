// torch.nn.utils
import { N } from '../engine/native.js';
import { noGrad } from '../engine/autograd.js';
import { Tensor } from '../engine/tensor.js';

/** The gradients of a parameter list (or of one tensor, as PyTorch accepts). */
function gradsOf(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/**
 * Scales gradients in place so that their total norm is at most maxNorm, and returns the
 * total norm before clipping (a 0-dim tensor), as torch.nn.utils.clip_grad_norm_.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, errorIfNonfinite = false): Tensor {
  const grads = gradsOf(parameters);
  const total: Tensor = N.clipGradNorm(grads, maxNorm, normType, errorIfNonfinite);
  for (const g of grads) g.dispose();
  return total;
}

/** Clamps every gradient element to [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const grads = gradsOf(parameters);
  noGrad(() => grads.forEach((g) => g.clamp_(-clipValue, clipValue)));
  for (const g of grads) g.dispose();
}
