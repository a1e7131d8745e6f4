// Gradient mode and torch.autograd: noGrad/enableGrad contexts, grad(), and a numerical
// gradient check used by the tests of every differentiable op.
import { N } from './native.js';
import { Tensor } from './tensor.js';
import { tidy } from './scope.js';

export function isGradEnabled(): boolean {
  return N.isGradEnabled();
}

export function setGradEnabled(enabled: boolean): void {
  N.setGradEnabled(enabled);
}

/**
 * Runs fn inside a context that `restore` closes when fn returns, throws, or — for an async
 * fn — when its Promise settles (meanwhile the context also covers other code that runs).
 */
export function withContext<T>(fn: () => T, restore: () => void): T {
  let result: T;
  try {
    result = fn();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = N.isGradEnabled();
  N.setGradEnabled(enabled);
  return withContext(fn, () => N.setGradEnabled(previous));
}

/** torch.no_grad(): fn runs without recording autograd history. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * torch.inference_mode(): noGrad, and more — the tensors fn makes are inference tensors, which
 * skip autograd's version counters and view tracking and can never be saved for backward (an
 * in-place update to one outside inference mode is an error). For inference only; the Trainer's
 * evaluation keeps noGrad, as transformers' does. `mode: false` turns it off inside one.
 */
export function inferenceMode<T>(fn: () => T, mode = true): T {
  N.enterInferenceMode(mode);
  return withContext(fn, () => N.exitInferenceMode());
}

export function isInferenceModeEnabled(): boolean {
  return N.isInferenceModeEnabled();
}

/** torch.enable_grad(): fn records history even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export interface GradOptions {
  gradOutputs?: Tensor[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** torch.autograd.grad: gradients of outputs with respect to inputs, without touching .grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  return N.autogradGrad(outs, ins, options.gradOutputs, options.retainGraph, options.createGraph, options.allowUnused);
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares autograd's gradient of sum(fn(inputs) * v), v random, with central finite
 * differences, for every element of every input that requires grad (those must be
 * contiguous float64 CPU tensors; other inputs, such as indices, are passed through).
 * Returns the largest discrepancy found and throws if any exceeds atol + rtol * |numerical|
 * or is not a number (a NaN or infinite gradient on either side fails the check).
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): number {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  for (const [i, t] of inputs.entries()) {
    if (!(t instanceof Tensor)) throw new TypeError(`gradcheck: input ${i} is not a Tensor`);
    if (!t.requiresGrad) continue;
    if (t.dtype !== 'float64') throw new TypeError(`gradcheck: input ${i} must be float64, got ${t.dtype}`);
    if (!t.isContiguous() || t.device !== 'cpu') throw new TypeError(`gradcheck: input ${i} must be a contiguous CPU tensor`);
  }
  const differentiable = inputs.filter((t) => t.requiresGrad);
  if (differentiable.length === 0) throw new TypeError('gradcheck: no input requires grad');
  return tidy(() => {
    const output = fn(...inputs);
    if (!(output instanceof Tensor)) throw new TypeError('gradcheck: fn must return a Tensor');
    const probe = N.randnLike(output.detach());
    const objective = (): number => tidy(() => N.sum(N.mul(fn(...inputs), probe)).item());
    const analytic = grad(N.sum(N.mul(fn(...inputs), probe)), differentiable, { allowUnused: true });
    let worst = 0;
    noGrad(() => {
      differentiable.forEach((input, k) => {
        const values = input.data() as Float64Array; // a live view of the input's memory
        const expected = analytic[k]?.data() as Float64Array | undefined;
        for (let e = 0; e < values.length; e++) {
          const original = values[e];
          let plus: number, minus: number;
          try {
            values[e] = original + eps;
            plus = objective();
            values[e] = original - eps;
            minus = objective();
          } finally {
            values[e] = original;
          }
          const numerical = (plus - minus) / (2 * eps);
          const analyticValue = expected ? expected[e] : 0;
          const error = Math.abs(numerical - analyticValue);
          // Written so that NaN fails: NaN compares false with everything.
          if (!(error <= atol + rtol * Math.abs(numerical))) {
            throw new Error(`gradcheck: input ${inputs.indexOf(input)} element ${e}: analytical ${analyticValue} vs numerical ${numerical}`);
          }
          worst = Math.max(worst, error);
        }
      });
    });
    return worst;
  });
}
