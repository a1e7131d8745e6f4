// TrainingArguments: Hugging Face's fields and defaults (transformers 4.46), camelCase in
// TypeScript and snake_case in files, checked as __post_init__ checks them (same messages).
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { pyJsonDumps } from './pyjson.js';
import { HF_SCHEDULER_TYPES, SCHEDULER_TYPES } from '../optim/schedulers.js';
import { camelToSnake, snakeToCamel } from '../util/case.js';
import type { FieldName, FieldSpec, IntervalStrategy, ReportTo, ReportToSetting, SaveStrategy, TrainingArgumentsFields } from './training_args_fields.js';
import { FIELDS, FIELD_NAMES, HUB_STRATEGIES, INTERVAL_STRATEGIES, OPTIMIZER_NAMES, REPORT_INTEGRATIONS, SAVE_STRATEGIES, isField } from './training_args_fields.js';
import { coerceField, unknownKeyError } from './args_parsing.js';

/** Hugging Face's snake_case spelling of a camelCase name, as a type: numTrainEpochs → num_train_epochs. */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;

/** The fields under their Python names, for code ported from transformers. */
export type TrainingArgumentsSnakeInit = { [K in keyof TrainingArgumentsFields as SnakeCase<K & string>]?: TrainingArgumentsFields[K] };

export type TrainingArgumentsInit = Partial<TrainingArgumentsFields> & TrainingArgumentsSnakeInit;

export { REPORT_INTEGRATIONS };

function enumCheck(value: unknown, values: readonly string[], enumName: string): void {
  // transformers' ExplicitEnum._missing_ message
  if (!values.includes(value as string)) throw new Error(`${String(value)} is not a valid ${enumName}, please select one of [${values.map((v) => `'${v}'`).join(', ')}]`);
}

/** reportTo as given ('all', 'none', a name or a list) → the integrations to run. */
function reportIntegrations(setting: ReportToSetting): ReportTo[] {
  const list = setting == null ? ['all'] : typeof setting === 'string' ? [setting] : [...setting];
  if (list.length === 1 && list[0] === 'all') return [...REPORT_INTEGRATIONS];
  if (list.length === 1 && list[0] === 'none') return [];
  return list.map((integration) => {
    if (!(REPORT_INTEGRATIONS as readonly string[]).includes(integration)) throw new Error(`${integration} is not supported, only ${REPORT_INTEGRATIONS.join(', ')} are supported.`);
    return integration as ReportTo;
  });
}

/** Hugging Face's default_logdir(): runs/<Mon DD_HH-MM-SS>_<hostname>. */
export function defaultLogdir(now = new Date()): string {
  const month = now.toLocaleString('en-US', { month: 'short' });
  const p = (n: number) => String(n).padStart(2, '0');
  return join('runs', `${month}${p(now.getDate())}_${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}_${hostname()}`);
}

// Keys of training_args.json files written by other transformers versions (distributed,
// hub and tracking options), skipped so that those files load
const OTHER_VERSION_KEYS = new Set(['sharded_ddp', 'xpu_backend', 'tp_size', 'liger_kernel_config', 'hub_revision', 'parallelism_config', 'project', 'trackio_space_id']);

const expandUser = (p: string) => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);

/** The fields of a mapping under their camelCase names (snake_case accepted); unknown or repeated names are errors. */
function camelCaseFields(dict: object, context: string): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dict)) {
    const name = isField(key) ? key : snakeToCamel(key);
    if (!isField(name)) throw unknownKeyError(key, context);
    if (name in init) throw new Error(`${context}: ${key} is given twice (as ${camelToSnake(name)} and ${name})`);
    init[name] = value;
  }
  return init;
}

/** The fields, with reportTo as TrainingArguments normalises it. */
export interface TrainingArguments extends Omit<TrainingArgumentsFields, 'reportTo'> {
  reportTo: ReportTo[];
}

export class TrainingArguments {
  /** The field table: kind, default, help and whether finetune honours each field. */
  static readonly FIELDS: Readonly<Record<FieldName, FieldSpec>> = FIELDS;

  /**
   * `new TrainingArguments({ outputDir: 'out', … })`, or as in Python,
   * `new TrainingArguments('test-trainer', { num_train_epochs: 3 })`: the output directory
   * first, and the fields in camelCase or snake_case.
   */
  constructor(outputDirOrInit: string | TrainingArgumentsInit = {}, init: TrainingArgumentsInit = {}) {
    const given = typeof outputDirOrInit === 'string' ? { ...init, outputDir: outputDirOrInit } : outputDirOrInit;
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw new TypeError(`TrainingArguments: expected the output directory (a string) or an options object, got ${Array.isArray(given) ? 'an array' : String(given)}`);
    }
    for (const [name, value] of Object.entries(camelCaseFields(given, 'TrainingArguments'))) {
      if (value === undefined) continue;
      (this as Record<string, unknown>)[name] = coerceField(name as FieldName, value, 'TrainingArguments');
    }
    for (const name of FIELD_NAMES) {
      if (!Object.prototype.hasOwnProperty.call(this, name)) {
        const def = FIELDS[name].default;
        (this as Record<string, unknown>)[name] = Array.isArray(def) ? [...def] : def !== null && typeof def === 'object' ? { ...def } : def;
      }
    }
    this.postInit();
  }

  /** transformers' TrainingArguments.__post_init__, in its order, for what applies here. */
  private postInit(): void {
    this.outputDir = expandUser(this.outputDir);
    this.loggingDir = expandUser(this.loggingDir ?? join(this.outputDir, defaultLogdir()));
    this.disableTqdm ??= false;
    if (this.evaluationStrategy != null) this.evalStrategy = this.evaluationStrategy; // deprecated alias wins, as in Hugging Face
    if (this.noCuda) this.useCpu = true;
    enumCheck(this.evalStrategy, INTERVAL_STRATEGIES, 'IntervalStrategy');
    enumCheck(this.loggingStrategy, INTERVAL_STRATEGIES, 'IntervalStrategy');
    enumCheck(this.saveStrategy, SAVE_STRATEGIES, 'SaveStrategy');
    enumCheck(this.hubStrategy, HUB_STRATEGIES, 'HubStrategy');
    enumCheck(this.lrSchedulerType, HF_SCHEDULER_TYPES, 'SchedulerType');
    if (!SCHEDULER_TYPES.includes(this.lrSchedulerType)) {
      throw new Error(`lr_scheduler_type '${this.lrSchedulerType}' is not supported by finetune; use one of ${SCHEDULER_TYPES.join(', ')}`);
    }
    if (this.doEval === false && this.evalStrategy !== 'no') this.doEval = true;

    if (this.evalStrategy === 'steps' && (this.evalSteps == null || this.evalSteps === 0)) {
      if (this.loggingSteps > 0) this.evalSteps = this.loggingSteps;
      else throw new Error(`evaluation strategy ${this.evalStrategy} requires either non-zero --eval_steps or --logging_steps`);
    }
    if (this.loggingStrategy === 'steps' && this.loggingSteps === 0) throw new Error(`logging strategy ${this.loggingStrategy} requires non-zero --logging_steps`);
    const integral = (name: string, v: number) => {
      if (v > 1 && v !== Math.trunc(v)) throw new Error(`--${name} must be an integer if bigger than 1: ${v}`);
    };
    if (this.loggingStrategy === 'steps') integral('logging_steps', this.loggingSteps);
    if (this.evalStrategy === 'steps') integral('eval_steps', this.evalSteps!);
    if (this.saveStrategy === 'steps') integral('save_steps', this.saveSteps);

    if (this.loadBestModelAtEnd && this.saveStrategy !== 'best') {
      if (this.evalStrategy !== this.saveStrategy) {
        throw new Error(`--load_best_model_at_end requires the save and eval strategy to match, but found\n- Evaluation strategy: ${this.evalStrategy}\n- Save strategy: ${this.saveStrategy}`);
      }
      const [save, evalSteps] = [this.saveSteps, this.evalSteps!];
      if (this.evalStrategy === 'steps' && save % evalSteps !== 0) {
        if (evalSteps < 1 || save < 1) {
          if (!(evalSteps < 1 && save < 1)) {
            throw new Error(`--load_best_model_at_end requires the saving steps to be a multiple of the evaluation steps, which cannot get guaranteed when mixing ratio and absolute steps for save_steps ${save} and eval_steps ${evalSteps}.`);
          }
          // ratios: compare as integers, as Hugging Face does, to dodge floating-point remainders
          if (Math.round(save * 1_000_000) % Math.round(evalSteps * 1_000_000) !== 0) {
            throw new Error(`--load_best_model_at_end requires the saving steps to be a multiple of the evaluation steps, but found ${save}, which is not a multiple of ${evalSteps}.`);
          }
        } else {
          throw new Error(`--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps, but found ${save}, which is not a round multiple of ${evalSteps}.`);
        }
      }
    }
    if (this.loadBestModelAtEnd && this.metricForBestModel == null) this.metricForBestModel = 'loss';
    if (this.greaterIsBetter == null && this.metricForBestModel != null) this.greaterIsBetter = !this.metricForBestModel.endsWith('loss');
    this.runName ??= this.outputDir;

    if (this.fp16 && this.bf16) throw new Error('At most one of fp16 and bf16 can be True, but not both');
    if (this.fp16FullEval && this.bf16FullEval) throw new Error('At most one of fp16 and bf16 can be True for full eval, but not both');
    if (!OPTIMIZER_NAMES.includes(this.optim)) throw new Error(`optim '${this.optim}' is not supported by finetune; use one of ${OPTIMIZER_NAMES.join(', ')}`);

    // until here reportTo holds the setting as given
    this.reportTo = reportIntegrations(this.reportTo);

    if (this.warmupRatio < 0 || this.warmupRatio > 1) throw new Error('warmup_ratio must lie in range [0,1]');
    if (!Number.isInteger(this.warmupSteps) || this.warmupSteps < 0) throw new Error('warmup_steps must be of type int and must be 0 or a positive integer.');
    if (this.dataloaderNumWorkers === 0 && this.dataloaderPrefetchFactor != null) {
      throw new Error('--dataloader_prefetch_factor can only be set when data is loaded in a different process, i.e. when --dataloader_num_workers > 1.');
    }
    if (this.includeInputsForMetrics && !this.includeForMetrics.includes('inputs')) this.includeForMetrics.push('inputs');
    if (this.useCpu) this.dataloaderPinMemory = false;
    // __post_init__ turns these strings into lists of options
    if (typeof this.debug === 'string') this.debug = this.debug.split(/\s+/).filter(Boolean);
    if (typeof this.fsdp === 'string') this.fsdp = this.fsdp.split(/\s+/).filter(Boolean);
    this.checkUnsupported();
  }

  private checkUnsupported(): void {
    for (const name of FIELD_NAMES) {
      const spec = FIELDS[name] as FieldSpec;
      const value = this[name];
      const isDefault = value === spec.default || (value === '' && spec.default === '') || (Array.isArray(value) && value.length === 0);
      if (spec.status === 'unsupported' && !isDefault) {
        throw new Error(`TrainingArguments: ${camelToSnake(name)} (${name}) is a Hugging Face option finetune does not support; leave it at its default (${JSON.stringify(spec.default)})`);
      }
    }
  }

  /** Batch size of the training DataLoader: one process, one device. */
  get trainBatchSize(): number {
    return this.perGpuTrainBatchSize || this.perDeviceTrainBatchSize;
  }

  get evalBatchSize(): number {
    return this.perGpuEvalBatchSize || this.perDeviceEvalBatchSize;
  }

  /** Number of warmup steps: warmupSteps if set, else ceil(numTrainingSteps × warmupRatio). */
  getWarmupSteps(numTrainingSteps: number): number {
    return this.warmupSteps > 0 ? this.warmupSteps : Math.ceil(numTrainingSteps * this.warmupRatio);
  }

  /** snake_case, in Hugging Face's field order, tokens masked: what training_args.json holds. */
  toDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of FIELD_NAMES) {
      const key = camelToSnake(name);
      const value = this[name];
      out[key] = key.endsWith('_token') ? `<${key.toUpperCase()}>` : Array.isArray(value) ? [...value] : value;
    }
    return out;
  }

  toJSON(): Record<string, unknown> {
    return this.toDict();
  }

  /** Hugging Face's to_json_string(): indent 2, Python's number formatting (3.0, 5e-05). */
  toJsonString(): string {
    // float fields print as floats (3.0), except those whose Hugging Face default is an int literal
    const asWritten = new Set(['eval_delay', 'logging_steps', 'save_steps', 'eval_steps']);
    const floats = new Set(FIELD_NAMES.filter((n) => FIELDS[n].kind === 'float').map(camelToSnake).filter((k) => !asWritten.has(k)));
    return pyJsonDumps(this.toDict(), { indent: 2, isFloat: (key) => key !== null && floats.has(key) });
  }

  /** A copy with some fields changed (checked again). */
  with(changes: TrainingArgumentsInit): TrainingArguments {
    const init: Record<string, unknown> = {};
    for (const name of FIELD_NAMES) init[name] = this[name];
    return new TrainingArguments({ ...init, ...camelCaseFields(changes, 'TrainingArguments.with') } as TrainingArgumentsInit);
  }

  /** From a dict with Hugging Face's snake_case names (or camelCase ones); unknown keys are errors. */
  static fromDict(dict: Record<string, unknown>): TrainingArguments {
    const known = Object.entries(dict).filter(([key]) => !OTHER_VERSION_KEYS.has(key));
    const init = camelCaseFields(Object.fromEntries(known), 'TrainingArguments.fromDict');
    // Hugging Face masks tokens when saving; a masked token read back means "not set"
    for (const [name, value] of Object.entries(init)) if (typeof value === 'string' && /^<[A-Z_]+_TOKEN>$/.test(value)) init[name] = null;
    return new TrainingArguments(init as TrainingArgumentsInit);
  }

  /** From a JSON or YAML file (training_args.json, a config.yaml); YAML for .yaml/.yml. */
  static fromFile(path: string): TrainingArguments {
    const text = readFileSync(path, 'utf8');
    let data: unknown;
    try {
      data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
    } catch (e) {
      throw new Error(`TrainingArguments.fromFile: cannot parse ${path}: ${(e as Error).message}`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`TrainingArguments.fromFile: ${path} must hold a mapping of argument names to values`);
    return TrainingArguments.fromDict(data as Record<string, unknown>);
  }

  toString(): string {
    const d = this.toDict();
    delete d.per_gpu_train_batch_size;
    delete d.per_gpu_eval_batch_size;
    const lines = Object.keys(d).sort().map((k) => `${k}=${d[k] === null ? 'None' : Array.isArray(d[k]) || typeof d[k] === 'object' ? JSON.stringify(d[k]) : String(d[k])},\n`);
    return `TrainingArguments(\n${lines.join('')})`;
  }
}

export type { IntervalStrategy, SaveStrategy };
