// Arrow columns: building them from JavaScript values (checked against their feature) or
// from flat integer rows, and reading values back as plain JavaScript.
import * as arrow from 'apache-arrow';
import type { Ragged } from '../tokenizers/batch-encoding.js';
import { arrowType, ClassLabel, Sequence, Value, type Feature } from './features.js';

export type Column = arrow.Vector;

/** Where a bad value came from, for error messages ("train.tsv:12"). */
export type Locator = (row: number) => string;

const TYPED: Record<string, new (n: number) => ArrayLike<number> & { [i: number]: number }> = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array,
  float16: Float32Array, float32: Float32Array, float64: Float64Array,
};

function fail(locate: Locator | undefined, row: number, message: string): never {
  throw new TypeError(locate ? `${locate(row)}: ${message}` : `row ${row}: ${message}`);
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'` : String(v);
}

function nullBitmap(values: readonly unknown[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return { bitmap, nullCount };
}

/** A column from JavaScript values, converted and checked against the feature. */
export function buildColumn(values: readonly unknown[], feature: Feature, locate?: Locator): Column {
  return arrow.makeVector(buildData(values, feature, locate));
}

function buildData(values: readonly unknown[], feature: Feature, locate?: Locator): arrow.Data {
  const n = values.length;
  const type = arrowType(feature);
  const { bitmap, nullCount } = nullBitmap(values);
  const base = { type, length: n, nullCount, nullBitmap: nullCount ? bitmap : undefined };
  if (feature instanceof Sequence) {
    const offsets = new Int32Array(n + 1);
    const flat: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) {
        if (!Array.isArray(v) && !ArrayBuffer.isView(v)) fail(locate, i, `expected a list, found ${describe(v)}`);
        const list = v as ArrayLike<unknown>;
        if (feature.length >= 0 && list.length !== feature.length) fail(locate, i, `expected a list of length ${feature.length}, found ${list.length}`);
        for (let j = 0; j < list.length; j++) flat.push(list[j]);
      }
      offsets[i + 1] = flat.length;
    }
    const child = buildData(flat, feature.feature, locate && ((j) => `${locate(rowOfFlat(offsets, j))} (list item)`));
    return arrow.makeData({ ...base, type: type as arrow.List, valueOffsets: offsets, child });
  }
  if (feature instanceof ClassLabel) {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      try {
        out[i] = BigInt(feature.encode(v));
      } catch (e) {
        fail(locate, i, (e as Error).message);
      }
    }
    return arrow.makeData({ ...base, type: type as arrow.Int64, data: out });
  }
  const d = feature.dtype;
  if (d === 'string' || d === 'large_string') {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && v !== undefined && typeof v !== 'string') fail(locate, i, `expected a string, found ${describe(v)}`);
    }
    return buildUtf8(values as (string | null | undefined)[], base.nullBitmap, nullCount);
  }
  if (d === 'bool') {
    const bits = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'boolean') fail(locate, i, `expected true or false, found ${describe(v)}`);
      if (v) bits[i >> 3] |= 1 << (i & 7);
    }
    return arrow.makeData({ ...base, type: type as arrow.Bool, data: bits });
  }
  if (d === 'null') return arrow.makeData({ type: new arrow.Null(), length: n });
  const integral = /int/.test(d);
  const check = (v: unknown, i: number): number => {
    const x = typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : v;
    if (typeof x !== 'number' || Number.isNaN(x) && integral) fail(locate, i, `expected ${integral ? 'an integer' : 'a number'} (${d}), found ${describe(v)}`);
    if (integral && !Number.isInteger(x)) fail(locate, i, `expected an integer (${d}), found ${x}`);
    // Typed arrays wrap out-of-range integers silently (300 in an int8 column became 44).
    if (integral && (x < INT_RANGE[d][0] || x > INT_RANGE[d][1])) fail(locate, i, `${x} is out of range for ${d}`);
    return x as number;
  };
  if (d === 'int64' || d === 'uint64') {
    const out = d === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) if (values[i] !== null && values[i] !== undefined) out[i] = exactInt64(values[i], d, (what) => fail(locate, i, what), () => check(values[i], i));
    return arrow.makeData({ ...base, type: type as arrow.Int64, data: out as BigInt64Array });
  }
  const out = new TYPED[d](n);
  for (let i = 0; i < n; i++) if (values[i] !== null && values[i] !== undefined) out[i] = check(values[i], i);
  return arrow.makeData({ ...base, type: type as arrow.Int32, data: out as Int32Array });
}

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [0, 255], uint16: [0, 65535], uint32: [0, 2 ** 32 - 1],
  int64: [-(2 ** 63), 2 ** 63], uint64: [0, 2 ** 64], // checked exactly by exactInt64
};
const BIG_RANGE = { int64: [-(2n ** 63n), 2n ** 63n - 1n], uint64: [0n, 2n ** 64n - 1n] } as const;

/** A 64-bit integer value, exact for bigints (BigInt64Array would wrap 12345678901234567891). */
function exactInt64(v: unknown, d: 'int64' | 'uint64', fail: (what: string) => never, asNumber: () => number): bigint {
  const big = typeof v === 'bigint' ? v : BigInt(asNumber());
  if (big < BIG_RANGE[d][0] || big > BIG_RANGE[d][1]) fail(`${big} is out of range for ${d}`);
  return big;
}

/** A stored 64-bit integer as a number, or as a bigint when a number would round it. */
const exactNumber = (v: bigint): number | bigint => (v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v);

/** UTF-8 bytes written straight into one buffer (much faster than Arrow's generic builder). */
function buildUtf8(values: readonly (string | null | undefined)[], nullBitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
  const n = values.length;
  let bound = 0;
  for (let i = 0; i < n; i++) bound += (values[i]?.length ?? 0) * 3;
  const scratch = Buffer.allocUnsafe(bound);
  const offsets = new Int32Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v) pos += scratch.write(v, pos, 'utf8');
    offsets[i + 1] = pos;
  }
  const data = new Uint8Array(pos);
  data.set(scratch.subarray(0, pos));
  return arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount, nullBitmap, valueOffsets: offsets, data });
}

function rowOfFlat(offsets: Int32Array, j: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= j) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A list-of-integers column straight from flat rows (what tokenizers produce). */
export function buildRaggedColumn(r: Ragged, feature: Sequence): Column {
  const item = feature.feature;
  if (!(item instanceof Value) || !/int/.test(item.dtype) || item.dtype.endsWith('64')) {
    return buildColumn(Array.from({ length: r.offsets.length - 1 }, (_, i) => r.values.subarray(r.offsets[i], r.offsets[i + 1])), feature);
  }
  const base = r.offsets[0];
  const offsets = base === 0 ? r.offsets : r.offsets.map((o) => o - base);
  const src = r.values.subarray(base, r.offsets[r.offsets.length - 1]);
  const Ctor = TYPED[item.dtype] as unknown as { from(a: ArrayLike<number>): Int32Array };
  const values = item.dtype === 'int32' ? src : Ctor.from(src);
  const child = arrow.makeData({ type: arrowType(item) as arrow.Int32, length: values.length, data: values as Int32Array });
  return arrow.makeVector(arrow.makeData({ type: arrowType(feature) as arrow.List, length: offsets.length - 1, nullCount: 0, valueOffsets: offsets, child }));
}

/** Fast reads from one column: chunk lookup done once, values converted to plain JavaScript. */
export class ColumnReader {
  private readonly chunks: readonly arrow.Data[];
  private readonly starts: number[];
  private readonly kind: 'int64' | 'primitive' | 'list' | 'utf8' | 'generic';
  private readonly buffers: Buffer[] = [];

  constructor(readonly vector: Column, readonly feature: Feature) {
    this.chunks = vector.data;
    this.starts = [];
    let s = 0;
    for (const c of this.chunks) { this.starts.push(s); s += c.length; }
    const t = vector.type;
    if (arrow.DataType.isInt(t) && t.bitWidth === 64) this.kind = 'int64';
    else if (arrow.DataType.isList(t) && (arrow.DataType.isInt(t.children[0].type) || arrow.DataType.isFloat(t.children[0].type)) && (t.children[0].type as arrow.Int).bitWidth !== 64) this.kind = 'list';
    else if (arrow.DataType.isInt(t) || arrow.DataType.isFloat(t)) this.kind = 'primitive';
    else if (arrow.DataType.isUtf8(t)) {
      this.kind = 'utf8';
      // Buffer.toString decodes UTF-8 several times faster than Arrow's TextDecoder path.
      this.buffers = this.chunks.map((c) => Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength));
    }
    else this.kind = 'generic';
  }

  private locate(p: number): [arrow.Data, number] {
    if (this.chunks.length === 1) return [this.chunks[0], p];
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return [this.chunks[lo], p - this.starts[lo]];
  }

  private isNull(data: arrow.Data, i: number): boolean {
    if (!data.nullCount) return false;
    const j = data.offset + i;
    return (data.nullBitmap[j >> 3] & (1 << (j & 7))) === 0;
  }

  /** A list row as a view on the stored values (no copy); null for a null row. */
  listView(p: number): Int32Array | Int8Array | Float32Array | null {
    const [data, i] = this.locate(p);
    if (this.isNull(data, i)) return null;
    const offs = data.valueOffsets;
    const child = data.children[0];
    return (child.values as Int32Array).subarray(child.offset + offs[data.offset + i], child.offset + offs[data.offset + i + 1]);
  }

  get(p: number): unknown {
    switch (this.kind) {
      case 'list': { const v = this.listView(p); return v === null ? null : Array.from(v); }
      case 'int64': { const [data, i] = this.locate(p); return this.isNull(data, i) ? null : exactNumber((data.values as BigInt64Array)[data.offset + i]); }
      case 'primitive': { const [data, i] = this.locate(p); return this.isNull(data, i) ? null : (data.values as Float64Array)[data.offset + i]; }
      case 'utf8': {
        const [data, i] = this.locate(p);
        if (this.isNull(data, i)) return null;
        const k = this.chunks.length === 1 ? 0 : this.chunks.indexOf(data);
        const offs = data.valueOffsets;
        return this.buffers[k].toString('utf8', offs[data.offset + i], offs[data.offset + i + 1]);
      }
      default: return toJS(this.vector.get(p));
    }
  }

  range(start: number, end: number): unknown[] {
    const out = new Array(end - start);
    for (let p = start; p < end; p++) out[p - start] = this.get(p);
    return out;
  }

  gather(indices: ArrayLike<number>, start = 0, end = indices.length): unknown[] {
    const out = new Array(end - start);
    for (let k = start; k < end; k++) out[k - start] = this.get(indices[k]);
    return out;
  }
}

/** Arrow values (vectors, structs, bigints) as plain JavaScript. */
export function toJS(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof arrow.Vector) return Array.from(v, toJS);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? Number(x) : x));
  return v ?? null;
}

/** Values gathered by physical row indices into a new single-chunk column. */
export function gatherColumn(vector: Column, feature: Feature, indices: ArrayLike<number>): Column {
  const reader = new ColumnReader(vector, feature);
  if (feature instanceof Sequence && reader['kind'] === 'list') {
    const offsets = new Int32Array(indices.length + 1);
    const views = Array.from({ length: indices.length }, (_, k) => reader.listView(indices[k]));
    views.forEach((v, k) => { offsets[k + 1] = offsets[k] + (v ? v.length : 0); });
    if (views.every((v) => v !== null) && views.length > 0) {
      const Ctor = (views[0] as Int32Array).constructor as new (n: number) => Int32Array;
      const values = new Ctor(offsets[indices.length]);
      views.forEach((v, k) => values.set(v as Int32Array, offsets[k]));
      const child = arrow.makeData({ type: (vector.type as arrow.List).children[0].type as arrow.Int32, length: values.length, data: values });
      return arrow.makeVector(arrow.makeData({ type: vector.type as arrow.List, length: indices.length, nullCount: 0, valueOffsets: offsets, child }));
    }
  }
  return buildColumn(reader.gather(indices), feature);
}
