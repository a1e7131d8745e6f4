// The Tensor class: a JavaScript handle on an at::Tensor. This file holds what every tensor
// has (metadata, conversion, autograd, lifetime); the ops are added in tensor-ops.ts.
import { inspect } from 'node:util';

import type { DType, Device } from './dtype.js';
import { isDType, isDevice, isFloatingPoint } from './dtype.js';
import { formatTensor } from './format.js';
import { N } from './native.js';
import { track } from './scope.js';

export type Scalar = number | boolean;
export type NestedArray = number | boolean | NestedArray[];
export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array;

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

export class Tensor extends N.TensorBase {
  /** Tensors come from factories (torch.tensor, torch.zeros, …) and ops, never from `new`. */
  constructor() {
    super();
    track(this);
  }

  // ---------------------------------------------------------------- metadata
  get shape(): number[] {
    return N.shape(this);
  }

  /** x.size() is the shape; x.size(d) one dimension (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const shape = this.shape;
    if (dim === undefined) return shape;
    const d = dim < 0 ? dim + shape.length : dim;
    if (!Number.isInteger(d) || d < 0 || d >= shape.length) {
      throw new RangeError(`size: dimension ${dim} out of range for a tensor of ${shape.length} dimensions`);
    }
    return shape[d];
  }

  stride(): number[] {
    return N.stride(this);
  }
  get dtype(): DType {
    return N.dtype(this);
  }
  get device(): string {
    return N.device(this);
  }
  get ndim(): number {
    return N.dim(this);
  }
  dim(): number {
    return N.dim(this);
  }
  numel(): number {
    return N.numel(this);
  }
  isContiguous(): boolean {
    return N.isContiguous(this);
  }
  isFloatingPoint(): boolean {
    return isFloatingPoint(this.dtype);
  }

  // ---------------------------------------------------------------- autograd
  get requiresGrad(): boolean {
    return N.requiresGrad(this);
  }
  set requiresGrad(value: boolean) {
    setRequiresGrad(this, value, 'requiresGrad');
  }
  requiresGrad_(value = true): this {
    setRequiresGrad(this, value, 'requiresGrad_');
    return this;
  }
  get isLeaf(): boolean {
    return N.isLeaf(this);
  }
  /** Tensor.is_inference(): made inside torch.inferenceMode, so it can never join autograd. */
  isInference(): boolean {
    return N.isInference(this);
  }
  /** Tensor._version: the count of in-place updates to its data (-1 for inference tensors, which keep none). */
  get _version(): number {
    return N.tensorVersion(this);
  }
  /** The name of the autograd node that made this tensor (`AddBackward0`), or null for leaves. */
  get gradFn(): string | null {
    return N.gradFn(this);
  }
  /** A new handle on the accumulated gradient (null if none); disposing it leaves the gradient. */
  get grad(): Tensor | null {
    return N.grad(this);
  }
  /** As PyTorch, the assigned gradient must match the tensor's shape, dtype and device. */
  set grad(value: Tensor | null) {
    if (value !== null && value !== undefined) {
      if (!(value instanceof Tensor)) throw new TypeError(`grad: assigned grad expected to be a Tensor or null but got ${inspect(value)}`);
      const [shape, own] = [value.shape, this.shape];
      if (shape.length !== own.length || shape.some((d, i) => d !== own[i])) {
        throw new Error(`grad: assigned grad has data of a different size ([${shape.join(', ')}] for a tensor of [${own.join(', ')}])`);
      }
      if (value.dtype !== this.dtype) throw new Error(`grad: assigned grad has data of a different type (${value.dtype} for a ${this.dtype} tensor)`);
      if (value.device !== this.device) throw new Error(`grad: assigned grad has data located on a different device (${value.device}, the tensor is on ${this.device})`);
    }
    N.setGrad(this, value);
  }
  retainGrad(): void {
    N.retainGrad(this);
  }
  /** loss.backward(), y.backward(gradient, {retainGraph}), or loss.backward({retainGraph: true}). */
  backward(gradient?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
    if (gradient !== undefined && gradient !== null && !(gradient instanceof Tensor) && typeof gradient === 'object') {
      [gradient, options] = [undefined, gradient];
    }
    N.backward(this, gradient, options.retainGraph, options.createGraph);
  }

  // ---------------------------------------------------------------- lifetime
  /** Releases this handle's reference to the native tensor now (idempotent). */
  dispose(): void {
    N.dispose(this);
  }
  get isDisposed(): boolean {
    return N.isDisposed(this);
  }
  [Symbol.dispose](): void {
    N.dispose(this);
  }

  // ---------------------------------------------------------------- conversion
  /** The single value as a number (bool tensors give 1 or 0). */
  item(): number {
    return Number(N.item(this));
  }

  /**
   * A TypedArray with the elements in row-major order. For contiguous CPU tensors it is a
   * zero-copy view that stays valid after dispose() (and sees later in-place changes);
   * float16/bfloat16 give a Float32Array copy, int64 a BigInt64Array, bool a Uint8Array.
   */
  data(): TypedArray {
    return N.data(this);
  }

  /** Nested arrays of numbers (booleans for bool tensors), like PyTorch's tolist(). */
  toArray(): NestedArray {
    const flat = this.data();
    const values: (number | boolean)[] =
      flat instanceof BigInt64Array ? Array.from(flat, Number) : this.dtype === 'bool' ? Array.from(flat, Boolean) : Array.from(flat);
    const shape = this.shape;
    if (shape.length === 0) return values[0];
    let offset = 0;
    const build = (depth: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[depth]; i++) out.push(depth === shape.length - 1 ? values[offset++] : build(depth + 1));
      return out;
    };
    return build(0);
  }
  tolist(): NestedArray {
    return this.toArray();
  }

  /** x.to('float16'), x.to('cuda'), x.to(other) (other's dtype and device). */
  to(target: DType | Device | Tensor, options: { copy?: boolean } = {}): Tensor {
    if (target instanceof Tensor) return this.to(target.dtype, options).to(target.device as Device);
    if (isDType(target)) return N.toDtype(this, target, options.copy);
    if (isDevice(target)) return N.toDevice(this, target, options.copy);
    throw new TypeError(`to: expected a dtype, a device ('cpu', 'cuda', 'cuda:N') or a Tensor, got ${inspect(target)}`);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  half(): Tensor {
    return this.to('float16');
  }
  bfloat16(): Tensor {
    return this.to('bfloat16');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(): Tensor {
    return this.to('cuda');
  }
  contiguous(): Tensor {
    return N.contiguous(this);
  }
  clone(): Tensor {
    return N.clone(this);
  }
  /** A new tensor sharing storage, cut from the autograd graph. */
  detach(): Tensor {
    return N.detach(this);
  }
  detach_(): this {
    N.detach_(this);
    return this;
  }
  copy_(source: Tensor): this {
    N.copy_(this, source);
    return this;
  }
  /** True when both tensors view the same memory. */
  sharesStorageWith(other: Tensor): boolean {
    return N.sameStorage(this, other);
  }

  toString(): string {
    if (this.isDisposed) return 'tensor(<disposed>)';
    return formatTensor(this);
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

function setRequiresGrad(t: Tensor, value: boolean, op: string): void {
  if (!value && !N.isLeaf(t)) {
    throw new Error(`${op}: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use varNoGrad = var.detach().`);
  }
  N.setRequiresGrad(t, value);
}

N.setTensorClass(Tensor);
