// Dequantizing ggml blocks to float32, as the `gguf` Python package (gguf-py/gguf/quants.py)
// does and transformers' load_gguf_checkpoint uses. The arithmetic is gguf-py's, in its order,
// in float32: each product and sum is rounded with Math.fround, so the results are bit-exact
// (a float32 product or sum computed in float64 and rounded once equals the float32 result).
import type { GgmlTypeInfo } from './types.js';

const f32 = Math.fround;

/** Every float16 bit pattern's value, built once (IEEE half: 1 sign, 5 exponent, 10 mantissa bits). */
const HALF = (() => {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) bits[h] = ((h & 0x8000) << 16) | 0x7f800000 | (frac << 13); // infinities; NaNs keep their payload
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return table;
})();

type Dequantizer = (src: Uint8Array, out: Float32Array) => void;

const half = (b: Uint8Array, at: number): number => HALF[b[at] | (b[at + 1] << 8)];

function f16(src: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = half(src, 2 * i);
}

function bf16(src: Uint8Array, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) bits[i] = (src[2 * i] | (src[2 * i + 1] << 8)) << 16;
}

function f32Copy(src: Uint8Array, out: Float32Array): void {
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(src);
}

// 32-value blocks: a float16 scale d (and minimum m), 4-bit values packed two to a byte
// (low nibbles are values 0-15, high nibbles 16-31), the 5th bit (Q5) in a u32.
function q4_0(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 18, o += 32) {
    const d = half(src, b);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 2 + j];
      out[o + j] = f32(d * ((q & 0xf) - 8));
      out[o + j + 16] = f32(d * ((q >> 4) - 8));
    }
  }
}

function q4_1(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 20, o += 32) {
    const d = half(src, b), m = half(src, b + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 4 + j];
      out[o + j] = f32(f32(d * (q & 0xf)) + m);
      out[o + j + 16] = f32(f32(d * (q >> 4)) + m);
    }
  }
}

const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

function q5_0(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 22, o += 32) {
    const d = half(src, b), qh = u32(src, b + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 6 + j];
      out[o + j] = f32(d * (((q & 0xf) | (((qh >>> j) & 1) << 4)) - 16));
      out[o + j + 16] = f32(d * (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16));
    }
  }
}

function q5_1(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 24, o += 32) {
    const d = half(src, b), m = half(src, b + 2), qh = u32(src, b + 4);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 8 + j];
      out[o + j] = f32(f32(d * ((q & 0xf) | (((qh >>> j) & 1) << 4))) + m);
      out[o + j + 16] = f32(f32(d * ((q >> 4) | (((qh >>> (j + 16)) & 1) << 4))) + m);
    }
  }
}

function q8_0(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 34, o += 32) {
    const d = half(src, b);
    for (let j = 0; j < 32; j++) out[o + j] = f32(((src[b + 2 + j] << 24) >> 24) * d);
  }
}

// K-quants: 256-value super-blocks with per-group scales (and minimums), see ggml-quants.c.
function q2_K(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 84, o += 256) {
    const d = half(src, b + 80), dmin = half(src, b + 82);
    for (let e = 0; e < 256; e++) {
      const sc = src[b + (e >> 4)];
      const q = (src[b + 16 + (e >> 7) * 32 + (e & 31)] >> (2 * ((e >> 5) & 3))) & 3;
      out[o + e] = f32(f32(f32(d * (sc & 0xf)) * q) - f32(dmin * (sc >> 4)));
    }
  }
}

function q3_K(src: Uint8Array, out: Float32Array): void {
  const dl = new Float32Array(16);
  for (let b = 0, o = 0; o < out.length; b += 110, o += 256) {
    const d = half(src, b + 108);
    for (let i = 0; i < 16; i++) {
      const low = i < 8 ? src[b + 96 + i] & 0xf : src[b + 96 + i - 8] >> 4;
      const high = (src[b + 104 + (i & 3)] >> (2 * (i >> 2))) & 3;
      dl[i] = f32(d * ((low | (high << 4)) - 32));
    }
    for (let e = 0; e < 256; e++) {
      const low = (src[b + 32 + (e >> 7) * 32 + (e & 31)] >> (2 * ((e >> 5) & 3))) & 3;
      const highBitClear = ((src[b + (e & 31)] >> (e >> 5)) & 1) ^ 1;
      out[o + e] = f32(dl[e >> 4] * (low - (highBitClear << 2)));
    }
  }
}

/** Q4_K/Q5_K's eight 6-bit scales and minimums packed in 12 bytes (gguf-py's get_scale_min). */
function scaleMin(src: Uint8Array, at: number, sc: Uint8Array, mn: Uint8Array): void {
  for (let j = 0; j < 4; j++) {
    sc[j] = src[at + j] & 63;
    mn[j] = src[at + 4 + j] & 63;
    sc[4 + j] = (src[at + 8 + j] & 0xf) | ((src[at + j] >> 2) & 0x30);
    mn[4 + j] = (src[at + 8 + j] >> 4) | ((src[at + 4 + j] >> 2) & 0x30);
  }
}

function q4_K(src: Uint8Array, out: Float32Array): void {
  const sc = new Uint8Array(8), mn = new Uint8Array(8);
  for (let b = 0, o = 0; o < out.length; b += 144, o += 256) {
    const d = half(src, b), dmin = half(src, b + 2);
    scaleMin(src, b + 4, sc, mn);
    for (let e = 0; e < 256; e++) {
      const g = e >> 5;
      const q = (src[b + 16 + (e >> 6) * 32 + (e & 31)] >> (4 * (g & 1))) & 0xf;
      out[o + e] = f32(f32(f32(d * sc[g]) * q) - f32(dmin * mn[g]));
    }
  }
}

function q5_K(src: Uint8Array, out: Float32Array): void {
  const sc = new Uint8Array(8), mn = new Uint8Array(8);
  for (let b = 0, o = 0; o < out.length; b += 176, o += 256) {
    const d = half(src, b), dmin = half(src, b + 2);
    scaleMin(src, b + 4, sc, mn);
    for (let e = 0; e < 256; e++) {
      const g = e >> 5;
      const low = (src[b + 48 + (e >> 6) * 32 + (e & 31)] >> (4 * (g & 1))) & 0xf;
      const high = (src[b + 16 + (e & 31)] >> g) & 1;
      out[o + e] = f32(f32(f32(d * sc[g]) * (low | (high << 4))) - f32(dmin * mn[g]));
    }
  }
}

function q6_K(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 210, o += 256) {
    const d = half(src, b + 208);
    for (let e = 0; e < 256; e++) {
      const scale = (src[b + 192 + (e >> 4)] << 24) >> 24;
      const low = (src[b + (e >> 7) * 64 + (e & 63)] >> (4 * ((e >> 6) & 1))) & 0xf;
      const high = (src[b + 128 + (e >> 7) * 32 + (e & 31)] >> (2 * ((e >> 5) & 3))) & 3;
      out[o + e] = f32(f32(d * scale) * ((low | (high << 4)) - 32));
    }
  }
}

const DEQUANTIZERS: Record<string, Dequantizer> = {
  F32: f32Copy, F16: f16, BF16: bf16, Q4_0: q4_0, Q4_1: q4_1, Q5_0: q5_0, Q5_1: q5_1, Q8_0: q8_0,
  Q2_K: q2_K, Q3_K: q3_K, Q4_K: q4_K, Q5_K: q5_K, Q6_K: q6_K,
};

export const DEQUANTIZABLE_TYPES: readonly string[] = Object.keys(DEQUANTIZERS);

/** Dequantizes `nElements` values of `type` from `src` (exactly their bytes) to float32. */
export function dequantize(src: Uint8Array, type: GgmlTypeInfo, nElements: number, where: string): Float32Array {
  const run = DEQUANTIZERS[type.name];
  if (!run) throw new Error(`${where}: unsupported quantisation type ${type.name} (ggml type ${type.id}); finetune dequantizes ${DEQUANTIZABLE_TYPES.join(', ')}`);
  const expected = (nElements / type.blockSize) * type.typeSize;
  if (src.length !== expected) throw new Error(`${where}: ${type.name} data is ${src.length} bytes; ${nElements} values take ${expected}`);
  const out = new Float32Array(nElements);
  run(src, out);
  return out;
}
