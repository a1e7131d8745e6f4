// The `torch` namespace: `import { torch } from 'finetune'`.
export { Tensor } from './tensor.js';
export type { Scalar, NestedArray, TypedArray, BackwardOptions } from './tensor.js';
export type { ValuesIndices, ShapeArg } from './tensor-ops.js';
export type { DType, Device } from './dtype.js';
export * from './factories.js';
export * from './ops.js';
export * from './random.js';
export { memoryStats, emptyCache } from './memory.js';
export type { MemoryStats } from './memory.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd.js';
export { autocast, isAutocastEnabled } from './autocast.js';
export type { AutocastOptions } from './autocast.js';
export * as autograd from './autograd.js';
export { tidy, keep } from './scope.js';
export { saveSafetensors, loadSafetensors, readSafetensorsHeader } from './safetensors.js';
export type { SafetensorsFile, TensorInfo } from './safetensors.js';

import type { Tensor } from './tensor.js';

/** Disposes every tensor in a value (arrays, Maps and plain objects are searched). */
export function dispose(value: unknown): void {
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if ('dispose' in v && 'isDisposed' in v) return (v as Tensor).dispose();
    if (ArrayBuffer.isView(v)) return; // no tensors inside, and walking it would visit every element
    for (const item of Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v)) walk(item);
  };
  walk(value);
}
