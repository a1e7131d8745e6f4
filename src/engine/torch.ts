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
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, inferenceMode, isInferenceModeEnabled } from './autograd.js';
export { autocast, isAutocastEnabled } from './autocast.js';
export { cpuCapabilities, capabilitiesFromFlags } from './cpu.js';
export type { CpuCapabilities, Bf16Support } from './cpu.js';
export type { AutocastOptions } from './autocast.js';
export * as autograd from './autograd.js';
export * as profiler from './profiler.js';
export { tidy, keep, dispose } from './scope.js';
export { saveSafetensors, loadSafetensors, readSafetensorsHeader } from './safetensors.js';
export type { SafetensorsFile, TensorInfo } from './safetensors.js';

