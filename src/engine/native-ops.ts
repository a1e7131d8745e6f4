// The native addon's ops with their TypeScript signatures: the one list of what
// native/src/ops_*.cc registers (each `{"name", [](Args& a) -> Result {...}}` entry of an
// OpTable, macros expanded). Where a C++ parameter is optional (a fallback, has(i), opt*),
// so is the TypeScript one; Args::device falls back to the CPU. Parameter types follow the Args accessors the C++ reads
// (a.tensor → Tensor, a.operand → Tensor | Scalar, a.ints → Dims, a fallback → optional);
// return types follow the Result it builds. test/engine/native-ops.test.ts parses the C++
// tables and fails when a name is here but not there, there but not here, or not exported.
import type { Device, DType } from './dtype.js';
import type { Scalar, Tensor } from './tensor.js';

/** A size or dim list: one integer or an array of them (Args::ints). */
export type Dims = number | readonly number[];
export type Reduction = 'none' | 'mean' | 'sum';
/** What data() returns: the tensor's memory as the TypedArray of its dtype (float16/bfloat16 as float32). */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** The factories' argument layout after their own: (..., dtype?, device?, requiresGrad?). */
type SizeFactory = (shape: Dims, dtype?: DType, device?: Device, requiresGrad?: boolean) => Tensor;
type LikeFactory = (like: Tensor, dtype?: DType, device?: Device, requiresGrad?: boolean) => Tensor;

/** A distributed handle: an N-API external holding a Store, ProcessGroup, Work or Reducer (the C++ checks which). */
export type NativeHandle = object;
export type NativeReduceOp = 'sum' | 'product' | 'min' | 'max';

/** One array per field, one entry per recorded call (native/src/ops_profiler.cc). */
export interface ProfilerColumns {
  names: string[];
  startUs: Float64Array;
  /** -1 for a call still running when the profiler stopped. */
  endUs: Float64Array;
  /** Index of the call this one ran inside (same thread), -1 at the top. */
  parents: Int32Array;
  threads: Float64Array;
  /** Input shapes as PyTorch prints them ("[[32, 128], []]"), '' unless recording shapes. */
  shapes: string[];
}

export interface NativeOps {
  // native/src/ops_math.cc
  neg(self: Tensor): Tensor;
  neg_(self: Tensor): void;
  abs(self: Tensor): Tensor;
  abs_(self: Tensor): void;
  exp(self: Tensor): Tensor;
  exp_(self: Tensor): void;
  log(self: Tensor): Tensor;
  log_(self: Tensor): void;
  log2(self: Tensor): Tensor;
  log2_(self: Tensor): void;
  log1p(self: Tensor): Tensor;
  log1p_(self: Tensor): void;
  expm1(self: Tensor): Tensor;
  expm1_(self: Tensor): void;
  sqrt(self: Tensor): Tensor;
  sqrt_(self: Tensor): void;
  rsqrt(self: Tensor): Tensor;
  rsqrt_(self: Tensor): void;
  tanh(self: Tensor): Tensor;
  tanh_(self: Tensor): void;
  sigmoid(self: Tensor): Tensor;
  sigmoid_(self: Tensor): void;
  relu(self: Tensor): Tensor;
  relu_(self: Tensor): void;
  erf(self: Tensor): Tensor;
  erf_(self: Tensor): void;
  erfinv(self: Tensor): Tensor;
  erfinv_(self: Tensor): void;
  sin(self: Tensor): Tensor;
  sin_(self: Tensor): void;
  cos(self: Tensor): Tensor;
  cos_(self: Tensor): void;
  floor(self: Tensor): Tensor;
  floor_(self: Tensor): void;
  ceil(self: Tensor): Tensor;
  ceil_(self: Tensor): void;
  round(self: Tensor): Tensor;
  round_(self: Tensor): void;
  trunc(self: Tensor): Tensor;
  trunc_(self: Tensor): void;
  sign(self: Tensor): Tensor;
  sign_(self: Tensor): void;
  reciprocal(self: Tensor): Tensor;
  reciprocal_(self: Tensor): void;
  square(self: Tensor): Tensor;
  square_(self: Tensor): void;
  logicalNot(self: Tensor): Tensor;
  logicalNot_(self: Tensor): void;
  silu(self: Tensor): Tensor;
  isnan(self: Tensor): Tensor;
  isinf(self: Tensor): Tensor;
  isfinite(self: Tensor): Tensor;
  mul(self: Tensor, other: Tensor | Scalar): Tensor;
  mul_(self: Tensor, other: Tensor | Scalar): void;
  pow(self: Tensor, other: Tensor | Scalar): Tensor;
  pow_(self: Tensor, other: Tensor | Scalar): void;
  remainder(self: Tensor, other: Tensor | Scalar): Tensor;
  remainder_(self: Tensor, other: Tensor | Scalar): void;
  fmod(self: Tensor, other: Tensor | Scalar): Tensor;
  fmod_(self: Tensor, other: Tensor | Scalar): void;
  maximum(self: Tensor, other: Tensor): Tensor;
  minimum(self: Tensor, other: Tensor): Tensor;
  eq(self: Tensor, other: Tensor | Scalar): Tensor;
  eq_(self: Tensor, other: Tensor | Scalar): void;
  ne(self: Tensor, other: Tensor | Scalar): Tensor;
  ne_(self: Tensor, other: Tensor | Scalar): void;
  lt(self: Tensor, other: Tensor | Scalar): Tensor;
  lt_(self: Tensor, other: Tensor | Scalar): void;
  le(self: Tensor, other: Tensor | Scalar): Tensor;
  le_(self: Tensor, other: Tensor | Scalar): void;
  gt(self: Tensor, other: Tensor | Scalar): Tensor;
  gt_(self: Tensor, other: Tensor | Scalar): void;
  ge(self: Tensor, other: Tensor | Scalar): Tensor;
  ge_(self: Tensor, other: Tensor | Scalar): void;
  logicalAnd(self: Tensor, other: Tensor | Scalar): Tensor;
  logicalAnd_(self: Tensor, other: Tensor | Scalar): void;
  logicalOr(self: Tensor, other: Tensor | Scalar): Tensor;
  logicalOr_(self: Tensor, other: Tensor | Scalar): void;
  logicalXor(self: Tensor, other: Tensor | Scalar): Tensor;
  logicalXor_(self: Tensor, other: Tensor | Scalar): void;
  add(self: Tensor, other: Tensor | Scalar, alpha?: Scalar): Tensor;
  add_(self: Tensor, other: Tensor | Scalar, alpha?: Scalar): void;
  sub(self: Tensor, other: Tensor | Scalar, alpha?: Scalar): Tensor;
  sub_(self: Tensor, other: Tensor | Scalar, alpha?: Scalar): void;
  div(self: Tensor, other: Tensor | Scalar, roundingMode?: 'trunc' | 'floor' | null): Tensor;
  div_(self: Tensor, other: Tensor | Scalar, roundingMode?: 'trunc' | 'floor' | null): void;
  rpow(self: Tensor, base: Scalar): Tensor;
  gelu(self: Tensor, approximate?: string): Tensor;
  clamp(self: Tensor, min?: Scalar | null, max?: Scalar | null): Tensor;
  clamp_(self: Tensor, min?: Scalar | null, max?: Scalar | null): void;
  softplus(self: Tensor, beta?: Scalar, threshold?: Scalar): Tensor;
  leakyRelu(self: Tensor, negativeSlope?: Scalar): Tensor;
  where(condition: Tensor, self: Tensor | Scalar, other: Tensor | Scalar): Tensor;
  maskedFill(self: Tensor, mask: Tensor, value: Tensor | Scalar): Tensor;
  maskedFill_(self: Tensor, mask: Tensor, value: Tensor | Scalar): void;
  lerp(self: Tensor, end: Tensor, weight: Tensor | Scalar): Tensor;
  addcmul(self: Tensor, tensor1: Tensor, tensor2: Tensor, value?: Scalar): Tensor;
  addcdiv(self: Tensor, tensor1: Tensor, tensor2: Tensor, value?: Scalar): Tensor;
  fill_(self: Tensor, value: Tensor | Scalar): void;
  zero_(self: Tensor): void;
  sum(self: Tensor, dim?: Dims | null, keepdim?: boolean, dtype?: DType | null): Tensor;
  mean(self: Tensor, dim?: Dims | null, keepdim?: boolean, dtype?: DType | null): Tensor;
  prod(self: Tensor, dim?: number | null, keepdim?: boolean, dtype?: DType | null): Tensor;
  max(self: Tensor, dim?: number, keepdim?: boolean): Tensor | [Tensor, Tensor];
  min(self: Tensor, dim?: number, keepdim?: boolean): Tensor | [Tensor, Tensor];
  amax(self: Tensor, dim?: Dims, keepdim?: boolean): Tensor;
  amin(self: Tensor, dim?: Dims, keepdim?: boolean): Tensor;
  argmax(self: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
  argmin(self: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
  var(self: Tensor, dim?: Dims | null, correction?: number, keepdim?: boolean): Tensor;
  std(self: Tensor, dim?: Dims | null, correction?: number, keepdim?: boolean): Tensor;
  norm(self: Tensor, p?: Scalar, dim?: Dims | null, keepdim?: boolean): Tensor;
  logsumexp(self: Tensor, dim: Dims, keepdim?: boolean): Tensor;
  softmax(self: Tensor, dim: number, dtype?: DType | null): Tensor;
  logSoftmax(self: Tensor, dim: number, dtype?: DType | null): Tensor;
  cumsum(self: Tensor, dim: number, dtype?: DType | null): Tensor;
  all(self: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
  any(self: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
  sort(self: Tensor, dim?: number, descending?: boolean, stable?: boolean): [Tensor, Tensor];
  topk(self: Tensor, k: number, dim?: number, largest?: boolean, sorted?: boolean): [Tensor, Tensor];
  equal(self: Tensor, other: Tensor): boolean;
  allclose(self: Tensor, other: Tensor, rtol?: number, atol?: number, equalNan?: boolean): boolean;
  matmul(self: Tensor, other: Tensor): Tensor;
  mm(self: Tensor, other: Tensor): Tensor;
  bmm(self: Tensor, other: Tensor): Tensor;
  outer(self: Tensor, other: Tensor): Tensor;
  linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  /** Whether inference products of few rows go through oneDNN (ops_math.cc): where the CPU has AVX-512; FINETUNE_ONEDNN_LINEAR=0 turns it off, =1 on. */
  oneDnnLinearEnabled(): boolean;
  einsum(equation: string, operands: readonly Tensor[]): Tensor;
  // native/src/ops_nn.cc
  layerNorm(input: Tensor, normalizedShape: Dims, weight?: Tensor | null, bias?: Tensor | null, eps?: number): Tensor;
  embedding(weight: Tensor, indices: Tensor, paddingIdx?: number): Tensor;
  dropout(input: Tensor, p?: number, train?: boolean, dim?: number, drawnSize?: number): Tensor;
  attention(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, training?: boolean, scale?: number, dropoutQueryRows?: number): [context: Tensor, probs: Tensor];
  attentionContext(query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, training?: boolean, scale?: number): Tensor;
  fusedEncoderLayers(hidden: Tensor, paddingMask: Tensor | null, weights: Tensor[], heads: number, eps: number, gelu: boolean, dropPadding: boolean): Tensor;
  oneHot(self: Tensor, numClasses?: number): Tensor;
  pad(input: Tensor, pad: Dims, value?: Scalar): Tensor;
  crossEntropy(input: Tensor, target: Tensor, weight?: Tensor | null, reduction?: Reduction, ignoreIndex?: number, labelSmoothing?: number): Tensor;
  nllLoss(input: Tensor, target: Tensor, weight?: Tensor | null, reduction?: Reduction, ignoreIndex?: number): Tensor;
  binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, weight?: Tensor | null, posWeight?: Tensor | null, reduction?: Reduction): Tensor;
  mseLoss(input: Tensor, target: Tensor, reduction?: Reduction): Tensor;
  l1Loss(input: Tensor, target: Tensor, reduction?: Reduction): Tensor;
  uniform_(self: Tensor, from?: number, to?: number): void;
  normal_(self: Tensor, mean?: number, std?: number): void;
  bernoulli_(self: Tensor, p?: number): void;
  /** Whether the addon's bernoulli kernel reproduced ATen's on this libtorch (else ATen's runs). */
  bernoulliReproducesAten(): boolean;
  random_(self: Tensor): void;
  // native/src/ops_optim.cc
  adamStep(params: readonly Tensor[], grads: readonly Tensor[], expAvgs: readonly Tensor[], expAvgSqs: readonly Tensor[], maxExpAvgSqs: readonly Tensor[] | null, steps: Dims, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, amsgrad?: boolean, maximize?: boolean, decoupled?: boolean): void;
  clipGradNorm(parameters: readonly Tensor[], maxNorm: number, normType?: number, errorIfNonfinite?: boolean): Tensor;
  // native/src/ops_shape.cc
  reshape(self: Tensor, shape: Dims): Tensor;
  view(self: Tensor, shape: Dims): Tensor;
  permute(self: Tensor, dims: Dims): Tensor;
  transpose(self: Tensor, dim0: number, dim1: number): Tensor;
  t(self: Tensor): Tensor;
  squeeze(self: Tensor, dim?: number | null): Tensor;
  unsqueeze(self: Tensor, dim: number): Tensor;
  expand(self: Tensor, shape: Dims): Tensor;
  flatten(self: Tensor, startDim?: number, endDim?: number): Tensor;
  unflatten(self: Tensor, dim: number, sizes: Dims): Tensor;
  movedim(self: Tensor, source: number, destination: number): Tensor;
  narrow(self: Tensor, dim: number, start: number, length: number): Tensor;
  slice(self: Tensor, dim?: number, start?: number | null, end?: number | null, step?: number): Tensor;
  select(self: Tensor, dim: number, index: number): Tensor;
  indexSelect(self: Tensor, dim: number, index: Tensor): Tensor;
  index(self: Tensor, indices: readonly (Tensor | null)[]): Tensor;
  indexPut_(self: Tensor, indices: readonly (Tensor | null)[], values: Tensor | Scalar, accumulate?: boolean): void;
  gather(self: Tensor, dim: number, index: Tensor): Tensor;
  scatter(self: Tensor, dim: number, index: Tensor, src: Tensor | Scalar): Tensor;
  scatter_(self: Tensor, dim: number, index: Tensor, src: Tensor | Scalar): void;
  scatterAdd(self: Tensor, dim: number, index: Tensor, src: Tensor): Tensor;
  maskedSelect(self: Tensor, mask: Tensor): Tensor;
  nonzero(self: Tensor): Tensor;
  cat(tensors: readonly Tensor[], dim?: number): Tensor;
  stack(tensors: readonly Tensor[], dim?: number): Tensor;
  split(self: Tensor, splitSize: Dims, dim?: number): Tensor[];
  chunk(self: Tensor, chunks: number, dim?: number): Tensor[];
  unbind(self: Tensor, dim?: number): Tensor[];
  repeat(self: Tensor, repeats: Dims): Tensor;
  flip(self: Tensor, dims: Dims): Tensor;
  tril(self: Tensor, diagonal?: number): Tensor;
  triu(self: Tensor, diagonal?: number): Tensor;
  // native/src/ops_tensor.cc
  zeros: SizeFactory;
  ones: SizeFactory;
  empty: SizeFactory;
  rand: SizeFactory;
  randn: SizeFactory;
  full(shape: Dims, fillValue: Scalar, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  arange(start: Scalar, end: Scalar, step: Scalar, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  linspace(start: Scalar, end: Scalar, steps: number, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  eye(n: number, m: number, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  randint(low: number, high: number, shape: Dims, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  randperm(n: number, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  scalarTensor(value: Scalar, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  zerosLike: LikeFactory;
  onesLike: LikeFactory;
  emptyLike: LikeFactory;
  randLike: LikeFactory;
  randnLike: LikeFactory;
  fullLike(like: Tensor, fillValue: Scalar, dtype?: DType, device?: Device, requiresGrad?: boolean): Tensor;
  fromBuffer(buffer: ArrayBufferView | ArrayBuffer, shape: Dims, dtype: DType, device?: Device, requiresGrad?: boolean): Tensor;
  fromBufferShared(buffer: ArrayBufferView | ArrayBuffer, shape: Dims, dtype: DType): Tensor;
  data(self: Tensor): TensorData;
  rawBytes(self: Tensor): Uint8Array;
  item(self: Tensor): number | boolean;
  shape(self: Tensor): number[];
  stride(self: Tensor): number[];
  dtype(self: Tensor): DType;
  device(self: Tensor): string;
  numel(self: Tensor): number;
  dim(self: Tensor): number;
  isContiguous(self: Tensor): boolean;
  useCounts(self: Tensor): [tensorRefs: number, storageRefs: number];
  sameStorage(self: Tensor, other: Tensor): boolean;
  toDtype(self: Tensor, dtype: DType, nonBlocking?: boolean): Tensor;
  toDevice(self: Tensor, device: Device, nonBlocking?: boolean): Tensor;
  contiguous(self: Tensor): Tensor;
  clone(self: Tensor): Tensor;
  detach(self: Tensor): Tensor;
  detach_(self: Tensor): void;
  copy_(self: Tensor, src: Tensor): void;
  setData(self: Tensor, data: Tensor): void;
  requiresGrad(self: Tensor): boolean;
  setRequiresGrad(self: Tensor, requiresGrad?: boolean): void;
  isLeaf(self: Tensor): boolean;
  gradFn(self: Tensor): string | null;
  grad(self: Tensor): Tensor | null;
  setGrad(self: Tensor, grad?: Tensor | null): void;
  retainGrad(self: Tensor): void;
  backward(self: Tensor, gradient?: Tensor | null, retainGraph?: boolean | null, createGraph?: boolean): void;
  autogradGrad(outputs: readonly Tensor[], inputs: readonly Tensor[], gradOutputs?: readonly Tensor[] | null, retainGraph?: boolean | null, createGraph?: boolean, allowUnused?: boolean): (Tensor | null)[];
  isGradEnabled(): boolean;
  setGradEnabled(enabled?: boolean): void;
  isInferenceModeEnabled(): boolean;
  /** Opens a c10::InferenceMode guard (mode false: one that turns it off inside an enabled one). */
  enterInferenceMode(mode?: boolean): void;
  /** Closes the innermost guard enterInferenceMode opened. */
  exitInferenceMode(): void;
  isInference(self: Tensor): boolean;
  tensorVersion(self: Tensor): number;
  getAutocast(deviceType: 'cpu' | 'cuda'): [enabled: boolean, dtype: DType];
  setAutocast(deviceType: 'cpu' | 'cuda', enabled: boolean, dtype: DType): void;
  autocastIncrementNesting(): number;
  autocastDecrementNesting(): number;
  manualSeed(seed: number): void;
  initialSeed(): number;
  getRngState(): Tensor;
  setRngState(state: Tensor): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  version(): string;
  // native/src/ops_profiler.cc
  profilerStart(recordShapes: boolean): void;
  profilerStop(): ProfilerColumns;
  profilerNowUs(): number;
  profilerRangePush(name: string): void;
  profilerRangePop(): void;
  // native/src/allocator.cc
  emptyCache(): void;
  memoryStats(): number[];
  // native/src/ops_distributed.cc (a collective returns its Work handle when asyncOp, else waits)
  distTcpStore(host: string, port: number, worldSize: number, isServer?: boolean, timeoutMs?: number): NativeHandle;
  distFileStore(path: string, worldSize: number): NativeHandle;
  distStoreSet(store: NativeHandle, key: string, value: string): void;
  distStoreGet(store: NativeHandle, key: string): string;
  distGlooGroup(store: NativeHandle, rank: number, worldSize: number, timeoutMs?: number, hostname?: string): NativeHandle;
  distNcclAvailable(): boolean;
  /** Throws in builds where distNcclAvailable() is false. */
  distNcclGroup(store: NativeHandle, rank: number, worldSize: number, timeoutMs?: number): NativeHandle;
  distRelease(handle: NativeHandle): void;
  distAllReduce(group: NativeHandle, tensor: Tensor, op: NativeReduceOp, asyncOp?: boolean): NativeHandle | undefined;
  distBroadcast(group: NativeHandle, tensor: Tensor, src: number, asyncOp?: boolean): NativeHandle | undefined;
  distAllGather(group: NativeHandle, outputs: readonly Tensor[], input: Tensor, asyncOp?: boolean): NativeHandle | undefined;
  distReduceScatter(group: NativeHandle, output: Tensor, inputs: readonly Tensor[], op: NativeReduceOp, asyncOp?: boolean): NativeHandle | undefined;
  distGather(group: NativeHandle, outputs: readonly Tensor[], input: Tensor, root: number, asyncOp?: boolean): NativeHandle | undefined;
  distScatter(group: NativeHandle, output: Tensor, inputs: readonly Tensor[], root: number, asyncOp?: boolean): NativeHandle | undefined;
  distBarrier(group: NativeHandle, asyncOp?: boolean): NativeHandle | undefined;
  distWorkWait(work: NativeHandle, timeoutMs?: number): boolean;
  distWorkIsCompleted(work: NativeHandle): boolean;
  distBroadcastCoalesced(group: NativeHandle, tensors: readonly Tensor[], bufferBytes: number, root: number): void;
  distReducer(group: NativeHandle, params: readonly Tensor[], names: readonly string[], bucketCapBytes: number, findUnusedParameters?: boolean, gradientAsBucketView?: boolean): NativeHandle;
  distReducerRebuildBuckets(reducer: NativeHandle): boolean;
  distReducerPrepareForward(reducer: NativeHandle): void;
  distReducerPrepareForBackward(reducer: NativeHandle, outputs: readonly Tensor[]): void;
}

/** The functions binding.cc registers itself, outside the op tables. */
export interface NativeBindingFunctions {
  TensorBase: new () => object;
  setTensorClass(cls: new () => object): void;
  dispose(t: object): void;
  isDisposed(t: object): boolean;
  reportExternalMemory(t: object): void;
}

export type NativeOpName = keyof NativeOps;
