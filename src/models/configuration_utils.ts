// PretrainedConfig, as transformers' configuration_utils.py: a model's hyper-parameters with
// camelCase properties here and Hugging Face's snake_case names in config.json. The fields a
// class declares (with their defaults) are its schema; any other field of a config.json is
// kept as it was read and written back, so a round trip loses nothing.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { resolveHubFile } from '../hub/resolve.js';
import { ggufConfigDict, ggufHeader, resolveGgufFile } from './gguf/config.js';
import { writeFileAtomic } from '../util/atomic.js';
import { logger } from './logging.js';

/**
 * The transformers release whose config.json finetune writes (`transformers_version`, as
 * save_pretrained stamps it): the version the interop tests load finetune's files with, pinned
 * in scripts/peers/requirements.txt.
 */
export const TRANSFORMERS_VERSION = '5.24.0';

export const CONFIG_NAME = 'config.json';
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';
const PROBLEM_TYPES: readonly ProblemType[] = ['regression', 'single_label_classification', 'multi_label_classification'];

/** Options taken by fromPretrained: file location, label settings, and any config field (camelCase) to override. */
export interface ConfigOptions {
  revision?: string;
  /** A GGUF file (in the folder or repo, or a path) whose metadata is the config, as transformers' gguf_file. */
  ggufFile?: string;
  numLabels?: number;
  id2label?: Record<number, string>;
  label2id?: Record<string, number>;
  problemType?: ProblemType | null;
  [field: string]: unknown;
}

/** Keys of fromPretrained options that are not config fields (models pass their own ones through). */
const LOCATION_OPTIONS = new Set(['revision', 'ggufFile']);

/** hiddenSize → hidden_size; nameOrPath is transformers' `_name_or_path`. */
export function toSnake(camel: string): string {
  return camel === 'nameOrPath' ? '_name_or_path' : camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
export function toCamel(snake: string): string {
  return snake === '_name_or_path' ? 'nameOrPath' : snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** fromPretrained options as transformers' kwargs spell them (num_labels) → camelCase (numLabels). */
export function camelCaseOptions<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).map(([k, v]) => [k.includes('_') && !k.startsWith('_') ? toCamel(k) : k, v])) as T;
}

const INTERNAL = ['extra', 'configFile'] as const;

export class PretrainedConfig {
  /** `model_type` in config.json; '' for the generic class. */
  static modelType = '';
  /** transformers' attribute_map: a generic snake_case name → this model's own field (DistilBERT: hidden_size → dim). */
  static attributeMap: Record<string, string> = {};

  // The fields of every config, with transformers' defaults (PretrainedConfig.__init__).
  nameOrPath = '';
  architectures: string[] | null = null;
  id2label: Record<number, string> = { 0: 'LABEL_0', 1: 'LABEL_1' };
  label2id: Record<string, number> = { LABEL_0: 0, LABEL_1: 1 };
  problemType: ProblemType | null = null;
  padTokenId: number | null = null;
  bosTokenId: number | null = null;
  eosTokenId: number | null = null;
  torchDtype: string | null = null;
  outputHiddenStates = false;
  outputAttentions = false;
  returnDict = true;
  isDecoder = false;
  addCrossAttention = false;
  isEncoderDecoder = false;
  tieWordEmbeddings = true;
  chunkSizeFeedForward = 0;
  finetuningTask: string | null = null;
  tokenizerClass: string | null = null;
  prunedHeads: Record<string, number[]> = {};
  sepTokenId: number | null = null;
  decoderStartTokenId: number | null = null;
  torchscript = false;
  useBfloat16 = false;
  tfLegacyLoss = false;
  tieEncoderDecoder = false;
  crossAttentionHiddenSize: number | null = null;
  taskSpecificParams: Record<string, unknown> | null = null;
  prefix: string | null = null;

  /** Fields of config.json this class does not model, by their JSON name, written back as read. */
  declare extra: Record<string, unknown>;
  /** The config.json this config was read from (for error messages), if any. */
  declare configFile: string | null;

  constructor() {
    for (const key of INTERNAL) Object.defineProperty(this, key, { value: key === 'extra' ? {} : null, writable: true, enumerable: false });
  }

  get modelType(): string {
    return (this.constructor as typeof PretrainedConfig).modelType;
  }

  /** The number of labels is the size of id2label; setting it regenerates LABEL_i names when it changes. */
  get numLabels(): number {
    return Object.keys(this.id2label).length;
  }
  set numLabels(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${this.where()}: numLabels must be a positive integer, got ${n}`);
    if (this.numLabels === n) return;
    this.id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, `LABEL_${i}`]));
    this.label2id = Object.fromEntries(Array.from({ length: n }, (_, i) => [`LABEL_${i}`, i]));
  }

  /** The camelCase names of this class's fields, in declaration order. */
  fieldNames(): string[] {
    return Object.keys(this);
  }

  /** "config.json at /path" or the class name, to start error messages. */
  where(): string {
    return this.configFile ? `${this.constructor.name} (${this.configFile})` : this.constructor.name;
  }

  // ---------------------------------------------------------------- reading
  /** A config from config.json's dictionary (snake_case keys), as `cls(**config_dict)`. */
  static fromDict<C extends PretrainedConfig>(this: new () => C, dict: Record<string, unknown>, options: ConfigOptions = {}): C {
    const config = new this();
    config.updateFromDict(dict);
    config.applyOptions(options);
    return config;
  }

  /** Reads config.json from a folder, a file, or a Hub repo id; options override fields as transformers' kwargs do. */
  static async fromPretrained<C extends PretrainedConfig>(this: { new (): C; modelType: string }, pathOrId: string, options: ConfigOptions = {}): Promise<C> {
    const { dict, file } = await readConfigDict(pathOrId, options.revision, options.ggufFile);
    return (this as unknown as typeof PretrainedConfig).fromFile(dict, file, pathOrId, options) as C;
  }

  /** A config from a config.json already read (AutoConfig reads it to find the class). */
  static fromFile<C extends PretrainedConfig>(this: { new (): C; modelType: string }, dict: Record<string, unknown>, file: string, pathOrId: string, options: ConfigOptions = {}): C {
    const config = new this();
    config.configFile = file;
    if (dict.model_type !== undefined && this.modelType && dict.model_type !== this.modelType) {
      logger.warning(`You are using a model of type ${String(dict.model_type)} to instantiate a model of type ${this.modelType}. This is not supported for all configurations of models and can yield errors.`);
    }
    config.updateFromDict(dict);
    config.nameOrPath = pathOrId; // as transformers: where it was loaded from, whatever the file says
    config.applyOptions(options);
    return config;
  }

  /** Sets fields from a config.json dictionary; unknown keys go to `extra`. */
  updateFromDict(dict: Record<string, unknown>): this {
    if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new TypeError(`${this.where()}: a config must be a JSON object`);
    const known = new Set(this.fieldNames());
    const map = (this.constructor as typeof PretrainedConfig).attributeMap;
    for (const [jsonKey, value] of Object.entries(dict)) {
      if (jsonKey === 'model_type' && !this.modelType) this.extra.model_type = value;
      if (jsonKey === 'model_type' || jsonKey === 'num_labels' || jsonKey === 'id2label' || jsonKey === 'label2id') continue;
      // newer transformers write the dtype as `dtype`
      const key = toCamel((Object.hasOwn(map, jsonKey) ? map[jsonKey] : undefined) ?? (jsonKey === 'dtype' ? 'torch_dtype' : jsonKey));
      if (known.has(key)) this.setField(key, value, jsonKey);
      else this.extra[jsonKey] = value;
    }
    this.readLabels(dict);
    return this;
  }

  /** id2label / label2id / num_labels as PretrainedConfig.__init__ reads them (JSON keys are strings). */
  private readLabels(dict: Record<string, unknown>): void {
    const { id2label, label2id, num_labels: numLabels } = dict as { id2label?: unknown; label2id?: unknown; num_labels?: unknown };
    if (label2id != null && (typeof label2id !== 'object' || Array.isArray(label2id))) throw new TypeError(`${this.where()}: label2id must be an object, got ${JSON.stringify(label2id)}`);
    if (id2label != null) {
      if (typeof id2label !== 'object' || Array.isArray(id2label)) throw new TypeError(`${this.where()}: id2label must be an object, got ${JSON.stringify(id2label)}`);
      this.id2label = normaliseId2label(id2label as Record<string, unknown>, this.where());
      if (numLabels != null && numLabels !== this.numLabels) {
        logger.warning(`You passed along \`num_labels=${String(numLabels)}\` with an incompatible id to label map: ${JSON.stringify(this.id2label)}. The number of labels will be overwritten to ${this.numLabels}.`);
      }
      // transformers leaves label2id unset here; deriving it keeps the two maps consistent
      this.label2id = label2id != null ? (label2id as Record<string, number>) : invert(this.id2label);
    } else {
      this.numLabels = numLabels == null ? 2 : Number(numLabels);
      if (label2id != null) this.label2id = label2id as Record<string, number>;
    }
  }

  /** fromPretrained's options: numLabels first, then the label maps, then any field (as kwargs in transformers). */
  applyOptions(options: ConfigOptions): this {
    const { numLabels, id2label, label2id, ...rest } = camelCaseOptions(options);
    if (numLabels !== undefined) this.numLabels = numLabels;
    if (id2label !== undefined) {
      this.id2label = normaliseId2label(id2label as Record<string, unknown>, this.where());
      if (numLabels !== undefined && numLabels !== this.numLabels) {
        throw new RangeError(`${this.where()}: numLabels is ${numLabels} but id2label has ${this.numLabels} entries`);
      }
      if (label2id === undefined) this.label2id = invert(this.id2label);
    }
    if (label2id !== undefined) this.label2id = { ...label2id };
    const known = new Set(this.fieldNames());
    const map = (this.constructor as typeof PretrainedConfig).attributeMap;
    for (const [option, value] of Object.entries(rest)) {
      if (value === undefined || LOCATION_OPTIONS.has(option)) continue;
      const key = Object.hasOwn(map, toSnake(option)) ? toCamel(map[toSnake(option)]) : option;
      if (!known.has(key)) {
        throw new TypeError(`${this.where()}: unknown option '${key}' (config fields are camelCase: ${this.fieldNames().slice(0, 8).join(', ')}, …)`);
      }
      this.setField(key, value, key);
    }
    return this;
  }

  /** Assigns one field, checking the value against the default's type so that a bad config.json fails here, by name. */
  protected setField(key: string, value: unknown, jsonKey: string): void {
    const current = (this as Record<string, unknown>)[key];
    const bad = (what: string) => new TypeError(`${this.where()}: '${jsonKey}' must be ${what}, got ${JSON.stringify(value)}`);
    if (key === 'problemType' && value !== null && !PROBLEM_TYPES.includes(value as ProblemType)) {
      throw new TypeError(`${this.where()}: problem_type must be one of ${PROBLEM_TYPES.join(', ')}, got ${JSON.stringify(value)}`);
    }
    // null is allowed anywhere (transformers' None); the model checks the fields it cannot do without
    if (value === null) {
      (this as Record<string, unknown>)[key] = null;
      return;
    }
    if (typeof current === 'number' && typeof value !== 'number') throw bad('a number');
    if (typeof current === 'boolean' && typeof value !== 'boolean') throw bad('true or false');
    if (typeof current === 'string' && typeof value !== 'string') throw bad('a string');
    (this as Record<string, unknown>)[key] = value;
  }

  // ---------------------------------------------------------------- writing
  /** Every field under its config.json name, with model_type and the unknown fields. */
  toDict(): Record<string, unknown> {
    // as save_pretrained, which stamps the writing library's version over a loaded one
    const out: Record<string, unknown> = { ...this.extra, transformers_version: TRANSFORMERS_VERSION };
    for (const key of this.fieldNames()) out[toSnake(key)] = (this as Record<string, unknown>)[key];
    if (this.modelType) out.model_type = this.modelType;
    return out;
  }

  /**
   * What save_pretrained writes (to_diff_dict): this model's own fields always, the common
   * ones only where they differ from PretrainedConfig's defaults, and the unknown fields.
   */
  toDiffDict(): Record<string, unknown> {
    const base = new PretrainedConfig().toDict();
    const own = new (this.constructor as new () => PretrainedConfig)().toDict();
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.toDict())) {
      const differs = (defaults: Record<string, unknown>) => JSON.stringify(value) !== JSON.stringify(defaults[key]);
      if (!(key in base) || key === 'transformers_version' || differs(base) || (key in own && differs(own))) out[key] = value;
    }
    return out;
  }

  /** config.json's text: sorted keys, two-space indent, a final newline (json.dumps(…, indent=2, sort_keys=True)). */
  toJsonString(useDiff = true): string {
    return `${JSON.stringify(sortKeys(useDiff ? this.toDiffDict() : this.toDict()), null, 2)}\n`;
  }

  /** Writes config.json into a folder (created if needed), atomically. */
  async savePretrained(dir: string): Promise<void> {
    writeFileAtomic(join(dir, CONFIG_NAME), this.toJsonString(), { mkdir: true });
  }

  /** A deep copy (same class, same unknown fields). */
  clone(): this {
    const copy = new (this.constructor as new () => this)();
    copy.updateFromDict(JSON.parse(JSON.stringify(this.toDict())) as Record<string, unknown>);
    copy.configFile = this.configFile;
    return copy;
  }

  toString(): string {
    return `${this.constructor.name} ${this.toJsonString(false)}`;
  }
}

function normaliseId2label(map: Record<string, unknown>, where: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [k, v] of Object.entries(map)) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0) throw new TypeError(`${where}: id2label keys must be label ids (0, 1, …), got '${k}'`);
    out[id] = String(v);
  }
  return out;
}

function invert(id2label: Record<number, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(id2label).map(([id, label]) => [label, Number(id)]));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

/** Finds and parses config.json for a folder, a file or a Hub repo id. */
export async function readConfigDict(pathOrId: string, revision?: string, ggufFile?: string): Promise<{ dict: Record<string, unknown>; file: string }> {
  if (ggufFile !== undefined) {
    // a GGUF carries no config.json: its metadata is the config (transformers' gguf_file)
    const path = await resolveGgufFile(pathOrId, ggufFile, revision);
    return { dict: ggufConfigDict(ggufHeader(path)), file: path };
  }
  let file: string;
  if (existsSync(pathOrId)) {
    file = statSync(pathOrId).isDirectory() ? join(pathOrId, CONFIG_NAME) : pathOrId;
    if (!existsSync(file)) throw new Error(`${pathOrId} does not appear to have a file named ${CONFIG_NAME} (a model folder holds config.json next to its weights)`);
  } else {
    file = await resolveHubFile(pathOrId, CONFIG_NAME, { revision });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  let dict: unknown;
  try {
    dict = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new Error(`${file} must hold a JSON object, got ${Array.isArray(dict) ? 'an array' : typeof dict}`);
  return { dict: dict as Record<string, unknown>, file };
}
