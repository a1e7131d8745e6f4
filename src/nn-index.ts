// The public `nn` namespace: nn's own modules plus nn.parallel (DistributedDataParallel).
export * from './nn/index.js';
export * as parallel from './distributed/parallel.js';
