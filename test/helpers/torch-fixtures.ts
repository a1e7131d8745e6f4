// Reading the reference fixtures written by scripts/fixtures/make_engine_fixtures.py (real
// PyTorch) and comparing our tensors with them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { DType } from '../../src/engine/dtype.js';

/** A stored value: finite floats as numbers, non-finite ones as 'nan' | 'inf' | '-inf'. */
export type StoredNumber = number | boolean | 'nan' | 'inf' | '-inf';

export interface TensorSpec {
  dtype: DType;
  shape: number[];
  data: StoredNumber[];
}

export type OutputSpec =
  | { kind: 'tensor'; value: TensorSpec }
  | { kind: 'list'; value: OutputSpec[] }
  | { kind: 'number'; value: StoredNumber }
  | { kind: 'bool'; value: boolean };

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/engine/${name}`, import.meta.url), 'utf8')) as T;
}

export function decode(v: StoredNumber): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return Number(v);
}

/** The stored tensor, rebuilt exactly (float16/bfloat16 values are stored as their float32 values). */
export function fromSpec(spec: TensorSpec, options: { requiresGrad?: boolean } = {}): Tensor {
  const values = spec.data.map(decode);
  let data;
  switch (spec.dtype) {
    case 'float64': data = Float64Array.from(values); break;
    case 'int64': data = BigInt64Array.from(values, (v) => BigInt(v)); break;
    case 'int32': data = Int32Array.from(values); break;
    case 'int16': data = Int16Array.from(values); break;
    case 'int8': data = Int8Array.from(values); break;
    case 'uint8': case 'bool': data = Uint8Array.from(values); break;
    default: data = Float32Array.from(values);
  }
  const t = torch.tensor(data, { shape: spec.shape, dtype: spec.dtype });
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function valuesOf(t: Tensor): number[] {
  const raw = t.data();
  return raw instanceof BigInt64Array ? Array.from(raw, Number) : Array.from(raw as ArrayLike<number>);
}

export interface Tolerance {
  /** |actual − expected| ≤ atol + rtol·|expected| for floating-point dtypes; others are exact. */
  atol: number;
  rtol: number;
}

/** Largest |actual − expected| over the elements (floats), after checking dtype, shape and tolerance. */
export function assertTensorMatches(actual: Tensor, expected: TensorSpec, tol: Tolerance, label: string): number {
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const got = valuesOf(actual);
  const floating = ['float32', 'float64', 'float16', 'bfloat16'].includes(expected.dtype);
  // float32 values are stored as the shortest decimal that reads back as the same float32
  const want = expected.data.map((v) => (floating && expected.dtype !== 'float64' ? Math.fround(decode(v)) : decode(v)));
  let worst = 0;
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [got[i], want[i]];
    if (!floating || !Number.isFinite(e)) {
      if (!Object.is(a, e) && !(a === e)) bad.push(`[${i}] ${a} vs ${e}`);
      continue;
    }
    const err = Math.abs(a - e);
    worst = Math.max(worst, err);
    if (!(err <= tol.atol + tol.rtol * Math.abs(e))) bad.push(`[${i}] ${a} vs ${e} (|Δ| ${err.toExponential(2)})`);
  }
  assert.ok(bad.length === 0, `${label}: ${bad.length} of ${want.length} elements differ from PyTorch: ${bad.slice(0, 6).join(', ')}`);
  return worst;
}

/** Compares a tensor, a list of tensors (x.max(1), x.split(2), …) or a plain value with its stored output. */
export function assertOutputMatches(actual: unknown, expected: OutputSpec, tol: Tolerance, label: string): void {
  switch (expected.kind) {
    case 'tensor':
      assert.ok(actual !== null && typeof actual === 'object' && 'dtype' in actual, `${label}: expected a tensor`);
      assertTensorMatches(actual as Tensor, expected.value, tol, label);
      return;
    case 'list': {
      assert.ok(Array.isArray(actual), `${label}: expected a list`);
      assert.equal(actual.length, expected.value.length, `${label}: list length`);
      expected.value.forEach((e, i) => assertOutputMatches(actual[i], e, tol, `${label}[${i}]`));
      return;
    }
    case 'bool':
      assert.equal(actual, expected.value, label);
      return;
    case 'number':
      assert.ok(Math.abs((actual as number) - decode(expected.value)) <= tol.atol + tol.rtol * Math.abs(decode(expected.value)), label);
  }
}
