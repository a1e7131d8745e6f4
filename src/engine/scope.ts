// Deterministic release of native memory. A tensor handle is freed by dispose(), by a
// `using` declaration, or by the tidy() scope it was created in; the garbage collector is
// only the backstop. It is told the size of every tensor that no scope will free (made
// outside tidy(), kept, or escaping to the top level), so it runs under memory pressure;
// a scope's temporaries are not reported, which spares training loops needless collections.
import { N } from './native.js';
//
// Disposing a handle never breaks autograd or views: libtorch reference-counts storage, and
// the graph keeps what backward needs. tidy() may therefore wrap a whole forward+backward.

interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
const kept = new WeakSet<Disposable>();

export function track(t: Disposable): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
  else N.reportExternalMemory(t);
}

/** Excludes a tensor from disposal by the enclosing tidy() scopes (parameters, optimizer state). */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  for (const scope of scopes) scope.delete(t);
  if (!t.isDisposed) N.reportExternalMemory(t);
  return t;
}

function collect(value: unknown, out: Set<unknown>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  // Raw memory holds no tensors; walking a large TypedArray element by element would be slow.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  seen.add(value);
  if ('isDisposed' in value && 'dispose' in value) {
    out.add(value);
    return;
  }
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  for (const item of items) collect(item, out, seen);
}

/** Disposes every tensor in a value (arrays, Maps, Sets and plain objects are searched). */
export function dispose(value: unknown): void {
  const found = new Set<unknown>();
  collect(value, found, new Set());
  for (const t of found) (t as Disposable).dispose();
}

/**
 * Runs fn and disposes every tensor created during it, except those reachable from its
 * result (arrays, Maps, Sets and objects are searched) and those passed to keep().
 * Survivors move to the enclosing scope. fn must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy(): the function returned a Promise; tidy() takes a synchronous function (dispose tensors explicitly in async code)');
  }
  const survivors = new Set<unknown>();
  collect(result, survivors, new Set());
  for (const t of scope) {
    if (survivors.has(t) || kept.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

export function scopeDepth(): number {
  return scopes.length;
}
