// Reading the reference values written by scripts/fixtures/make_metric_fixtures.py (sklearn 1.2,
// scipy 1.10) and comparing our results with them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export type Stored = number | string | boolean | null | Stored[] | { [k: string]: Stored };

export interface Case {
  fn: string;
  tag: string;
  args: number[];
  kwargs: Record<string, Stored | { ref: number }>;
  expected?: Stored;
  error?: string;
}

export function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/metrics/${name}`, import.meta.url), 'utf8')) as T;
}

const inputs = load<Stored[]>('inputs.json');

export function input(i: number): Stored {
  return inputs[i];
}

/** snake_case sklearn keyword arguments → our camelCase options, with array references resolved. */
export function options(kwargs: Case['kwargs']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    const key = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[key] = v !== null && typeof v === 'object' && !Array.isArray(v) && 'ref' in v ? inputs[v.ref as number] : v;
  }
  return out;
}

export function decode(v: Stored): Stored {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (Array.isArray(v)) return v.map(decode);
  return v;
}

/** Deep comparison with a numeric tolerance |a - b| <= atol + rtol·|b| (NaN equals NaN). */
export function assertClose(actual: unknown, expected: Stored, where: string, atol = 1e-12, rtol = 0): void {
  const e = decode(expected);
  if (typeof e === 'number') {
    assert.equal(typeof actual, 'number', `${where}: expected a number, got ${JSON.stringify(actual)}`);
    const a = actual as number;
    if (Number.isNaN(e)) return assert.ok(Number.isNaN(a), `${where}: expected NaN, got ${a}`);
    if (!Number.isFinite(e)) return assert.equal(a, e, where);
    assert.ok(Math.abs(a - e) <= atol + rtol * Math.abs(e), `${where}: ${a} vs sklearn ${e} (diff ${Math.abs(a - e)})`);
    return;
  }
  if (Array.isArray(e)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`);
    assert.equal((actual as unknown[]).length, e.length, `${where}: length`);
    e.forEach((x, i) => assertClose((actual as unknown[])[i], x, `${where}[${i}]`, atol, rtol));
    return;
  }
  if (e !== null && typeof e === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${where}: expected an object`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(e).sort(), `${where}: keys`);
    for (const [k, x] of Object.entries(e)) assertClose((actual as Record<string, unknown>)[k], x, `${where}.${k}`, atol, rtol);
    return;
  }
  assert.equal(actual, e, where);
}
