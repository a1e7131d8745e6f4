// Creating tensors: torch.tensor from JavaScript data, and the shape-based factories.
import { markAsUntransferable } from 'node:worker_threads';

import type { DType, Device } from './dtype.js';
import { itemSize } from './dtype.js';
import { N } from './native.js';
import { Tensor } from './tensor.js';
import type { NestedArray, TypedArray } from './tensor.js';
import type { ShapeArg } from './tensor-ops.js';

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

type TensorData = NestedArray | readonly NestedArray[] | TypedArray | Tensor;

const TYPED_DTYPE: [new (...a: never[]) => TypedArray, DType][] = [
  [Float32Array, 'float32'], [Float64Array, 'float64'], [BigInt64Array, 'int64'], [Int32Array, 'int32'],
  [Int16Array, 'int16'], [Int8Array, 'int8'], [Uint8Array, 'uint8'],
];

function typedDtype(data: TypedArray): DType {
  for (const [cls, dtype] of TYPED_DTYPE) if (data instanceof cls) return dtype;
  throw new TypeError('torch.tensor: unsupported TypedArray type');
}

/** Shape and row-major values of nested arrays; ragged or non-numeric input is an error. */
function flatten(data: NestedArray | readonly NestedArray[]): { shape: number[]; values: (number | boolean)[] } {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: (number | boolean)[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number' && typeof node !== 'boolean') {
        throw new TypeError(`torch.tensor: expected numbers or booleans, found ${Array.isArray(node) ? 'an array' : typeof node} at depth ${depth}`);
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new TypeError(`torch.tensor: expected sequence of length ${shape[depth]} at dim ${depth} (got ${Array.isArray(node) ? node.length : typeof node})`);
    }
    for (const child of node) walk(child, depth + 1);
  };
  walk(data, 0);
  return { shape, values };
}

function inferDtype(values: (number | boolean)[]): DType {
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.some((v) => typeof v === 'boolean')) throw new TypeError('torch.tensor: cannot mix booleans and numbers');
  // JavaScript has one number type: integral values give int64 (as Python ints do), others
  // float32; an empty list is float32, as torch.tensor([]) is.
  return values.length > 0 && values.every((v) => Number.isInteger(v)) ? 'int64' : 'float32';
}

function toTypedArray(values: (number | boolean)[], dtype: DType): TypedArray {
  const nums = values.map(Number);
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return Float32Array.from(nums);
    case 'float64': return Float64Array.from(nums);
    case 'bool': return Uint8Array.from(nums, (v) => (v !== 0 ? 1 : 0));
    default: {
      for (const v of nums) if (!Number.isFinite(v)) throw new TypeError(`torch.tensor: cannot convert ${v} to ${dtype}`);
      const ints = nums.map(Math.trunc);
      if (dtype === 'int64') return BigInt64Array.from(ints, BigInt);
      if (dtype === 'int32') return Int32Array.from(ints);
      if (dtype === 'int16') return Int16Array.from(ints);
      if (dtype === 'int8') return Int8Array.from(ints);
      return Uint8Array.from(ints);
    }
  }
}

/**
 * torch.tensor(data, {dtype, device, requiresGrad}): copies nested arrays, a number or a
 * TypedArray (shape taken from `shape`, else 1-D). Integral numbers infer int64, others float32.
 */
export function tensor(data: TensorData, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (data instanceof Tensor) return data.detach().to(options.dtype ?? data.dtype).clone().requiresGrad_(options.requiresGrad ?? false);
  let typed: TypedArray;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    typed = data as TypedArray;
    shape = options.shape ? [...options.shape] : [typed.length];
    dtype = typedDtype(typed);
  } else {
    const flat = flatten(data as NestedArray);
    shape = flat.shape;
    dtype = options.dtype ?? inferDtype(flat.values);
    typed = toTypedArray(flat.values, dtype);
    if (dtype === 'float16' || dtype === 'bfloat16') dtype = 'float32';
  }
  let t: Tensor = N.fromBuffer(typed, shape, dtype, options.device);
  if (options.dtype && options.dtype !== dtype) t = t.to(options.dtype);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * torch.frombuffer: a tensor sharing the buffer's memory (no copy), read as `dtype` with the
 * given shape (1-D by default). Writes through either side are seen by the other, and the
 * buffer stays alive as long as the tensor. A buffer not aligned to the element size is copied.
 * The buffer is marked untransferable: postMessage/structuredClone then copy it instead of
 * detaching it, since a detached buffer's memory would leave with it (stable Node-API lets the
 * tensor keep the ArrayBuffer alive, not its memory). Resizable buffers are refused: shrinking
 * one would free memory the tensor still views.
 */
export function frombuffer(buffer: ArrayBufferView | ArrayBuffer, options: { dtype: DType; shape?: readonly number[]; device?: Device }): Tensor {
  const bytes = buffer.byteLength;
  const size = itemSize(options.dtype);
  if (!options.shape && bytes % size !== 0) {
    throw new TypeError(`frombuffer: the buffer's ${bytes} bytes are not a multiple of the ${size}-byte ${options.dtype} elements`);
  }
  const backing = buffer instanceof ArrayBuffer ? buffer : buffer.buffer;
  if ((backing as { resizable?: boolean; growable?: boolean }).resizable || (backing as { growable?: boolean }).growable) {
    throw new TypeError('frombuffer: a resizable ArrayBuffer cannot be shared (shrinking it would free memory the tensor views); use torch.tensor(buffer) to copy it');
  }
  markAsUntransferable(backing);
  const view = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, bytes);
  const t: Tensor = N.fromBufferShared(view, options.shape ?? [bytes / size], options.dtype);
  return options.device && options.device !== 'cpu' ? t.to(options.device) : t;
}

/** Splits PyTorch-style (2, 3) / ([2, 3]) size arguments from a trailing options object. */
function sizeAndOptions<O>(args: (ShapeArg | O | undefined)[]): [number[], O] {
  const last = args[args.length - 1];
  const hasOptions = last !== undefined && typeof last === 'object' && !Array.isArray(last);
  const sizes = (hasOptions ? args.slice(0, -1) : args) as ShapeArg[];
  const shape = sizes.length === 1 && Array.isArray(sizes[0]) ? [...(sizes[0] as number[])] : (sizes as number[]).flat();
  return [shape, (hasOptions ? last : {}) as O];
}

const OPTION_KEYS = new Set(['dtype', 'device', 'requiresGrad']);

type SizeFactory = (...args: (ShapeArg | TensorOptions)[]) => Tensor;
function sizeFactory(op: 'zeros' | 'ones' | 'empty' | 'rand' | 'randn'): SizeFactory {
  return (...args) => {
    const [shape, o] = sizeAndOptions<TensorOptions>(args);
    // An options object with no known key is most likely a mistaken shape: say so.
    const unknown = Object.keys(o).filter((k) => !OPTION_KEYS.has(k));
    if (unknown.length > 0) {
      throw new TypeError(`${op}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected a shape, then { dtype, device, requiresGrad })`);
    }
    return namingShapeOnOom(op, shape, o.dtype, () => N[op](shape, o.dtype, o.device, o.requiresGrad));
  };
}

/** An allocation failure names the op's shape and dtype, so the caller can tell which tensor was absurd. */
function namingShapeOnOom<T>(op: string, shape: readonly number[], dtype: DType | undefined, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const message = (error as Error).message;
    if (!/out of memory/i.test(message)) throw error;
    throw new Error(`${op}([${shape.join(', ')}]${dtype ? `, ${dtype}` : ''}): ${message.replace(new RegExp(`^${op}: `), '')}`, { cause: error });
  }
}

export const zeros = sizeFactory('zeros');
export const ones = sizeFactory('ones');
export const empty = sizeFactory('empty');
export const rand = sizeFactory('rand');
export const randn = sizeFactory('randn');

export function full(shape: readonly number[], fillValue: number | boolean, o: TensorOptions = {}): Tensor {
  return namingShapeOnOom('full', shape, o.dtype, () => N.full(shape, fillValue, o.dtype, o.device, o.requiresGrad));
}

/** arange(end) or arange(start, end, step = 1); integral arguments give int64, as in PyTorch. */
export function arange(startOrEnd: number, end?: number | TensorOptions, step?: number | TensorOptions, options?: TensorOptions): Tensor {
  const args = [startOrEnd, end, step, options];
  const o = (args.find((a) => typeof a === 'object' && a !== null) ?? {}) as TensorOptions;
  const nums = args.filter((a): a is number => typeof a === 'number');
  const [start, stop, by] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  return N.arange(start, stop, by, o.dtype, o.device, o.requiresGrad);
}

export function linspace(start: number, end: number, steps: number, o: TensorOptions = {}): Tensor {
  return N.linspace(start, end, steps, o.dtype, o.device, o.requiresGrad);
}

export function eye(n: number, m: number | TensorOptions | null = n, o: TensorOptions = {}): Tensor {
  if (m === null || m === undefined) return N.eye(n, n, o.dtype, o.device, o.requiresGrad); // eye(n, None), as torch
  if (typeof m === 'object') return N.eye(n, n, m.dtype, m.device, m.requiresGrad);
  return N.eye(n, m, o.dtype, o.device, o.requiresGrad);
}

/** randint(high, shape) or randint(low, high, shape): integers in [low, high), int64 by default. */
export function randint(lowOrHigh: number, highOrShape: number | readonly number[], shapeOrOptions?: readonly number[] | TensorOptions, options: TensorOptions = {}): Tensor {
  if (typeof highOrShape !== 'number') return N.randint(0, lowOrHigh, highOrShape, (shapeOrOptions as TensorOptions | undefined)?.dtype, (shapeOrOptions as TensorOptions | undefined)?.device);
  return N.randint(lowOrHigh, highOrShape, shapeOrOptions as readonly number[], options.dtype, options.device);
}

export function randperm(n: number, o: TensorOptions = {}): Tensor {
  return N.randperm(n, o.dtype, o.device, o.requiresGrad);
}

function likeFactory(op: 'zerosLike' | 'onesLike' | 'emptyLike' | 'randLike' | 'randnLike') {
  return (t: Tensor, o: TensorOptions = {}): Tensor => N[op](t, o.dtype, o.device, o.requiresGrad);
}
export const zerosLike = likeFactory('zerosLike');
export const onesLike = likeFactory('onesLike');
export const emptyLike = likeFactory('emptyLike');
export const randLike = likeFactory('randLike');
export const randnLike = likeFactory('randnLike');
export function fullLike(t: Tensor, fillValue: number | boolean, o: TensorOptions = {}): Tensor {
  return N.fullLike(t, fillValue, o.dtype, o.device, o.requiresGrad);
}

export function scalarTensor(value: number | boolean, o: TensorOptions = {}): Tensor {
  return N.scalarTensor(value, o.dtype ?? (typeof value === 'boolean' ? 'bool' : undefined), o.device, o.requiresGrad);
}
