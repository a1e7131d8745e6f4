// The native CPU memory cache (native/src/allocator.cc): blocks of 64 KiB and more are
// reused across steps instead of going back to the OS; these expose and release it.
import { N } from './native.js';

export interface MemoryStats {
  /** Bytes held by live tensors (blocks of 64 KiB and more). */
  inUseBytes: number;
  /** Freed bytes kept for reuse. */
  cachedBytes: number;
  peakInUseBytes: number;
  /** The most the cache keeps (FINETUNE_CPU_CACHE_MB; default max(2 GiB, RAM/4)). */
  cacheLimitBytes: number;
}

export function memoryStats(): MemoryStats {
  const [inUseBytes, cachedBytes, peakInUseBytes, cacheLimitBytes] = N.memoryStats() as number[];
  return { inUseBytes, cachedBytes, peakInUseBytes, cacheLimitBytes };
}

/** Returns cached blocks to the operating system (as torch.cuda.empty_cache does for CUDA). */
export function emptyCache(): void {
  N.emptyCache();
}
