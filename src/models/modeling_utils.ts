// PreTrainedModel, as transformers' modeling_utils.py: a model built from a config, weights
// initialised by the family's _init_weights, and checkpoints read and written with Hugging
// Face's names (fromPretrained / savePretrained), including the base-model prefix rules and
// the report of unused and newly initialised weights.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DType } from '../engine/dtype.js';
import { isDType } from '../engine/dtype.js';
import { saveSafetensors } from '../engine/safetensors.js';
import { Module, Parameter } from '../nn/module.js';
import { Embedding, LayerNorm, Linear } from '../nn/layers.js';
import * as init from '../nn/init.js';
import { PretrainedConfig, camelCaseOptions } from './configuration_utils.js';
import type { ConfigOptions } from './configuration_utils.js';
import { logger } from './logging.js';
import { SAFE_WEIGHTS_NAME, loadCheckpoint } from './checkpoint.js';

export interface LoadingInfo {
  /** Model weights the checkpoint did not provide (newly initialised), by the model's names. */
  missingKeys: string[];
  /** Checkpoint tensors the model has no place for, by the checkpoint's names. */
  unexpectedKeys: string[];
  /** Weights whose shapes differ (only with ignoreMismatchedSizes; newly initialised). */
  mismatchedKeys: { key: string; checkpointShape: number[]; modelShape: number[] }[];
  /** The messages logged about it (empty when every weight matched). */
  report: string;
}

export interface FromPretrainedOptions extends ConfigOptions {
  /** A config to use instead of the checkpoint's config.json. */
  config?: PretrainedConfig;
  /** The parameters' dtype after loading ('auto': the checkpoint's torch_dtype). float32 by default, as transformers. */
  dtype?: DType | 'auto';
  /** Weights whose shape differs from the model's are newly initialised instead of an error (e.g. another number of labels). */
  ignoreMismatchedSizes?: boolean;
  /** Tensors to load instead of the folder's weight files (names as in a checkpoint). */
  stateDict?: Record<string, Tensor>;
}

export interface SavePretrainedOptions {
  /** Tensors to save instead of the model's own (names as the model's). */
  stateDict?: Record<string, Tensor>;
  /** A tokenizer whose files are saved alongside (anything with savePretrained(dir)). */
  tokenizer?: { savePretrained(dir: string): Promise<unknown> };
}

// transformers' no_init_weights(): while loading, constructors skip _init_weights, since the
// checkpoint overwrites the weights; only the weights it lacks are initialised afterwards.
let initDisabled = 0;
// transformers' `_is_hf_initialized`: a task model's post_init leaves alone the modules that
// its base model's own post_init has already initialised (and the random draws follow that).
const initialised = new WeakSet<Module>();

// It also skips the layers' own default initialisation (kaiming for Linear, normal for
// Embedding), as transformers does by patching torch.nn.init: for BERT-base that is most of
// the time to load. Every weight is then either copied from the checkpoint or initialised by
// initialiseMissing(), so no uninitialised memory survives fromPretrained.
export function withoutInit<T>(fn: () => T): T {
  const saved = [Linear.prototype.resetParameters, Embedding.prototype.resetParameters] as const;
  initDisabled++;
  Linear.prototype.resetParameters = noop;
  Embedding.prototype.resetParameters = noop;
  try {
    return fn();
  } finally {
    initDisabled--;
    [Linear.prototype.resetParameters, Embedding.prototype.resetParameters] = saved;
  }
}
const noop = (): void => undefined;

/** Python's repr of a list of names, as transformers prints them. */
const pyList = (names: string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;
const torchSize = (shape: number[]) => `torch.Size([${shape.join(', ')}])`;

/**
 * transformers' load-time rename of TF-era LayerNorm names (gamma → weight, beta → bias), only
 * at the end of a LayerNorm's name, as transformers 4.4x and the checkpoint readers do.
 */
export function fixKey(key: string): string {
  return key.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
}

export interface ModelClass<M extends PreTrainedModel> {
  new (config: never): M;
  configClass: { fromPretrained(pathOrId: string, options?: ConfigOptions): Promise<PretrainedConfig>; modelType: string };
  baseModelPrefix: string;
  name: string;
}

export abstract class PreTrainedModel<C extends PretrainedConfig = PretrainedConfig> extends Module {
  /** The config class fromPretrained reads config.json with. */
  static configClass: ModelClass<PreTrainedModel>['configClass'] = PretrainedConfig;
  /** The attribute holding the base model in task models ('bert'), and the prefix of its weights' names. */
  static baseModelPrefix = '';

  config: C;
  /** What fromPretrained found: missing, unexpected and mismatched weights. */
  loadingInfo: LoadingInfo | null = null;

  constructor(config: C) {
    super();
    if (!(config instanceof PretrainedConfig)) throw new TypeError(`${new.target.name}: expected a config (e.g. from AutoConfig.fromPretrained), got ${typeof config}`);
    (config as { validate?: () => void }).validate?.();
    this.config = config;
  }

  /** A new model with freshly initialised weights, as from_config. */
  static fromConfig<M extends PreTrainedModel>(this: new (config: never) => M, config: PretrainedConfig, options: { dtype?: DType } = {}): M {
    const model = new this(config as never);
    if (options.dtype) model.to(options.dtype);
    return model;
  }

  /** The base model (`model.bert`), or the model itself for base models. */
  get baseModel(): Module {
    const prefix = (this.constructor as typeof PreTrainedModel).baseModelPrefix;
    const inner = (this as unknown as Record<string, unknown>)[prefix];
    return inner instanceof Module ? inner : this;
  }

  /** The dtype of the floating-point parameters. */
  get dtype(): DType {
    return this.parameters().find((p) => p.isFloatingPoint())?.dtype ?? 'float32';
  }

  get device(): string {
    return this.parameters()[0]?.device ?? 'cpu';
  }

  // ---------------------------------------------------------------- initialisation
  /** The family's _init_weights for one module (BERT's: normal(0, initializer_range), zero biases, LayerNorm 1/0, padding row zero). */
  protected initWeights(module: Module): void {
    const std = (this.config as unknown as { initializerRange: number }).initializerRange;
    if (module instanceof Linear) {
      init.normal_(module.weight, 0, std);
      if (module.bias) init.zeros_(module.bias);
    } else if (module instanceof Embedding) {
      init.normal_(module.weight, 0, std);
      if (module.paddingIdx !== null) torch.tidy(() => torch.noGrad(() => module.weight.select(0, module.paddingIdx!).zero_()));
    } else if (module instanceof LayerNorm) {
      if (module.bias) init.zeros_(module.bias);
      if (module.weight) init.ones_(module.weight);
    }
  }

  /** post_init: initialises every module not yet initialised, children first (module.apply order). */
  protected postInit(): void {
    if (initDisabled > 0) return;
    this.apply((m) => {
      if (initialised.has(m)) return;
      this.initWeights(m);
      initialised.add(m);
    });
  }

  // ---------------------------------------------------------------- loading
  /** Builds the model from a folder, a file or a Hub id: config.json, then the weights. */
  static async fromPretrained<M extends PreTrainedModel>(this: ModelClass<M>, pathOrId: string, options: FromPretrainedOptions = {}): Promise<M> {
    const { config: given, dtype, ignoreMismatchedSizes, stateDict, ...configOptions } = camelCaseOptions(options);
    const config = given ? given.applyOptions(configOptions) : await this.configClass.fromPretrained(pathOrId, configOptions);
    warnVocabMismatch(pathOrId, config);
    const model = withoutInit(() => new this(config as never));
    const weights = stateDict ? { stateDict, file: pathOrId } : await loadCheckpoint(pathOrId, { revision: options.revision });
    // 'auto': the dtype config.json records, else the checkpoint's first floating-point tensor's
    const stored = Object.values(weights.stateDict).find((t) => t.isFloatingPoint())?.dtype ?? 'float32';
    try {
      // tensors read here belong to no one else: they become the parameters (no copy); a caller's stateDict is copied
      model.loadPretrainedWeights(weights.stateDict, { source: pathOrId, file: weights.file, ignoreMismatchedSizes, adopt: !stateDict });
    } finally {
      if (!stateDict) torch.dispose(weights.stateDict);
    }
    if (dtype) {
      const target = dtype === 'auto' ? config.torchDtype ?? stored : dtype;
      if (!isDType(target)) throw new Error(`${config.where()}: torch_dtype ${JSON.stringify(target)} is not a dtype`);
      model.to(target);
    }
    return model.eval();
  }

  /**
   * Copies a checkpoint's tensors into the model with transformers' rules: gamma/beta renamed,
   * the base-model prefix added or removed as needed, buffers in the checkpoint ignored,
   * missing weights initialised; mismatched shapes are an error naming file and tensor.
   */
  loadPretrainedWeights(stateDict: Record<string, Tensor>, where: { source?: string; file?: string; ignoreMismatchedSizes?: boolean; adopt?: boolean } = {}): LoadingInfo {
    const cls = this.constructor.name;
    const source = where.source ?? '<state dict>';
    const file = where.file ?? source;
    const prefix = (this.constructor as typeof PreTrainedModel).baseModelPrefix;
    const own = this.stateDict();
    const buffers = new Set([...this.namedBuffers()].map(([name]) => name));
    const loaded = new Map<string, [string, Tensor]>(); // model key → [checkpoint key, tensor]
    const unexpectedKeys: string[] = [];
    const renamed = Object.entries(stateDict).map(([k, t]) => [fixKey(k), k, t] as const);
    const hasPrefix = prefix !== '' && renamed.some(([k]) => k.startsWith(`${prefix}.`));
    const expectsPrefix = prefix !== '' && Object.keys(own).some((k) => k.startsWith(`${prefix}.`));
    for (const [key, original, tensor] of renamed) {
      let modelKey = key;
      if (expectsPrefix && !hasPrefix && `${prefix}.${key}` in own) modelKey = `${prefix}.${key}`; // base checkpoint → task model
      if (hasPrefix && !expectsPrefix && key.startsWith(`${prefix}.`)) modelKey = key.slice(prefix.length + 1); // task checkpoint → base model
      if (modelKey in own) loaded.set(modelKey, [original, tensor]);
      else if (!buffers.has(modelKey)) unexpectedKeys.push(original); // e.g. the position_ids buffer older versions saved
    }
    const mismatchedKeys: LoadingInfo['mismatchedKeys'] = [];
    const mismatchedModelKeys: string[] = [];
    for (const [modelKey, [original, tensor]] of loaded) {
      const [a, b] = [tensor.shape, own[modelKey].shape];
      if (a.length === b.length && a.every((d, i) => d === b[i])) continue;
      mismatchedKeys.push({ key: original, checkpointShape: a, modelShape: b });
      mismatchedModelKeys.push(modelKey);
    }
    if (mismatchedKeys.length > 0 && !where.ignoreMismatchedSizes) {
      torch.dispose(own);
      const lines = mismatchedKeys.map((m) => `size mismatch for ${m.key}: copying a param with shape [${m.checkpointShape.join(', ')}] from checkpoint, the shape in current model is [${m.modelShape.join(', ')}].`);
      const origin = this.config.configFile ? `The model was built from ${this.config.configFile}; do config and weights belong together? ` : '';
      throw new Error(`Error(s) in loading state_dict for ${cls} from ${file}:\n\t${lines.join('\n\t')}\n\t${origin}` +
        'To replace mismatched weights with new ones (e.g. a classifier for another number of labels), pass ignoreMismatchedSizes: true.');
    }
    for (const k of mismatchedModelKeys) loaded.delete(k);
    const modules = new Map(this.namedModules());
    torch.noGrad(() => {
      for (const [modelKey, [, tensor]] of loaded) {
        if (!(where.adopt && this.adoptAsParameter(modules, modelKey, tensor))) own[modelKey].copy_(tensor);
      }
    });
    const missingKeys = Object.keys(own).filter((k) => !loaded.has(k) && !mismatchedModelKeys.includes(k)).sort();
    torch.dispose(own);
    this.initialiseMissing([...missingKeys, ...mismatchedModelKeys]);
    const info: LoadingInfo = { missingKeys, unexpectedKeys: unexpectedKeys.sort(), mismatchedKeys, report: '' };
    info.report = this.reportLoading(info, source, loaded.size === 0 && renamed.length > 0);
    this.loadingInfo = info;
    return info;
  }

  /**
   * Makes a checkpoint tensor the parameter itself instead of copying it (fromPretrained owns
   * those tensors): saves a pass over every weight. Only when dtype and device already match.
   */
  private adoptAsParameter(modules: Map<string, Module>, key: string, tensor: Tensor): boolean {
    const dot = key.lastIndexOf('.');
    const owner = modules.get(dot < 0 ? '' : key.slice(0, dot)) as unknown as Record<string, unknown> | undefined;
    const name = key.slice(dot + 1);
    const current = owner?.[name];
    if (!(current instanceof Parameter) || current.dtype !== tensor.dtype || current.device !== tensor.device || !tensor.isContiguous()) return false;
    owner![name] = new Parameter(tensor, current.requiresGrad);
    current.dispose();
    return true;
  }

  /** _init_weights on the modules that own weights the checkpoint did not provide. */
  private initialiseMissing(keys: string[]): void {
    if (keys.length === 0) return;
    const owners = new Set(keys.map((k) => k.slice(0, k.lastIndexOf('.'))));
    for (const [name, module] of this.namedModules()) if (owners.has(name)) this.initWeights(module);
  }

  /** transformers' loading messages, logged as warnings (info when all is well) and returned. */
  private reportLoading(info: LoadingInfo, source: string, nothingMatched: boolean): string {
    const cls = this.constructor.name;
    const messages: string[] = [];
    if (info.unexpectedKeys.length > 0) {
      messages.push(`Some weights of the model checkpoint at ${source} were not used when initializing ${cls}: ${pyList(info.unexpectedKeys)}\n` +
        `- This IS expected if you are initializing ${cls} from the checkpoint of a model trained on another task or with another architecture (e.g. initializing a BertForSequenceClassification model from a BertForPreTraining model).\n` +
        `- This IS NOT expected if you are initializing ${cls} from the checkpoint of a model that you expect to be exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification model).`);
    } else {
      logger.info(`All model checkpoint weights were used when initializing ${cls}.\n`);
    }
    if (info.missingKeys.length > 0) {
      messages.push(`Some weights of ${cls} were not initialized from the model checkpoint at ${source} and are newly initialized: ${pyList(info.missingKeys)}\n` +
        'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
    }
    if (info.mismatchedKeys.length > 0) {
      const lines = info.mismatchedKeys.map((m) => `- ${m.key}: found shape ${torchSize(m.checkpointShape)} in the checkpoint and ${torchSize(m.modelShape)} in the model instantiated`);
      messages.push(`Some weights of ${cls} were not initialized from the model checkpoint at ${source} and are newly initialized because the shapes did not match:\n${lines.join('\n')}\n` +
        'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
    }
    if (nothingMatched) {
      const prefix = (this.constructor as typeof PreTrainedModel).baseModelPrefix;
      messages.push(`None of the checkpoint's weights fit ${cls} (weight names start with '${prefix}.' or a base model's names): is the checkpoint of another architecture?`);
    }
    if (info.missingKeys.length === 0 && info.mismatchedKeys.length === 0) {
      logger.info(`All the weights of ${cls} were initialized from the model checkpoint at ${source}.\n` +
        `If your task is similar to the task the model of the checkpoint was trained on, you can already use ${cls} for predictions without further training.`);
    }
    for (const m of messages) logger.warning(m);
    return messages.join('\n');
  }

  // ---------------------------------------------------------------- saving
  /**
   * Writes config.json and model.safetensors (and the tokenizer's files when given) into
   * `dir`, as save_pretrained: the architecture and dtype recorded in the config, weights by
   * their dotted names with {"format": "pt"} metadata. Each file is written atomically.
   */
  async savePretrained(dir: string, options: SavePretrainedOptions = {}): Promise<void> {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`savePretrained: ${dir} should be a directory, not a file`);
    await mkdir(dir, { recursive: true });
    this.config.architectures = [this.constructor.name];
    this.config.torchDtype = this.dtype;
    const state = options.stateDict ?? this.stateDict();
    try {
      await this.config.savePretrained(dir);
      saveSafetensors(join(dir, SAFE_WEIGHTS_NAME), state, { format: 'pt' });
    } finally {
      if (!options.stateDict) torch.dispose(state);
    }
    if (options.tokenizer) await options.tokenizer.savePretrained(dir);
  }
}

/** A tokenizer vocabulary larger than the embedding is a real-world inconsistency: say so before ids fail. */
function warnVocabMismatch(pathOrId: string, config: PretrainedConfig): void {
  const rows = (config as unknown as { vocabSize?: unknown }).vocabSize;
  const vocab = join(pathOrId, 'vocab.txt');
  if (typeof rows !== 'number' || !existsSync(vocab)) return;
  const text = readFileSync(vocab, 'utf8');
  const tokens = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (tokens > rows) {
    logger.warning(`${vocab} has ${tokens} tokens but the model's word embedding has ${rows} rows (vocab_size in ${config.configFile ?? 'config.json'}): ` +
      `token ids ${rows}…${tokens - 1} have no embedding, and inputs containing them will fail.`);
  }
}
