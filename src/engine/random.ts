// Seeds, generator state and threads: libtorch's global CPU generator, the same one PyTorch
// uses, so the same seed gives the same numbers as torch.manual_seed in Python.
import { N } from './native.js';
import type { Tensor } from './tensor.js';
import { isDevice, type Device } from './dtype.js';

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
// at::set_num_threads takes a C int: a larger count would wrap (2^32 + 2 became 2 threads).
const MAX_THREADS = 2 ** 31 - 1;

export function setNumThreads(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setNumThreads: argument 0: the number of threads must be an integer from 1 to ${MAX_THREADS}, got ${n}`);
  }
  N.setNumThreads(n);
}
export function getNumThreads(): number {
  return N.getNumThreads();
}
export const cuda = {
  isAvailable: (): boolean => N.cudaIsAvailable(),
  deviceCount: (): number => N.cudaDeviceCount(),
  /**
   * As torch.cuda.empty_cache() in a tutorial's cleanup: returns finetune's cached CPU blocks to
   * the system. libtorch's CUDA allocator cache is not reachable from the addon, so GPU blocks stay cached.
   */
  emptyCache: (): void => N.emptyCache(),
};

/**
 * torch.device('cuda' if available else 'cpu'): the device as the string every `device`
 * option and `.to()` takes ('cpu', 'cuda', 'cuda:1'), checked here.
 */
export function device(type: string, index?: number): Device {
  const spec = index === undefined ? type : `${type}:${index}`;
  if (!isDevice(spec)) throw new TypeError(`torch.device: expected 'cpu', 'cuda' or 'cuda:<index>', got ${JSON.stringify(spec)}`);
  return spec;
}
/** The libtorch version the addon was built against. */
export const libtorchVersion: string = N.version();
