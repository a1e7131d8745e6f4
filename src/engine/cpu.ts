// What this CPU can do for reduced precision. libtorch runs bfloat16 matrix products through
// oneDNN when the CPU has AVX-512 (natively with AVX512_BF16 or AMX, emulated with plain
// AVX-512); on an AVX2-only CPU it falls back to scalar conversion loops, which a session
// measured at 15-36x slower than float32 on an AVX2 EPYC. Read once from /proc/cpuinfo.
import { readFileSync } from 'node:fs';

export type Bf16Support = 'native' | 'emulated' | 'slow';

export interface CpuCapabilities {
  /** The flags that matter here (avx2, avx512f, avx512bw, avx512_bf16, amx_bf16, …), from /proc/cpuinfo. */
  flags: ReadonlySet<string>;
  /** 'AVX512', 'AVX2' or 'DEFAULT', as torch.backends.cpu.get_cpu_capability() reports the kernels' level. */
  capability: 'AVX512' | 'AVX2' | 'DEFAULT';
  bf16: Bf16Support;
}

/** The capabilities a list of CPU flags gives (x86 names as in /proc/cpuinfo; aarch64's 'bf16'). */
export function capabilitiesFromFlags(flags: Iterable<string>): CpuCapabilities {
  const set = new Set(flags);
  const avx512 = ['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'].every((f) => set.has(f));
  const capability = avx512 ? 'AVX512' : set.has('avx2') ? 'AVX2' : 'DEFAULT';
  const native = set.has('avx512_bf16') || set.has('amx_bf16') || set.has('bf16');
  return { flags: set, capability, bf16: native ? 'native' : avx512 ? 'emulated' : 'slow' };
}

let cached: CpuCapabilities | null = null;

export function cpuCapabilities(): CpuCapabilities {
  if (cached) return cached;
  let flags: string[] = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = (/^(?:flags|Features)\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/).filter(Boolean);
  } catch {
    // no /proc/cpuinfo (not Linux): assume nothing beyond the baseline
  }
  cached = capabilitiesFromFlags(flags);
  return cached;
}

const COST = 'bfloat16 matrix products have no fast path on this CPU (no AVX-512: libtorch converts element by element), measured at 15-36x slower than float32 on an AVX2-only CPU';

/** The sentence a warning or error about bf16 on this CPU carries. */
export function slowBf16Explanation(): string {
  return COST;
}

let warned = false;

/** Warns once per process when bf16 autocast runs on a CPU without a fast bf16 path. */
export function warnIfSlowBf16(capabilities: CpuCapabilities = cpuCapabilities()): void {
  if (warned || capabilities.bf16 !== 'slow') return;
  warned = true;
  process.emitWarning(`torch.autocast('cpu', { dtype: 'bfloat16' }): ${COST}. Run in float32 (no autocast) on this machine.`, { code: 'FINETUNE_SLOW_BF16' });
}
