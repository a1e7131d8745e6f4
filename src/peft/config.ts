// LoraConfig, as PEFT's peft.LoraConfig: the same fields and defaults in camelCase, snake_case
// keys accepted, and adapter_config.json read and written with PEFT's field names so that an
// adapter moves between finetune and Python's peft in both directions.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { snakeToCamel, camelToSnake } from '../util/case.js';
import { writeFileAtomic } from '../util/atomic.js';

export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';
/** PEFT's version these files follow (written as peft_version). */
export const PEFT_VERSION = '0.21.2';

export type TaskType = 'SEQ_CLS' | 'SEQ_2_SEQ_LM' | 'CAUSAL_LM' | 'TOKEN_CLS' | 'QUESTION_ANS' | 'FEATURE_EXTRACTION';
const TASK_TYPES: readonly TaskType[] = ['SEQ_CLS', 'SEQ_2_SEQ_LM', 'CAUSAL_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION'];
export type LoraBias = 'none' | 'all' | 'lora_only';
/** PEFT's shorthand for every linear layer but the output head. */
export const ALL_LINEAR = 'all-linear';

export interface LoraConfigOptions {
  /** LoRA's rank (8). */
  r?: number;
  /** The scaling numerator: updates are scaled by loraAlpha / r (or / √r with useRslora). Default 8. */
  loraAlpha?: number;
  loraDropout?: number;
  /** Module names (a name matches itself or any `….name`), one regular expression matched against the whole dotted name, or 'all-linear'. */
  targetModules?: string[] | string | null;
  excludeModules?: string[] | string | null;
  /** The base layer stores its weight as [in, out] (GPT-2's Conv1D; set automatically for it). */
  fanInFanOut?: boolean;
  bias?: LoraBias;
  useRslora?: boolean;
  /** Modules trained in full and saved with the adapter (a classification head). */
  modulesToSave?: string[] | null;
  /** true: A as nn.Linear (Kaiming uniform), B zero; 'gaussian': A ~ N(0, 1/r), B zero; false: both random (not a no-op). */
  initLoraWeights?: boolean | 'gaussian';
  layersToTransform?: number[] | number | null;
  layersPattern?: string[] | string | null;
  /** Module-name pattern → rank, e.g. { 'encoder.layer.0.attention.self.query': 4 } or { 'value': 2 }. */
  rankPattern?: Record<string, number>;
  alphaPattern?: Record<string, number>;
  taskType?: TaskType | null;
  inferenceMode?: boolean;
  baseModelNameOrPath?: string | null;
  revision?: string | null;
}

/**
 * The rest of PEFT's LoraConfig fields, at their defaults: written to adapter_config.json so
 * that peft reads exactly what it writes, and checked on reading (a value finetune does not
 * implement, such as use_dora: true, is refused, naming the field).
 */
const UNSUPPORTED_AT_DEFAULT: Record<string, unknown> = {
  alora_invocation_tokens: null, arrow_config: null, auto_mapping: null, corda_config: null, ensure_weight_tying: false, eva_config: null,
  kasa_config: null, layer_replication: null, loftq_config: {}, lora_bias: false, lora_ga_config: null, megatron_config: null,
  megatron_core: 'megatron.core', monteclora_config: null, qalora_group_size: 16, target_parameters: null, trainable_token_indices: null,
  use_bdlora: null, use_dora: false, use_qalora: false, velora_config: null,
};
// fields whose value does not change what finetune computes, whatever they say
const INFORMATIONAL = new Set(['peft_version', 'runtime_config', 'auto_mapping', 'megatron_core', 'qalora_group_size', 'ensure_weight_tying']);

const KNOWN = new Set<string>(['r', 'loraAlpha', 'loraDropout', 'targetModules', 'excludeModules', 'fanInFanOut', 'bias', 'useRslora', 'modulesToSave',
  'initLoraWeights', 'layersToTransform', 'layersPattern', 'rankPattern', 'alphaPattern', 'taskType', 'inferenceMode', 'baseModelNameOrPath', 'revision']);

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0);
}

export class LoraConfig {
  readonly peftType = 'LORA';
  r = 8;
  loraAlpha = 8;
  loraDropout = 0;
  targetModules: string[] | string | null = null;
  excludeModules: string[] | string | null = null;
  fanInFanOut = false;
  bias: LoraBias = 'none';
  useRslora = false;
  modulesToSave: string[] | null = null;
  initLoraWeights: boolean | 'gaussian' = true;
  layersToTransform: number[] | number | null = null;
  layersPattern: string[] | string | null = null;
  rankPattern: Record<string, number> = {};
  alphaPattern: Record<string, number> = {};
  taskType: TaskType | null = null;
  inferenceMode = false;
  baseModelNameOrPath: string | null = null;
  revision: string | null = null;

  /** `new LoraConfig({ r: 16, loraAlpha: 32, targetModules: ['query', 'value'], taskType: 'SEQ_CLS' })`; snake_case keys also work. */
  constructor(options: LoraConfigOptions = {}, where = 'LoraConfig') {
    for (const [key, value] of Object.entries(options ?? {})) {
      const k = snakeToCamel(key);
      if (!KNOWN.has(k)) throw new TypeError(`${where}: unknown option '${key}'; known options: ${[...KNOWN].join(', ')}`);
      if (value !== undefined) (this as Record<string, unknown>)[k] = value;
    }
    this.validate(where);
  }

  private validate(where: string): void {
    const fail = (field: string, message: string) => { throw new TypeError(`${where}: ${field} ${message}`); };
    if (!Number.isSafeInteger(this.r) || this.r <= 0) fail('r', `must be a positive integer, got ${this.r}`);
    if (typeof this.loraAlpha !== 'number' || !Number.isFinite(this.loraAlpha)) fail('loraAlpha', `must be a number, got ${this.loraAlpha}`);
    if (!(this.loraDropout >= 0 && this.loraDropout < 1)) fail('loraDropout', `must be in [0, 1), got ${this.loraDropout}`);
    if (!['none', 'all', 'lora_only'].includes(this.bias)) fail('bias', `must be 'none', 'all' or 'lora_only', got ${JSON.stringify(this.bias)}`);
    if (this.initLoraWeights !== true && this.initLoraWeights !== false && this.initLoraWeights !== 'gaussian') {
      fail('initLoraWeights', `must be true, false or 'gaussian' (others of PEFT's, such as 'pissa' or 'loftq', are not implemented), got ${JSON.stringify(this.initLoraWeights)}`);
    }
    if (this.taskType !== null && !TASK_TYPES.includes(this.taskType)) fail('taskType', `must be one of ${TASK_TYPES.join(', ')}, got ${JSON.stringify(this.taskType)}`);
    for (const [field, value] of [['targetModules', this.targetModules], ['excludeModules', this.excludeModules]] as const) {
      if (value !== null && typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
        fail(field, `must be a list of module names or a regular expression string, got ${JSON.stringify(value)}`);
      }
      if (typeof value === 'string' && value !== ALL_LINEAR) {
        try { new RegExp(value); } catch (error) { fail(field, `is not a valid regular expression: ${(error as Error).message}`); }
      }
    }
    if (this.modulesToSave !== null && !(Array.isArray(this.modulesToSave) && this.modulesToSave.every((v) => typeof v === 'string'))) {
      fail('modulesToSave', `must be a list of module names, got ${JSON.stringify(this.modulesToSave)}`);
    }
    for (const [field, pattern] of [['rankPattern', this.rankPattern], ['alphaPattern', this.alphaPattern]] as const) {
      if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) fail(field, `must be a record of pattern → number, got ${JSON.stringify(pattern)}`);
      for (const [k, v] of Object.entries(pattern)) if (typeof v !== 'number') fail(field, `[${JSON.stringify(k)}] must be a number, got ${JSON.stringify(v)}`);
    }
    if (this.layersToTransform !== null || this.layersPattern !== null) fail('layersToTransform/layersPattern', 'are not implemented; select layers with a targetModules regular expression instead');
  }

  /** The rank for a module (PEFT's rank_pattern: a key matching the end of the dotted name, as `(.*\.)?(key)$`). */
  rankFor(moduleName: string): number {
    return this.rankPattern[patternKey(Object.keys(this.rankPattern), moduleName)] ?? this.r;
  }

  alphaFor(moduleName: string): number {
    return this.alphaPattern[patternKey(Object.keys(this.alphaPattern), moduleName)] ?? this.loraAlpha;
  }

  copy(): LoraConfig {
    return LoraConfig.fromDict(this.toDict());
  }

  /** adapter_config.json's object: PEFT's snake_case names, every field of PEFT's LoraConfig. */
  toDict(): Record<string, unknown> {
    const own: Record<string, unknown> = { peft_type: this.peftType, peft_version: PEFT_VERSION };
    for (const k of KNOWN) {
      const value = (this as Record<string, unknown>)[k];
      own[camelToSnake(k)] = Array.isArray(value) ? [...value] : value !== null && typeof value === 'object' ? { ...value } : value;
    }
    const all = { ...UNSUPPORTED_AT_DEFAULT, ...own };
    return Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
  }

  toJsonString(): string {
    return `${JSON.stringify(this.toDict(), null, 2)}\n`;
  }

  /** A config from adapter_config.json's object (PEFT's names); `where` names the file in errors. */
  static fromDict(dict: Record<string, unknown>, where = 'adapter_config.json'): LoraConfig {
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new TypeError(`${where}: expected a JSON object`);
    const peftType = dict.peft_type ?? 'LORA';
    if (peftType !== 'LORA') throw new Error(`${where}: peft_type ${JSON.stringify(peftType)} is not supported (only LORA)`);
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(dict)) {
      if (key === 'peft_type' || INFORMATIONAL.has(key)) continue;
      if (Object.hasOwn(UNSUPPORTED_AT_DEFAULT, key)) {
        if (!isEmpty(value) && value !== false) throw new Error(`${where}: ${key} = ${JSON.stringify(value)} is not supported by finetune's LoRA`);
        continue;
      }
      if (!KNOWN.has(snakeToCamel(key))) continue; // a field of a newer peft: PEFT itself ignores unknown fields too
      // peft writes a set of target modules as a list, in no particular order
      options[key] = value;
    }
    return new LoraConfig(options as LoraConfigOptions, where);
  }

  static fromPretrained(dir: string): LoraConfig {
    const file = join(dir, ADAPTER_CONFIG_NAME);
    if (!existsSync(file)) throw new Error(`Can't find '${ADAPTER_CONFIG_NAME}' at '${dir}'`);
    let dict: Record<string, unknown>;
    try {
      dict = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
    }
    return LoraConfig.fromDict(dict, file);
  }

  savePretrained(dir: string): void {
    writeFileAtomic(join(dir, ADAPTER_CONFIG_NAME), this.toJsonString(), { mkdir: true });
  }
}

/** PEFT's get_pattern_key: the first pattern key matching the end of the name (as `(.*\.)?(key)$`), else the name itself. */
export function patternKey(patterns: readonly string[], name: string): string {
  for (const key of patterns) if (new RegExp(`^(.*\\.)?(${key})$`).test(name)) return key;
  return name;
}
