// torch.distributed and nn.parallel.DistributedDataParallel on libtorch's c10d.
export {
  initProcessGroup, destroyProcessGroup, isInitialized, isGlooAvailable, isNcclAvailable, getRank, getWorldSize, getBackend,
  allReduce, broadcast, allGather, reduceScatter, gather, scatter, barrier, broadcastCoalesced, Work, ReduceOp,
} from './process_group.js';
export type { Backend, InitProcessGroupOptions } from './process_group.js';
export { DistributedDataParallel } from './ddp.js';
export type { DistributedDataParallelOptions } from './ddp.js';
