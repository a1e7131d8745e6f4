// PEFT in finetune: LoRA adapters with PEFT's API (camelCase) and PEFT's files.
export { LoraConfig, ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, ALL_LINEAR, type LoraConfigOptions, type TaskType, type LoraBias } from './config.js';
export { LoraLinear, ModulesToSaveWrapper, ModuleDict, registerLoraDispatcher, type LoraDispatcher, type LinearLike } from './layer.js';
export { LoraModel, DEFAULT_TARGET_MODULES, checkTargetModuleExists } from './lora_model.js';
export { PeftModel, getPeftModel, type PeftFromPretrainedOptions } from './peft_model.js';
export { getPeftModelStateDict, setPeftModelStateDict, removeAdapterName, type AdapterLoadResult } from './save_and_load.js';
