// torch.distributed: the default process group on libtorch's c10d (TCPStore or FileStore for
// the rendezvous, ProcessGroupGloo on CPU, ProcessGroupNCCL on CUDA where the addon was built
// against a CUDA libtorch with NCCL), and its collectives. Each collective blocks until
// done, or with { asyncOp: true } returns a Work whose wait() blocks; a peer that never
// arrives fails with c10d's timeout error instead of hanging.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { N } from '../engine/native.js';

export type Backend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';
export const ReduceOp = { SUM: 'sum', AVG: 'avg', PRODUCT: 'product', MIN: 'min', MAX: 'max' } as const;

export interface InitProcessGroupOptions {
  backend?: Backend;
  /** 'env://' (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, as torchrun sets them), 'tcp://host:port' or 'file:///path'. */
  initMethod?: string;
  rank?: number;
  worldSize?: number;
  /** Milliseconds a rendezvous or collective may wait for its peers (default 30 minutes, as PyTorch). */
  timeout?: number;
}

interface Group {
  handle: object;
  store: object;
  rank: number;
  worldSize: number;
  backend: Backend;
}

let defaultGroup: Group | null = null;

/** A pending collective (asyncOp: true). wait() blocks until it is done and throws if it failed. */
export class Work {
  private finished = false;

  constructor(private readonly handle: object, private readonly after: (() => void) | null = null) {}

  wait(timeoutMs?: number): boolean {
    if (this.finished) return true;
    const done = timeoutMs === undefined ? N.distWorkWait(this.handle) : N.distWorkWait(this.handle, timeoutMs);
    this.finished = true;
    this.after?.();
    N.distRelease(this.handle);
    return done;
  }

  isCompleted(): boolean {
    return this.finished || N.distWorkIsCompleted(this.handle);
  }
}

function intFrom(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name];
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`initProcessGroup: environment variable ${name} must be a non-negative integer for init_method env:// (got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}); start the script with \`finetune launch\` or set it`);
  }
  return value;
}

const isLoopback = (host: string) => host === 'localhost' || host.startsWith('127.') || host === '::1';

/** torch.distributed.is_gloo_available: every build has Gloo. */
export function isGlooAvailable(): boolean {
  return true;
}

/** torch.distributed.is_nccl_available: the addon was built against a CUDA libtorch with NCCL's headers. */
export function isNcclAvailable(): boolean {
  return N.distNcclAvailable();
}

/** Fails before any rendezvous when this build or machine cannot run the backend. */
function checkBackend(backend: Backend): void {
  if (backend === 'gloo') return;
  if (backend !== 'nccl') throw new Error(`initProcessGroup: unknown backend '${String(backend)}' (expected 'gloo' or 'nccl')`);
  if (!isNcclAvailable()) {
    throw new Error("initProcessGroup: backend 'nccl' needs the addon built against a CUDA libtorch with NCCL " +
      "(npm run build:pytorch with PyPI's CUDA torch wheel, or LIBTORCH=<a CUDA libtorch>); this build offers 'gloo'");
  }
  if (!N.cudaIsAvailable()) {
    throw new Error("initProcessGroup: backend 'nccl' needs a CUDA device and this machine shows none (torch.cuda.isAvailable() is false); use backend 'gloo' on CPU");
  }
}

/** torch.distributed.init_process_group. */
export function initProcessGroup(options: InitProcessGroupOptions = {}): void {
  if (defaultGroup) throw new Error('initProcessGroup: trying to initialize the default process group twice (call destroyProcessGroup first)');
  const backend = options.backend ?? 'gloo';
  checkBackend(backend);
  const timeout = options.timeout ?? 30 * 60 * 1000;
  const initMethod = options.initMethod ?? 'env://';
  const env = process.env;
  const rank = options.rank ?? (initMethod === 'env://' ? intFrom(env, 'RANK') : undefined);
  const worldSize = options.worldSize ?? (initMethod === 'env://' ? intFrom(env, 'WORLD_SIZE') : undefined);
  if (rank === undefined || worldSize === undefined) throw new Error(`initProcessGroup: init_method ${initMethod} needs rank and worldSize`);
  if (!(worldSize >= 1 && rank >= 0 && rank < worldSize)) throw new RangeError(`initProcessGroup: rank ${rank} must lie in [0, worldSize ${worldSize})`);
  let store: object;
  let host = '127.0.0.1';
  if (initMethod.startsWith('file://')) {
    store = N.distFileStore(initMethod.slice('file://'.length), worldSize);
  } else {
    let port: number;
    if (initMethod === 'env://') {
      host = env.MASTER_ADDR ?? (() => { throw new Error('initProcessGroup: MASTER_ADDR is not set (init_method env://)'); })();
      port = intFrom(env, 'MASTER_PORT');
    } else {
      const match = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(initMethod);
      if (!match) throw new Error(`initProcessGroup: init_method must be env://, tcp://host:port or file:///path, got ${initMethod}`);
      [host, port] = [match[1], Number(match[2])];
    }
    store = N.distTcpStore(host, port, worldSize, rank === 0, timeout);
  }
  // on loopback Gloo must bind to loopback too; elsewhere it picks the interface the hostname resolves to
  const handle = backend === 'nccl'
    ? N.distNcclGroup(store, rank, worldSize, timeout)
    : N.distGlooGroup(store, rank, worldSize, timeout, isLoopback(host) ? '127.0.0.1' : undefined);
  defaultGroup = { handle, store, rank, worldSize, backend };
}

export function isInitialized(): boolean {
  return defaultGroup !== null;
}

function group(op: string): Group {
  if (!defaultGroup) throw new Error(`torch.distributed.${op}: the default process group has not been initialized (call initProcessGroup first)`);
  return defaultGroup;
}

export function getRank(): number {
  return defaultGroup?.rank ?? 0;
}

export function getWorldSize(): number {
  return defaultGroup?.worldSize ?? 1;
}

export function getBackend(): Backend {
  return group('getBackend').backend;
}

/** The native group handle (for DistributedDataParallel's reducer). */
export function groupHandle(op: string): object {
  return group(op).handle;
}

export function destroyProcessGroup(): void {
  if (!defaultGroup) return;
  N.distRelease(defaultGroup.handle);
  N.distRelease(defaultGroup.store);
  defaultGroup = null;
}

interface CollectiveOptions {
  asyncOp?: boolean;
}

/** Blocks (returns undefined) or returns the Work; `after` runs once the collective is done. */
function run(result: unknown, asyncOp: boolean | undefined, after: (() => void) | null = null): Work | undefined {
  if (asyncOp) return new Work(result as object, after);
  after?.();
  return undefined;
}

/** In place: every rank's tensor becomes the reduction over ranks. Gloo has no AVG, so avg sums and divides. */
export function allReduce(tensor: Tensor, op: ReduceOp = 'sum', options: CollectiveOptions = {}): Work | undefined {
  const g = group('allReduce');
  const divide = op === 'avg' ? () => torch.noGrad(() => tensor.div_(g.worldSize)) : null;
  return run(N.distAllReduce(g.handle, tensor, op === 'avg' ? 'sum' : op, options.asyncOp ?? false), options.asyncOp, divide);
}

/** In place: every rank's tensor becomes rank `src`'s. */
export function broadcast(tensor: Tensor, src = 0, options: CollectiveOptions = {}): Work | undefined {
  return run(N.distBroadcast(group('broadcast').handle, tensor, src, options.asyncOp ?? false), options.asyncOp);
}

/** tensorList[r] becomes rank r's tensor (each preallocated with the input's shape). */
export function allGather(tensorList: Tensor[], tensor: Tensor, options: CollectiveOptions = {}): Work | undefined {
  const g = group('allGather');
  if (tensorList.length !== g.worldSize) throw new Error(`torch.distributed.allGather: tensorList has ${tensorList.length} tensors, the world size is ${g.worldSize}`);
  return run(N.distAllGather(g.handle, tensorList, tensor, options.asyncOp ?? false), options.asyncOp);
}

/** output becomes the reduction over ranks of each rank's inputList[thisRank]. */
export function reduceScatter(output: Tensor, inputList: Tensor[], op: ReduceOp = 'sum', options: CollectiveOptions = {}): Work | undefined {
  const g = group('reduceScatter');
  const divide = op === 'avg' ? () => torch.noGrad(() => output.div_(g.worldSize)) : null;
  return run(N.distReduceScatter(g.handle, output, inputList, op === 'avg' ? 'sum' : op, options.asyncOp ?? false), options.asyncOp, divide);
}

/** On rank dst, gatherList[r] becomes rank r's tensor; the other ranks pass no list. */
export function gather(tensor: Tensor, gatherList: Tensor[] | null = null, dst = 0, options: CollectiveOptions = {}): Work | undefined {
  return run(N.distGather(group('gather').handle, gatherList ?? [], tensor, dst, options.asyncOp ?? false), options.asyncOp);
}

/** Each rank's tensor becomes scatterList[rank] of rank src; the other ranks pass no list. */
export function scatter(tensor: Tensor, scatterList: Tensor[] | null = null, src = 0, options: CollectiveOptions = {}): Work | undefined {
  return run(N.distScatter(group('scatter').handle, tensor, scatterList ?? [], src, options.asyncOp ?? false), options.asyncOp);
}

export function barrier(options: CollectiveOptions = {}): Work | undefined {
  return run(N.distBarrier(group('barrier').handle, options.asyncOp ?? false), options.asyncOp);
}

/** DDP's start-up sync: rank `src`'s values copied into every rank's tensors, in buffers of bufferBytes. */
export function broadcastCoalesced(tensors: Tensor[], bufferBytes = 250 * 1024 * 1024, src = 0): void {
  if (tensors.length > 0) N.distBroadcastCoalesced(group('broadcastCoalesced').handle, tensors, bufferBytes, src);
}
