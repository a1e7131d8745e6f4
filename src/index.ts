// finetune: the Hugging Face fine-tuning workflow in TypeScript, on libtorch.
export * as torch from './torch-index.js';
export * as nn from './nn-index.js';
export * as optim from './optim/index.js';
export * from './data-index.js';
export * from './models/index.js';
export * from './generation/index.js';
export * from './trainer-index.js';
export * from './accelerate/index.js';
export {
  loadCheckpoint, resolveCheckpoint, findCheckpointFile, renameLegacyKeys, CheckpointError, UnsafePickleError,
  type LoadedCheckpoint, type CheckpointFormat, type LoadCheckpointOptions,
} from './models/checkpoint.js';
export { hfHubDownload, listRepoFiles, HubHttpClient, type HubClientOptions, type DownloadFileOptions } from './hub/client.js';
export * from './pipelines/index.js';
export * from './peft/index.js';
export * as trl from './trl/index.js';
export { DataCollatorForCompletionOnlyLM } from './trl/collators.js';
export { SFTConfig, SFTTrainer } from './trl/index.js';
export { DataCollatorForSeq2Seq, DataCollatorWithFlattening } from './data/seq2seq_collators.js';
export * from './onnx/index.js';
export { serve, type ServeHandle, type ServeOptions } from './serve/index.js';

import { installDefaultHubClient } from './hub/client.js';
// The real Hub client behind fromPretrained('org/name'); it never replaces one already installed.
installDefaultHubClient();
