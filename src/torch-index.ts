// The public `torch` and `nn` namespaces: the engine's and nn's own, plus torch.distributed and
// nn.parallel, which live above them (they need both) and so cannot be exported from inside.
export * from './engine/torch.js';
export * as distributed from './distributed/index.js';
