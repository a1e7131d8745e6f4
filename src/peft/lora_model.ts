// PEFT's LoraModel (the tuner): finds the target modules of a config in a model and replaces
// each by a LoraLinear around it, wraps the modules to save, freezes everything else, and
// merges, unloads and switches adapters. Target matching follows PEFT's
// check_target_module_exists: a list entry matches a module's name or its last components
// (`….query`), a string is a regular expression matched against the whole name.
import { withContext } from '../engine/autograd.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/layers.js';
import { ALL_LINEAR, type LoraConfig } from './config.js';
import { LoraLinear, ModulesToSaveWrapper, linearLike, type AdapterState } from './layer.js';

/**
 * PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING for the families finetune has or
 * will have, and DistilBERT's attention projections, which PEFT's table lacks.
 */
export const DEFAULT_TARGET_MODULES: Readonly<Record<string, readonly string[]>> = {
  bert: ['query', 'value'], roberta: ['query', 'value'], 'xlm-roberta': ['query', 'value'], electra: ['query', 'value'],
  distilbert: ['q_lin', 'v_lin'],
  gpt2: ['c_attn'], llama: ['q_proj', 'v_proj'], mistral: ['q_proj', 'v_proj'], mixtral: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'], qwen3: ['q_proj', 'v_proj'], gemma: ['q_proj', 'v_proj'], gemma2: ['q_proj', 'v_proj'],
  gemma3_text: ['q_proj', 'v_proj'], phi: ['q_proj', 'v_proj', 'fc1', 'fc2'], opt: ['q_proj', 'v_proj'],
};

/** The heads PEFT treats as a classifier for SEQ_CLS (SEQ_CLS_HEAD_NAMES). */
export const SEQ_CLS_HEAD_NAMES = ['classifier', 'score'];

const modelTypeOf = (model: Module) => (model as { config?: { modelType?: string; model_type?: string } }).config?.modelType ?? '';

/** The child `name` of `parent` replaced by `module` (in place, keeping the attribute's position). */
function replaceChild(parent: Module, name: string, module: Module): void {
  if (parent instanceof ModuleList && /^\d+$/.test(name)) {
    parent.set(Number(name), module);
    return;
  }
  (parent as unknown as Record<string, unknown>)[name] = module;
}

function getSubmodule(root: Module, key: string): [parent: Module, name: string] {
  const parts = key.split('.');
  const name = parts.pop()!;
  let parent = root;
  for (const p of parts) parent = [...parent.namedChildren()].find(([n]) => n === p)![1];
  return [parent, name];
}

/** Whether a module's dotted name is targeted (true), excluded ('excluded'), or not (false), as PEFT. */
export function checkTargetModuleExists(config: LoraConfig, key: string): boolean | 'excluded' {
  const exclude = config.excludeModules;
  if (exclude) {
    if (typeof exclude === 'string' ? new RegExp(`^(?:${exclude})$`).test(key) : exclude.includes(key) || exclude.some((e) => key.endsWith(`.${e}`))) return 'excluded';
  }
  // adapters never go inside the modules to save
  if (config.modulesToSave?.some((m) => new RegExp(`^(?:|.*\\.)${m}(?:$|\\..*)`).test(key))) return 'excluded';
  const targets = config.targetModules!;
  if (typeof targets === 'string') return new RegExp(`^(?:${targets})$`).test(key);
  return targets.includes(key) || targets.some((t) => key.endsWith(`.${t}`));
}

export class LoraModel extends Module {
  model: Module;
  readonly peftConfig: Record<string, LoraConfig> = {};
  readonly state: AdapterState = { activeAdapters: [], disabled: false };

  constructor(model: Module, config: LoraConfig, adapterName = 'default') {
    super();
    this.model = model;
    this.injectAdapter(config, adapterName);
    this.setAdapter(adapterName);
  }

  forward(...args: unknown[]): unknown {
    return this.model.forward(...args);
  }

  /** PEFT's inject_adapter: LoRA layers for the targets, wrappers for the modules to save. */
  injectAdapter(config: LoraConfig, adapterName: string): void {
    if (Object.hasOwn(this.peftConfig, adapterName)) throw new Error(`an adapter named '${adapterName}' already exists`);
    this.resolveTargets(config);
    const keys = [...this.model.namedModules()].map(([k]) => k).filter((k) => k !== '');
    const modules = new Map(this.model.namedModules());
    const targeted: string[] = [];
    for (const key of keys) {
      if (checkTargetModuleExists(config, key) !== true) continue;
      const target = modules.get(key)!;
      if (target instanceof LoraLinear) {
        target.updateLayer(adapterName, config.rankFor(key), config.alphaFor(key), config);
      } else {
        const shape = linearLike(target);
        if (!shape) {
          throw new Error(`Target module ${key} (${target.constructor.name}) is not supported. Currently only nn.Linear and Conv1D ` +
            'are supported (registerLoraDispatcher adds others); choose targetModules among the linear layers.');
        }
        if (shape.fanInFanOut !== config.fanInFanOut && shape.fanInFanOut) config.fanInFanOut = true; // as PEFT does for Conv1D, with a warning there
        const layer = new LoraLinear(target, shape, this.state);
        layer.updateLayer(adapterName, config.rankFor(key), config.alphaFor(key), config);
        const [parent, name] = getSubmodule(this.model, key);
        replaceChild(parent, name, layer);
      }
      targeted.push(key);
    }
    if (targeted.length === 0) {
      throw new Error(`Target modules ${JSON.stringify(config.targetModules)} not found in the base model (${this.model.constructor.name}). ` +
        `Please check the target modules and try again; its linear layers include: ${keys.filter((k) => linearLike(modules.get(k)!)).slice(0, 6).join(', ')}`);
    }
    this.peftConfig[adapterName] = config;
    this.wrapModulesToSave(config, adapterName);
  }

  /** targetModules from the architecture (null) or from 'all-linear', as PEFT rewrites them. */
  private resolveTargets(config: LoraConfig): void {
    if (config.targetModules === null) {
      const type = modelTypeOf(this.model);
      const defaults = DEFAULT_TARGET_MODULES[type];
      if (!defaults) throw new Error(`Please specify \`targetModules\` in the LoraConfig: there are no default target modules for model type '${type || this.model.constructor.name}'`);
      config.targetModules = [...defaults];
    } else if (typeof config.targetModules === 'string' && config.targetModules.toLowerCase() === ALL_LINEAR) {
      const exclude = new Set<Module>();
      const output = (this.model as { getOutputEmbeddings?: () => Module | null }).getOutputEmbeddings?.() ?? null;
      if (output) exclude.add(output);
      else if (config.taskType === 'SEQ_CLS') {
        const head = SEQ_CLS_HEAD_NAMES.map((n) => (this.model as unknown as Record<string, unknown>)[n]).find((m) => m instanceof Module);
        if (head) exclude.add(head as Module);
      }
      config.targetModules = [...this.model.namedModules()]
        .filter(([k, m]) => k !== '' && !exclude.has(m) && (linearLike(m) !== null || m instanceof LoraLinear))
        .map(([k]) => k).sort();
    }
  }

  /** PEFT's _set_trainable: each module whose name ends with a modulesToSave entry gets a trainable copy for this adapter. */
  private wrapModulesToSave(config: LoraConfig, adapterName: string): void {
    const names = config.modulesToSave;
    if (!names || names.length === 0) return;
    for (const [key, module] of [...this.model.namedModules()]) {
      if (key === '' || !names.some((n) => key.endsWith(n))) continue;
      if (module instanceof ModulesToSaveWrapper) {
        module.update(adapterName);
        continue;
      }
      if (key.split('.').some((part, i, all) => i < all.length - 1 && ['modules_to_save', 'original_module'].includes(part))) continue;
      const wrapper = new ModulesToSaveWrapper(module, this.state);
      wrapper.update(adapterName);
      const [parent, name] = getSubmodule(this.model, key);
      replaceChild(parent, name, wrapper);
    }
  }

  get loraLayers(): [string, LoraLinear][] {
    return [...this.model.namedModules()].filter((e): e is [string, LoraLinear] => e[1] instanceof LoraLinear);
  }

  get wrappers(): [string, ModulesToSaveWrapper][] {
    return [...this.model.namedModules()].filter((e): e is [string, ModulesToSaveWrapper] => e[1] instanceof ModulesToSaveWrapper);
  }

  /**
   * Makes `adapterName` the active adapter and marks trainable exactly what PEFT does: its
   * LoRA weights, its copies of the modules to save, and the biases its `bias` names (nothing
   * in inference mode); every other parameter is frozen.
   */
  setAdapter(adapterName: string): void {
    const config = this.peftConfig[adapterName];
    if (!config) throw new Error(`Adapter ${adapterName} not found; the model has: ${Object.keys(this.peftConfig).join(', ')}`);
    this.state.activeAdapters = [adapterName];
    const train = !config.inferenceMode;
    this.model.requiresGrad_(false);
    for (const [, layer] of this.loraLayers) {
      for (const name of layer.adapterNames) {
        layer.lora_A.get(name)!.requiresGrad_(train && name === adapterName);
        layer.lora_B.get(name)!.requiresGrad_(train && name === adapterName);
      }
    }
    if (train && config.bias === 'all') {
      for (const [name, p] of this.model.namedParameters()) if (name === 'bias' || name.endsWith('.bias')) p.requiresGrad_(true);
    } else if (train && config.bias === 'lora_only') {
      for (const [, layer] of this.loraLayers) (layer.base_layer as unknown as { bias?: { requiresGrad_(b: boolean): void } | null }).bias?.requiresGrad_(true);
    }
    // the wrappers decide for their own modules, whatever `bias` says: only the active copy trains
    for (const [, wrapper] of this.wrappers) {
      wrapper.original_module.requiresGrad_(false);
      for (const name of wrapper.modules_to_save.keys()) wrapper.modules_to_save.get(name)!.requiresGrad_(train && name === adapterName);
    }
  }

  /** Runs fn with every adapter switched off (PEFT's disable_adapter context). */
  disableAdapter<T>(fn: () => T): T {
    const was = this.state.disabled;
    this.state.disabled = true;
    return withContext(fn, () => { this.state.disabled = was; });
  }

  /** Adds the active adapters' updates into the base weights, keeping the LoRA layers (PEFT's merge_adapter). */
  mergeAdapter(): void {
    for (const [, layer] of this.loraLayers) layer.merge();
  }

  unmergeAdapter(): void {
    for (const [, layer] of this.loraLayers) layer.unmerge();
  }

  /** The base model with LoRA layers replaced by their base layers (merged first when `merge`), modules to save by the active copy. */
  unloadAndOptionallyMerge(merge: boolean): Module {
    for (const [key, layer] of this.loraLayers) {
      if (merge) layer.merge();
      const [parent, name] = getSubmodule(this.model, key);
      replaceChild(parent, name, layer.base_layer);
    }
    for (const [key, wrapper] of this.wrappers) {
      const [parent, name] = getSubmodule(this.model, key);
      replaceChild(parent, name, wrapper.activeModule);
    }
    this.model.requiresGrad_(true);
    return this.model;
  }

  deleteAdapter(adapterName: string): void {
    if (!Object.hasOwn(this.peftConfig, adapterName)) throw new Error(`Adapter ${adapterName} does not exist`);
    for (const [, layer] of this.loraLayers) layer.deleteAdapter(adapterName);
    for (const [, wrapper] of this.wrappers) wrapper.modules_to_save.delete(adapterName);
    delete this.peftConfig[adapterName];
    if (this.state.activeAdapters.includes(adapterName)) {
      const next = Object.keys(this.peftConfig)[0];
      if (next) this.setAdapter(next);
      else this.state.activeAdapters = [];
    }
  }
}
