// Seeds, generator state and threads: libtorch's global CPU generator, the same one PyTorch
// uses, so the same seed gives the same numbers as torch.manual_seed in Python.
import { N } from './native.js';
import type { Tensor } from './tensor.js';

export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`manualSeed: expected a non-negative integer, got ${seed}`);
  N.manualSeed(seed);
}
export function initialSeed(): number {
  return N.initialSeed();
}
/** The generator state as a uint8 tensor (for checkpoints); setRngState restores it. */
export function getRngState(): Tensor {
  return N.getRngState();
}
export function setRngState(state: Tensor): void {
  N.setRngState(state);
}
export function setNumThreads(n: number): void {
  N.setNumThreads(n);
}
export function getNumThreads(): number {
  return N.getNumThreads();
}
export const cuda = {
  isAvailable: (): boolean => N.cudaIsAvailable(),
  deviceCount: (): number => N.cudaDeviceCount(),
};
/** The libtorch version the addon was built against. */
export const libtorchVersion: string = N.version();
