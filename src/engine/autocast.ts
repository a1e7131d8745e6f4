// torch.autocast: inside fn, eligible ops (matrix products, linear) run in a lower precision
// (bfloat16 on CPU, float16 or bfloat16 on CUDA) while numerically sensitive ones
// (softmax, layer norm, losses) stay in float32 — libtorch's own autocast lists.
import { N } from './native.js';
import { withContext } from './autograd.js';
import { warnIfSlowBf16 } from './cpu.js';
import type { DType } from './dtype.js';

export interface AutocastOptions {
  dtype?: DType;
  enabled?: boolean;
}

export function autocast<T>(deviceType: 'cpu' | 'cuda', options: AutocastOptions, fn: () => T): T;
export function autocast<T>(deviceType: 'cpu' | 'cuda', fn: () => T): T;
export function autocast<T>(deviceType: 'cpu' | 'cuda', optionsOrFn: AutocastOptions | (() => T), maybeFn?: () => T): T {
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn!;
  const dtype = options.dtype ?? (deviceType === 'cpu' ? 'bfloat16' : 'float16');
  if (deviceType === 'cpu' && dtype === 'bfloat16' && options.enabled !== false) warnIfSlowBf16();
  const [wasEnabled, previousDtype] = N.getAutocast(deviceType) as [boolean, DType];
  N.setAutocast(deviceType, options.enabled ?? true, dtype);
  N.autocastIncrementNesting();
  return withContext(fn, () => {
    N.autocastDecrementNesting();
    N.setAutocast(deviceType, wasEnabled, previousDtype);
  });
}

export function isAutocastEnabled(deviceType: 'cpu' | 'cuda' = 'cuda'): boolean {
  return (N.getAutocast(deviceType) as [boolean, DType])[0];
}
