// Converting integer rows to int64 tensors, with the error Hugging Face gives for ragged input.
// The tensor engine is loaded here, once, and only tensor-producing calls need it: tokenizers
// and datasets work without the native addon (as Hugging Face's do without PyTorch).
import type * as TorchModule from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { Ragged } from './batch-encoding.js';

let torchModule: typeof TorchModule | null = null;
let torchError: unknown = null;
try {
  torchModule = await import('../engine/torch.js');
} catch (e) {
  torchError = e;
}

/** The torch namespace; throws the engine's own error when the native addon cannot load. */
export function getTorch(): typeof TorchModule {
  if (!torchModule) throw torchError;
  return torchModule;
}

export function raggedToTensor(r: Ragged, key: string, dtype: 'int64' | 'float32' = 'int64'): Tensor {
  const torch = getTorch();
  const n = r.offsets.length - 1;
  const len = n === 0 ? 0 : r.offsets[1] - r.offsets[0];
  for (let i = 1; i < n; i++) {
    if (r.offsets[i + 1] - r.offsets[i] !== len) {
      throw new Error(
        `Unable to create tensor for '${key}': rows have different lengths (${len} and ${r.offsets[i + 1] - r.offsets[i]}). ` +
          "Activate padding with 'padding: true' (and truncation with 'truncation: true') to get rectangular batches.");
    }
  }
  const src = r.values.subarray(r.offsets[0], r.offsets[n]);
  if (dtype === 'float32') return torch.tensor(Float32Array.from(src), { shape: [n, len] });
  const out = new BigInt64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i]);
  return torch.tensor(out, { shape: [n, len] });
}

/** A 1-D tensor from numbers: int64 when all are integers, else float32 (as torch.tensor infers). */
export function numbersToTensor(values: ArrayLike<number>): Tensor {
  const torch = getTorch();
  let integral = true;
  for (let i = 0; i < values.length; i++) if (!Number.isInteger(values[i])) { integral = false; break; }
  if (!integral) return torch.tensor(Float32Array.from(values), { shape: [values.length] });
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return torch.tensor(out, { shape: [values.length] });
}

export function isTensor(value: unknown): value is Tensor {
  return torchModule !== null && value instanceof torchModule.Tensor;
}

/** Integer ids from what users pass around: numbers, arrays, typed arrays or a 1-D tensor. */
export function toIdList(ids: unknown, what = 'ids'): number[] {
  if (typeof ids === 'number') return [ids];
  if (typeof ids === 'bigint') return [Number(ids)];
  if (isTensor(ids)) {
    if (ids.shape.length > 1) throw new TypeError(`${what}: expected a 1-D tensor, got shape [${ids.shape.join(', ')}]`);
    return Array.from(ids.data() as ArrayLike<number | bigint>, Number);
  }
  if (Array.isArray(ids) || ArrayBuffer.isView(ids)) {
    const out = Array.from(ids as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : v));
    for (const v of out) {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new TypeError(`${what}: expected integer ids, found ${Array.isArray(v) ? 'a nested array (pass one sequence)' : JSON.stringify(v)}`);
      }
    }
    return out as number[];
  }
  throw new TypeError(`${what}: expected an id, a list of ids or a 1-D tensor, got ${ids === null ? 'null' : typeof ids}`);
}
