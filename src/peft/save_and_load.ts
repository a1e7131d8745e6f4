// The adapter's tensors by PEFT's names, both ways (peft.utils.save_and_load): a model key
// `base_model.model.….query.lora_A.default.weight` is saved as `….query.lora_A.weight` (no
// adapter name), a module to save's copy `….classifier.modules_to_save.default.weight` as
// `….classifier.weight`, and the biases `bias` names under their own names. Loading maps every
// model key of the adapter through the same pairs and copies what the file holds.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { Module } from '../nn/module.js';
import type { LoraConfig } from './config.js';
import { LoraLinear, ModulesToSaveWrapper } from './layer.js';

/** PEFT's _remove_adapter_name_from_state_dict_key. */
export function removeAdapterName(key: string, adapterName: string): string {
  if (!key.includes('.')) return key;
  if (key.endsWith(`.${adapterName}`)) return key.slice(0, -adapterName.length - 1);
  const dot = key.lastIndexOf('.');
  const head = key.slice(0, dot);
  const stripped = head.endsWith(`.${adapterName}`) ? head.slice(0, -adapterName.length - 1) : head;
  return `${stripped}.${key.slice(dot + 1)}`;
}

/**
 * [model key, saved key] for every tensor of adapter `adapterName` that PEFT saves, in PEFT's
 * order: LoRA weights, the biases `bias` names, then the modules to save (a later pair with the
 * same saved key replaces an earlier one, as PEFT's dict update). `model` is the PeftModel.
 */
export function adapterKeyPairs(model: Module, config: LoraConfig, adapterName: string, otherAdapters: readonly string[]): [string, string][] {
  const state = model.stateDict();
  const keys = Object.keys(state).filter((k) => !otherAdapters.some((o) => k.includes(`.${o}.`) || k.endsWith(`.${o}`)));
  torch.dispose(state);
  const modules = [...model.namedModules()];
  const loraPrefixes = modules.filter(([, m]) => m instanceof LoraLinear).flatMap(([n]) => [`${n}.lora_A.${adapterName}.`, `${n}.lora_B.${adapterName}.`]);
  const pairs: [string, string][] = [];
  for (const k of keys) if (loraPrefixes.some((p) => k.startsWith(p))) pairs.push([k, k]);
  if (config.bias === 'all') {
    for (const k of keys) if (k === 'bias' || k.endsWith('.bias')) pairs.push([k, k]);
  } else if (config.bias === 'lora_only') {
    for (const [n, m] of modules) if (m instanceof LoraLinear && keys.includes(`${n}.base_layer.bias`)) pairs.push([`${n}.base_layer.bias`, `${n}.base_layer.bias`]);
  }
  for (const [n, m] of modules) {
    if (!(m instanceof ModulesToSaveWrapper) || !m.modules_to_save.get(adapterName)) continue;
    const inner = `${n}.modules_to_save.${adapterName}.`;
    for (const k of keys) if (k.startsWith(inner)) pairs.push([k, `${n}.${k.slice(inner.length)}`]);
  }
  const bySaved = new Map<string, string>();
  for (const [k, saved] of pairs) {
    const name = removeAdapterName(saved, adapterName);
    bySaved.delete(name);
    bySaved.set(name, k);
  }
  return [...bySaved].map(([saved, k]) => [k, saved]);
}

/** The tensors to write, by saved name (detached views; the caller disposes them). */
export function getPeftModelStateDict(model: Module, config: LoraConfig, adapterName: string, otherAdapters: readonly string[]): Record<string, Tensor> {
  const pairs = adapterKeyPairs(model, config, adapterName, otherAdapters);
  const state = model.stateDict();
  const out: Record<string, Tensor> = {};
  for (const [k, saved] of pairs) out[saved] = state[k].detach();
  torch.dispose(state);
  return out;
}

/** How loading went: which saved tensors had no place, which adapter weights the file lacked. */
export interface AdapterLoadResult {
  unexpectedKeys: string[];
  missingKeys: string[];
}

/**
 * Copies a saved adapter's tensors into the model (PEFT's set_peft_model_state_dict). Shapes
 * must match (a rank or a head of another size is an error naming the tensor); the result lists
 * what did not match by name.
 */
export function setPeftModelStateDict(model: Module, saved: Record<string, Tensor>, config: LoraConfig, adapterName: string,
  otherAdapters: readonly string[], where: string): AdapterLoadResult {
  const pairs = adapterKeyPairs(model, config, adapterName, otherAdapters);
  const state = model.stateDict();
  try {
    const used = new Set<string>();
    const missingKeys: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    const errors: string[] = [];
    for (const [k, name] of pairs) {
      const source = saved[name];
      if (!source) {
        missingKeys.push(name);
        continue;
      }
      used.add(name);
      const target = state[k];
      if (source.shape.join() !== target.shape.join()) {
        errors.push(`size mismatch for ${name}: copying a param with shape [${source.shape.join(', ')}] from checkpoint, the shape in current model is [${target.shape.join(', ')}].`);
      } else copies.push([target, source]);
    }
    if (errors.length) throw new Error(`Error(s) in loading the adapter from ${where}:\n\t${errors.join('\n\t')}\n\tDoes the LoraConfig (r, rankPattern, targetModules) belong to these weights?`);
    torch.noGrad(() => { for (const [target, source] of copies) target.copy_(source); });
    return { unexpectedKeys: Object.keys(saved).filter((k) => !used.has(k)), missingKeys };
  } finally {
    torch.dispose(state);
  }
}
