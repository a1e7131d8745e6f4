// Accelerate's process state: what differs between one process and several, behind one
// interface the Accelerator delegates to. One process: every operation is the identity.
// Several (started by `finetune launch`, which sets RANK and WORLD_SIZE as torchrun does):
// the model is wrapped in DistributedDataParallel, data loaders are sharded, and gathering,
// reducing and waiting are c10d collectives over the default (Gloo) process group.
import type { DataLoader } from '../data/dataloader.js';
import { SequentialSampler } from '../data/samplers.js';
import { DistributedDataParallel, type DistributedDataParallelOptions } from '../distributed/ddp.js';
import * as dist from '../distributed/process_group.js';
import type { Tensor } from '../engine/tensor.js';
import * as torch from '../engine/torch.js';
import type { Module } from '../nn/module.js';
import { shardEvalLoader, shardTrainLoader } from './data_loader.js';

export type DistributedType = 'NO' | 'MULTI_CPU' | 'MULTI_GPU';

export interface ProcessState {
  readonly distributedType: DistributedType;
  readonly numProcesses: number;
  readonly processIndex: number;
  readonly localProcessIndex: number;
  /** The model as training uses it (DistributedDataParallel in several processes). */
  wrapModel(model: Module, options?: DistributedDataParallelOptions): Module;
  unwrapModel<M extends Module>(model: M): M;
  noSync<T>(model: Module, fn: () => T): T;
  /** This process's part of a data loader: round-robin batches, or a contiguous block for a sequential one. */
  shardLoader<B>(loader: DataLoader<B>): DataLoader<B>;
  /** Every process's tensor concatenated along dim 0, in process order (sizes along dim 0 may differ). */
  gatherVariable(tensor: Tensor): Tensor;
  reduce(tensor: Tensor, reduction: 'sum' | 'mean'): Tensor;
  barrier(): void;
}

export class SingleProcess implements ProcessState {
  readonly distributedType = 'NO' as const;
  readonly numProcesses = 1;
  readonly processIndex = 0;
  readonly localProcessIndex = 0;
  wrapModel(model: Module): Module {
    return model;
  }
  unwrapModel<M extends Module>(model: M): M {
    return model;
  }
  noSync<T>(_model: Module, fn: () => T): T {
    return fn();
  }
  shardLoader<B>(loader: DataLoader<B>): DataLoader<B> {
    return loader;
  }
  gatherVariable(tensor: Tensor): Tensor {
    return tensor;
  }
  reduce(tensor: Tensor): Tensor {
    return tensor;
  }
  barrier(): void {}
}

export class MultiProcess implements ProcessState {
  readonly distributedType = 'MULTI_CPU' as const;
  readonly numProcesses: number;
  readonly processIndex: number;
  readonly localProcessIndex: number;

  constructor() {
    if (!dist.isInitialized()) dist.initProcessGroup({ backend: 'gloo' });
    this.numProcesses = dist.getWorldSize();
    this.processIndex = dist.getRank();
    this.localProcessIndex = Number(process.env.LOCAL_RANK ?? this.processIndex);
  }

  wrapModel(model: Module, options: DistributedDataParallelOptions = {}): Module {
    return model instanceof DistributedDataParallel ? model : new DistributedDataParallel(model, options);
  }

  unwrapModel<M extends Module>(model: M): M {
    return (model instanceof DistributedDataParallel ? model.module : model) as M;
  }

  noSync<T>(model: Module, fn: () => T): T {
    return model instanceof DistributedDataParallel ? model.noSync(fn) : fn();
  }

  shardLoader<B>(loader: DataLoader<B>): DataLoader<B> {
    return loader.sampler instanceof SequentialSampler && loader.batchSize !== null
      ? shardEvalLoader(loader, this.numProcesses, this.processIndex)
      : shardTrainLoader(loader, this.numProcesses, this.processIndex);
  }

  gatherVariable(tensor: Tensor): Tensor {
    return torch.tidy(() => {
      const local = tensor.contiguous();
      // allGather needs equal shapes: first the sizes along dim 0, then each part padded to the largest
      const sizes = Array.from({ length: this.numProcesses }, () => torch.zeros([1], { dtype: 'int64' }));
      dist.allGather(sizes, torch.tensor([local.dim() === 0 ? 1 : local.size(0)], { dtype: 'int64' }));
      const counts = sizes.map((s) => s.item() as number);
      const rows = local.dim() === 0 ? local.reshape([1]) : local;
      const longest = Math.max(...counts);
      const padded = rows.size(0) === longest ? rows : torch.cat([rows, torch.zeros([longest - rows.size(0), ...rows.shape.slice(1)], { dtype: rows.dtype })], 0);
      const parts = counts.map(() => torch.zerosLike(padded));
      dist.allGather(parts, padded);
      return torch.cat(parts.map((p, r) => p.narrow(0, 0, counts[r])), 0);
    });
  }

  reduce(tensor: Tensor, reduction: 'sum' | 'mean'): Tensor {
    const out = tensor.clone();
    dist.allReduce(out, reduction === 'mean' ? 'avg' : 'sum');
    return out;
  }

  barrier(): void {
    dist.barrier();
  }
}

/** Several processes when launched as several (WORLD_SIZE > 1, or a process group already up), else one. */
export function processStateFromEnvironment(): ProcessState {
  const worldSize = dist.isInitialized() ? dist.getWorldSize() : Number(process.env.WORLD_SIZE ?? 1);
  return worldSize > 1 ? new MultiProcess() : new SingleProcess();
}
