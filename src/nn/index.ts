// The `nn` namespace: `import { nn } from 'finetune'`.
export { Module, Parameter } from './module.js';
export type { LoadResult } from './module.js';
export { Linear, Embedding, LayerNorm, Dropout, GELU, Tanh, ReLU, Identity, ModuleList, Sequential } from './layers.js';
export { CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss, MSELoss, L1Loss } from './loss.js';
export * as functional from './functional.js';
export * as init from './init.js';
export * as utils from './utils.js';
