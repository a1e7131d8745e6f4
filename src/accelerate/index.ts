// Accelerate's API: the Accelerator a training loop asks about processes, devices and precision.
export { Accelerator } from './accelerator.js';
export type { AcceleratorOptions, DistributedType, GradientState, MixedPrecision, TrainingStateParts } from './accelerator.js';
