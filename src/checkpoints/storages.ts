// Turning (storage bytes, offset, size, stride) into tensors. A pickled tensor is a view of a
// storage; state dicts almost always hold contiguous views, which become one copy of a byte
// range. Other layouts (a transposed weight, a slice of a shared storage, zero strides) are
// gathered with an index tensor, since the engine has no as_strided.
import type { DType } from '../engine/dtype.js';
import { itemSize } from '../engine/dtype.js';
import { arange } from '../engine/torch.js'; // (the namespace also installs the tensor methods used below)
import { N } from '../engine/native.js';
import { defineOwn } from '../engine/safetensors.js';
import type { Tensor } from '../engine/tensor.js';
import { CheckpointError } from './errors.js';

/** A storage named by a persistent id; `viewOffset`/`viewNumel` describe legacy storage views. */
export interface StorageRef {
  key: string;
  dtype: DType;
  /** Elements in the whole (root) storage. */
  numel: number;
  viewOffset: number;
  viewNumel: number;
}

/** What `_rebuild_tensor_v2` returns before the storages are read. */
export class PendingTensor {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d];
  }
  return true;
}

/** Byte-swaps a copy of `data` into little-endian order (for files written on big-endian machines). */
function toLittleEndian(data: Uint8Array, size: number): Uint8Array {
  if (size === 1) return data;
  const copy = Buffer.from(data);
  if (size === 2) copy.swap16();
  else if (size === 4) copy.swap32();
  else copy.swap64();
  return copy;
}

// Every tensor is copied out of its storage, so a view whose elements overlap (a zero stride, as
// expand() makes) grows on loading. torch.load would keep it a view; here a 473-byte file could
// ask for gigabytes. Past this factor and size such a view is refused before anything is allocated.
const MAX_OVERLAP_FACTOR = 64;
const MAX_OVERLAP_BYTES = 16 * 2 ** 20;

function refuseOverlappingCopy(file: string, name: string, ref: StorageRef, numel: number, spanned: number): void {
  const bytes = numel * itemSize(ref.dtype);
  if (numel <= spanned * MAX_OVERLAP_FACTOR || bytes <= MAX_OVERLAP_BYTES) return;
  throw new CheckpointError(file, `tensor '${name}' has ${numel} elements but views only ${spanned} of storage '${ref.key}' ` +
    `(zero or overlapping strides); copying it out would take ${bytes} bytes. Save it with .contiguous() (or .clone()) in Python`);
}

/** Builds every tensor from its storage's bytes (`read` returns the whole root storage). */
export function materialize(
  file: string,
  pending: Map<string, PendingTensor>,
  read: (ref: StorageRef) => Uint8Array,
  byteorder: 'little' | 'big',
): Record<string, Tensor> {
  const out = new Map<string, Tensor>(); // names may be '__proto__' or 'constructor'
  const swapped = new Map<string, Uint8Array>();
  for (const [name, t] of pending) {
    const { storage: ref, size, stride } = t;
    if (size.length !== stride.length) throw new CheckpointError(file, `tensor '${name}': size [${size}] and stride [${stride}] differ in length`);
    const bytesPer = itemSize(ref.dtype);
    let data = read(ref);
    if (byteorder === 'big') {
      if (!swapped.has(ref.key)) swapped.set(ref.key, toLittleEndian(data, bytesPer));
      data = swapped.get(ref.key)!;
    }
    const numel = size.reduce((a, b) => a * b, 1);
    if (numel === 0) {
      out.set(name, N.fromBuffer(new Uint8Array(0), size, ref.dtype));
      continue;
    }
    const start = ref.viewOffset + t.offset;
    const last = start + size.reduce((acc, s, d) => acc + (s - 1) * stride[d], 0);
    const limit = Math.min(ref.viewOffset + ref.viewNumel, data.length / bytesPer);
    if (last >= limit) {
      throw new CheckpointError(file, `tensor '${name}' (shape [${size}], ${ref.dtype}) reads elements ${start}..${last} ` +
        `of storage '${ref.key}', which has ${limit} (corrupt or truncated checkpoint)`);
    }
    refuseOverlappingCopy(file, name, ref, numel, last + 1 - start);
    if (isContiguous(size, stride)) {
      out.set(name, N.fromBuffer(data.subarray(start * bytesPer, (start + numel) * bytesPer), size, ref.dtype));
      continue;
    }
    // General strided view: element i of the result is storage[start + Σ index_d * stride_d].
    const span: Tensor = N.fromBuffer(data.subarray(start * bytesPer, (last + 1) * bytesPer), [last + 1 - start], ref.dtype);
    let index: Tensor | null = null;
    for (let d = 0; d < size.length; d++) {
      const shape = size.map((s, k) => (k === d ? s : 1));
      const term = arange(size[d], { dtype: 'int64' }).mul(stride[d]).view(shape);
      const next: Tensor = index ? index.add(term) : term;
      if (index && index !== next) index.dispose();
      if (term !== next) term.dispose();
      index = next;
    }
    const flatIndex = index!.reshape([-1]);
    const gathered = span.indexSelect(0, flatIndex);
    out.set(name, gathered.reshape(size).contiguous());
    for (const x of [span, index!, flatIndex, gathered]) if (x !== out.get(name) && !x.isDisposed) x.dispose();
  }
  const record: Record<string, Tensor> = {};
  for (const [name, t] of out) defineOwn(record, name, t);
  return record;
}
