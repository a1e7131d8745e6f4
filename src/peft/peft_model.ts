// PeftModel, as PEFT's peft.PeftModel: the wrapper around a model with LoRA adapters, holding
// the tuner as base_model (so parameters are named base_model.model.… as in PEFT), with
// getPeftModel, savePretrained/fromPretrained of adapter_config.json + adapter_model.safetensors,
// several adapters (addAdapter, loadAdapter, setAdapter), disableAdapter, merging and unloading.
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import { Module } from '../nn/module.js';
import { ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, LoraConfig, type LoraConfigOptions } from './config.js';
import { LoraModel, SEQ_CLS_HEAD_NAMES } from './lora_model.js';
import { getPeftModelStateDict, setPeftModelStateDict, type AdapterLoadResult } from './save_and_load.js';

interface Declarations {
  forwardInputNames?: readonly string[];
  labelNames?: readonly string[];
  mainInputName?: string;
  lossShiftsLabels?: boolean;
}

/** Thousands separated by commas, as Python's `{:,d}`. */
const withCommas = (n: number) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export interface PeftFromPretrainedOptions {
  adapterName?: string;
  /** false (the default, as PEFT): the adapter is loaded for inference, nothing trainable. */
  isTrainable?: boolean;
}

export class PeftModel<M extends Module = Module> extends Module {
  base_model: LoraModel;

  constructor(model: M, config: LoraConfig, adapterName = 'default') {
    super();
    if (model instanceof PeftModel) throw new Error('getPeftModel: the model is already a PeftModel; add another adapter with addAdapter(name, config)');
    if (!(config instanceof LoraConfig)) throw new TypeError('PeftModel: expected a LoraConfig');
    // as PeftModelForSequenceClassification: the classification head is trained and saved with the adapter
    if (config.taskType === 'SEQ_CLS') config.modulesToSave = [...(config.modulesToSave ?? []), ...SEQ_CLS_HEAD_NAMES];
    this.base_model = new LoraModel(model, config, adapterName);
  }

  get peftConfig(): Record<string, LoraConfig> {
    return this.base_model.peftConfig;
  }

  get activeAdapter(): string {
    return this.base_model.state.activeAdapters[0]!;
  }

  get activePeftConfig(): LoraConfig {
    return this.peftConfig[this.activeAdapter]!;
  }

  /** The model the adapters are on (get_base_model). */
  getBaseModel(): M {
    return this.base_model.model as M;
  }

  /** The base model's config (PEFT forwards attribute lookups to it). */
  get config(): unknown {
    return (this.base_model.model as { config?: unknown }).config;
  }

  // what the Trainer reads about a model's inputs, from the model underneath
  get forwardInputNames(): readonly string[] | undefined {
    return declared(this.base_model.model, 'forwardInputNames');
  }
  get labelNames(): readonly string[] | undefined {
    return declared(this.base_model.model, 'labelNames');
  }
  get mainInputName(): string | undefined {
    return declared(this.base_model.model, 'mainInputName');
  }
  /** Whether the model's loss shifts labels itself (causal LMs): how the Trainer counts numItemsInBatch. */
  get lossShiftsLabels(): boolean | undefined {
    return declared(this.base_model.model, 'lossShiftsLabels');
  }

  /** PEFT's generate: the base model's, whose layers carry the adapters. */
  generate(...args: unknown[]): unknown {
    const base = this.base_model.model as { generate?: (...a: unknown[]) => unknown };
    if (typeof base.generate !== 'function') throw new TypeError(`PeftModel.generate: the base model (${this.base_model.model.constructor.name}) has no generate method`);
    return base.generate.apply(base, args);
  }

  forward(...args: unknown[]): ReturnType<M['forward']> {
    return this.base_model.model.forward(...args) as ReturnType<M['forward']>;
  }

  // ---------------------------------------------------------------- parameters
  /** [trainable, all] parameter counts, as PEFT's get_nb_trainable_parameters (the modules to save counted twice, original and copy). */
  getNbTrainableParameters(): [number, number] {
    let trainable = 0;
    let all = 0;
    for (const p of this.parameters()) {
      all += p.numel();
      if (p.requiresGrad) trainable += p.numel();
    }
    return [trainable, all];
  }

  /** PEFT's line: `trainable params: 294,912 || all params: 125,243,656 || trainable%: 0.2355`. */
  trainableParametersLine(): string {
    const [trainable, all] = this.getNbTrainableParameters();
    return `trainable params: ${withCommas(trainable)} || all params: ${withCommas(all)} || trainable%: ${(100 * trainable / all).toFixed(4)}`;
  }

  printTrainableParameters(): void {
    process.stdout.write(`${this.trainableParametersLine()}\n`);
  }

  // ---------------------------------------------------------------- adapters
  addAdapter(adapterName: string, config: LoraConfig): void {
    if (config.taskType === 'SEQ_CLS') config.modulesToSave = [...new Set([...(config.modulesToSave ?? []), ...SEQ_CLS_HEAD_NAMES])];
    const active = this.activeAdapter;
    this.base_model.injectAdapter(config, adapterName);
    this.base_model.setAdapter(active); // a new adapter is added inactive, as PEFT does
  }

  setAdapter(adapterName: string): void {
    this.base_model.setAdapter(adapterName);
  }

  deleteAdapter(adapterName: string): void {
    this.base_model.deleteAdapter(adapterName);
  }

  /** Runs fn on the base model alone (PEFT's `with model.disable_adapter():`); async fns keep it disabled until they settle. */
  disableAdapter<T>(fn: () => T): T {
    return this.base_model.disableAdapter(fn);
  }

  mergeAdapter(): void {
    this.base_model.mergeAdapter();
  }

  unmergeAdapter(): void {
    this.base_model.unmergeAdapter();
  }

  /** The base model with the active adapter merged into its weights and the LoRA layers gone (merge_and_unload). */
  mergeAndUnload(): M {
    return this.base_model.unloadAndOptionallyMerge(true) as M;
  }

  /** The base model as it was, LoRA layers removed without merging (unload). */
  unload(): M {
    return this.base_model.unloadAndOptionallyMerge(false) as M;
  }

  // ---------------------------------------------------------------- files
  /**
   * adapter_config.json + adapter_model.safetensors into dir, for each adapter (others than
   * 'default' in dir/<name>/), with PEFT's key names and {"format": "pt"}, atomically.
   */
  async savePretrained(dir: string, options: { selectedAdapters?: string[] } = {}): Promise<void> {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`savePretrained: ${dir} should be a directory, not a file`);
    const names = options.selectedAdapters ?? Object.keys(this.peftConfig);
    for (const name of names) {
      const config = this.peftConfig[name];
      if (!config) throw new Error(`savePretrained: no adapter named '${name}'`);
      const target = name === 'default' ? dir : join(dir, name);
      await mkdir(target, { recursive: true });
      const others = Object.keys(this.peftConfig).filter((n) => n !== name);
      const state = getPeftModelStateDict(this, config, name, others);
      try {
        torch.saveSafetensors(join(target, ADAPTER_WEIGHTS_NAME), state, { format: 'pt' });
      } finally {
        torch.dispose(state);
      }
      const saved = config.copy();
      saved.inferenceMode = true;
      saved.baseModelNameOrPath ??= nameOrPath(this.base_model.model);
      saved.savePretrained(target);
    }
  }

  /** Reads an adapter from dir into this model under adapterName (PEFT's load_adapter). */
  loadAdapter(dir: string, adapterName: string, options: { isTrainable?: boolean } = {}): AdapterLoadResult {
    const config = LoraConfig.fromPretrained(dir);
    config.inferenceMode = !(options.isTrainable ?? false);
    if (!Object.hasOwn(this.peftConfig, adapterName)) this.addAdapter(adapterName, config);
    else this.peftConfig[adapterName] = config;
    const result = this.loadAdapterWeights(dir, adapterName);
    this.setAdapter(this.activeAdapter);
    return result;
  }

  /** Copies adapter_model.safetensors from dir into the adapter of that name (also the Trainer's resume and best-model loading). */
  loadAdapterWeights(dir: string, adapterName = this.activeAdapter): AdapterLoadResult {
    const file = join(dir, ADAPTER_WEIGHTS_NAME);
    if (!existsSync(file)) throw new Error(`Can't find weights for an adapter in ${dir}: no ${ADAPTER_WEIGHTS_NAME} (PEFT's adapter_model.bin is not read: convert it to safetensors)`);
    const saved = torch.loadSafetensors(file);
    try {
      const others = Object.keys(this.peftConfig).filter((n) => n !== adapterName);
      const result = setPeftModelStateDict(this, saved, this.peftConfig[adapterName]!, adapterName, others, file);
      if (result.missingKeys.length) {
        throw new Error(`${file} lacks adapter weights for ${result.missingKeys.slice(0, 4).join(', ')}${result.missingKeys.length > 4 ? ', …' : ''} ` +
          `(${result.missingKeys.length} missing): was it saved for another base model or another ${ADAPTER_CONFIG_NAME}?`);
      }
      if (result.unexpectedKeys.length) process.emitWarning(`${file}: ${result.unexpectedKeys.length} tensors have no place in the model and were ignored: ${result.unexpectedKeys.slice(0, 4).join(', ')}`);
      return result;
    } finally {
      torch.dispose(saved);
    }
  }

  /** `PeftModel.fromPretrained(base, dir)`: the base model with the adapter saved in dir (for inference unless isTrainable). */
  static fromPretrained<B extends Module>(model: B, dir: string, options: PeftFromPretrainedOptions = {}): PeftModel<B> {
    const adapterName = options.adapterName ?? 'default';
    const config = LoraConfig.fromPretrained(dir);
    config.inferenceMode = !(options.isTrainable ?? false);
    // the saved config already lists the classifier among modules_to_save; SEQ_CLS must not add it twice
    const task = config.taskType;
    config.taskType = null;
    const peft = new PeftModel(model, config, adapterName);
    config.taskType = task;
    peft.loadAdapterWeights(dir, adapterName);
    if (config.inferenceMode) peft.eval();
    return peft;
  }
}

function declared<K extends keyof Declarations>(model: unknown, key: K): Declarations[K] {
  const m = model as Declarations & { constructor: Declarations };
  return m[key] ?? m.constructor?.[key];
}

function nameOrPath(model: Module): string | null {
  const name = (model as { config?: { nameOrPath?: string } }).config?.nameOrPath;
  return name ? name : null;
}

/** PEFT's get_peft_model(model, config): the model with a fresh LoRA adapter, only the adapter (and the modules to save) trainable. */
export function getPeftModel<M extends Module>(model: M, config: LoraConfig | LoraConfigOptions, adapterName = 'default'): PeftModel<M> {
  return new PeftModel(model, config instanceof LoraConfig ? config : new LoraConfig(config), adapterName);
}
