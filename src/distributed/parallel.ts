// nn.parallel, as PyTorch names it.
export { DistributedDataParallel } from './ddp.js';
export type { DistributedDataParallelOptions } from './ddp.js';
