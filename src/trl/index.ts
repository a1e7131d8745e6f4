// TRL in finetune: SFT (SFTConfig, SFTTrainer), its collators and packing.
export { DataCollatorForLanguageModeling, DataCollatorForCompletionOnlyLM, type TrlLanguageModelingOptions, type CompletionOnlyOptions } from './collators.js';
export { packBfd, truncateRow, isConversational, datasetShape, commonPrefixLength, type DatasetShape } from './data_utils.js';
export { SFTConfig, type SFTConfigInit, type SFTFields } from './sft_config.js';
export { SFTTrainer, type SFTTrainerOptions, type SFTTokenizer } from './sft_trainer.js';
