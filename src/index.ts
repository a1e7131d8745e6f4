// finetune: the Hugging Face fine-tuning workflow in TypeScript, on libtorch.
export * as torch from './engine/torch.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
