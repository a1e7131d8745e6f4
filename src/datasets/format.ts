// Output formats (`setFormat('torch', columns)`): how rows and columns come out of a Dataset.
// 'torch' turns numbers and lists of numbers into tensors and leaves strings as they are.
import type { Tensor } from '../engine/tensor.js';
import { columnToTensor } from '../tokenizers/pad.js';
import { getTorch } from '../tokenizers/tensors.js';
import { ColumnReader } from './columns.js';
import { ClassLabel, Sequence, Value, type Feature } from './features.js';

export type FormatType = 'torch' | 'pt' | 'python' | null;

export interface Format {
  type: 'torch' | null;
  columns: string[] | null;
  outputAllColumns: boolean;
}

export const NO_FORMAT: Format = { type: null, columns: null, outputAllColumns: false };

export function normalizeFormatType(type: FormatType | undefined): 'torch' | null {
  if (type === undefined || type === null || type === 'python') return null;
  if (type === 'torch' || type === 'pt') return 'torch';
  throw new TypeError(`setFormat: unsupported format '${type}'; expected 'torch' or null`);
}

function isNumeric(f: Feature): boolean {
  if (f instanceof ClassLabel) return true;
  if (f instanceof Sequence) return isNumeric(f.feature);
  return f instanceof Value && f.dtype !== 'string' && f.dtype !== 'large_string' && f.dtype !== 'null';
}

function torchDtype(f: Feature): 'int64' | 'float32' | 'bool' {
  if (f instanceof Sequence) return torchDtype(f.feature);
  if (f instanceof ClassLabel) return 'int64';
  const d = (f as Value).dtype;
  if (d === 'bool') return 'bool';
  // Hugging Face's torch formatter makes every float column float32 and integers int64.
  return /float/.test(d) ? 'float32' : 'int64';
}

/** One value as a tensor (Hugging Face's torch formatter), or unchanged when not numeric. */
export function formatValue(value: unknown, feature: Feature, reader?: ColumnReader, physical?: number): unknown {
  if (!isNumeric(feature) || value === null) return value;
  const dtype = torchDtype(feature);
  if (feature instanceof Sequence && reader && physical !== undefined && !(feature.feature instanceof Sequence)) {
    const view = reader.listView(physical);
    if (view) return typedToTensor(view, dtype, [view.length]);
  }
  if (typeof value === 'bigint') return getTorch().tensor(BigInt64Array.of(value), { shape: [] }); // past 2^53: exact
  if (typeof value === 'number' || typeof value === 'boolean') return getTorch().tensor(value as never, { dtype });
  return getTorch().tensor(value as never, { dtype });
}

function typedToTensor(view: ArrayLike<number>, dtype: string, shape: number[]): Tensor {
  if (dtype === 'int64') {
    const out = new BigInt64Array(view.length);
    for (let i = 0; i < view.length; i++) out[i] = BigInt(view[i]);
    return getTorch().tensor(out, { shape });
  }
  if (dtype === 'bool') return getTorch().tensor(Uint8Array.from(view), { shape }).to('bool');
  return getTorch().tensor(Float32Array.from(view), { shape });
}

/** A whole column: one tensor when rectangular, else a list of 1-D tensors (as Hugging Face). */
export function formatColumn(values: unknown[], feature: Feature): unknown {
  if (!isNumeric(feature)) return values;
  if (values.length === 0) return getTorch().tensor([], { dtype: torchDtype(feature) });
  if (feature instanceof Sequence) {
    const first = values[0] as unknown[] | null;
    const rect = values.every((v) => Array.isArray(v) && v.length === first?.length);
    if (!rect) return values.map((v) => formatValue(v, feature));
  }
  const t = columnToTensor('column', values);
  const dtype = torchDtype(feature);
  return t.dtype === dtype ? t : t.to(dtype);
}
