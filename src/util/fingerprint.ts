// Fingerprints identify a dataset's content and history, as in Hugging Face datasets: each
// transform hashes its parent's fingerprint with the transform's source and arguments.
// Functions cannot be hashed with their closures in JavaScript, so objects that shape a
// function's output (tokenizers) report their own fingerprint when called inside `map`.
// It lives in util/ because tokenizers (which report) and datasets (which hash) both use it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';

const dependencies = new AsyncLocalStorage<Set<string>>();

/** Called by tokenizers (and anything else with a fingerprint) when used inside a map function. */
export function recordFingerprintDependency(fingerprint: string): void {
  dependencies.getStore()?.add(fingerprint);
}

/** Runs fn, collecting the fingerprints of what it used (synchronously or across awaits). */
export function runRecordingDependencies<T>(deps: Set<string>, fn: () => T): T {
  return dependencies.run(deps, fn);
}

export function hashParts(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? `s${p.length}:` : `b${p.length}:`);
    h.update(p);
  }
  return h.digest('hex').slice(0, 16);
}

export function randomFingerprint(): string {
  return randomBytes(8).toString('hex');
}

/** Arguments as stable JSON: object keys sorted, functions by source, typed arrays as lists. */
export function stableStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'function') return `fn:${v.toString()}`;
    if (typeof v === 'bigint') return `${v}n`;
    if (v === undefined) return null;
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    const fp = (v as { fingerprint?: unknown }).fingerprint;
    if (typeof fp === 'string') return `fp:${fp}`;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON: () => unknown }).toJSON();
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, walk((v as Record<string, unknown>)[k])]));
  };
  return JSON.stringify(walk(value));
}
