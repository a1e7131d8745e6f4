// PreTrainedModel, as transformers' modeling_utils.py: a model built from a config, weights
// initialised by the family's _init_weights, and checkpoints read and written with Hugging
// Face's names (fromPretrained / savePretrained), including the base-model prefix rules, tied
// weights, and the report of unused and newly initialised weights.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DType } from '../engine/dtype.js';
import { isDType } from '../engine/dtype.js';
import { saveSafetensors } from '../engine/safetensors.js';
import { Module, Parameter } from '../nn/module.js';
import { Embedding } from '../nn/layers.js';
import type { Linear } from '../nn/layers.js';
import * as init from '../nn/init.js';
import { CONFIG_NAME, PretrainedConfig, camelCaseOptions } from './configuration_utils.js';
import type { ConfigOptions } from './configuration_utils.js';
import { logger } from './logging.js';
import { SAFE_WEIGHTS_NAME, loadCheckpoint } from './checkpoint.js';
import { loadGgufCheckpoint } from './gguf/load.js';
import { stageFile } from '../util/atomic.js';
import { reportLoading } from './loading_report.js';
import { dropTiedCopies, sharedParameterGroups, tieOrCloneWeights } from './tied_weights.js';

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
  /** Tensors to save instead of the model's own (names as the model's), written as given (tied copies are not dropped). */
  stateDict?: Record<string, Tensor>;
  /** A tokenizer whose files are saved alongside (anything with savePretrained(dir)). */
  tokenizer?: { savePretrained(dir: string): Promise<unknown> };
}

// transformers' `_is_hf_initialized`: a task model's post_init leaves alone the modules that
// its base model's own post_init has already initialised (and the random draws follow that).
const initialised = new WeakSet<Module>();

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
  /**
   * The snake_case inputs forward() takes, as transformers' forward signature: readInputs
   * accepts these (and their camelCase aliases) and refuses the rest; the Trainer keeps only
   * these dataset columns. Each model class declares its own.
   */
  static forwardInputNames?: readonly string[];
  /** The inputs that are labels (transformers' find_labels): ['labels'], ['start_positions', 'end_positions'], or [] for base models. */
  static labelNames?: readonly string[];
  /** transformers' main_input_name: the input that counts the batch's tokens (the Trainer's FLOPs estimate). */
  static mainInputName = 'input_ids';
  /** Inputs forward() accepts and drops (DistilBERT: the token_type_ids a BERT tokenizer adds); not forward inputs for the Trainer. */
  static ignoredInputNames?: readonly string[];
  /**
   * transformers' _tied_weights_keys: the weights that are the input embedding itself when
   * tied ('lm_head.weight'), as regular expressions searched in the names. savePretrained
   * leaves them out of the checkpoint; loading fills them from the tensor they are tied to.
   */
  static tiedWeightsKeys: readonly string[] = [];
  /** transformers' _keys_to_ignore_on_load_unexpected: checkpoint tensors (regular expressions) that old checkpoints carry and no model uses (GPT-2's attn.bias). */
  static keysToIgnoreOnLoadUnexpected: readonly string[] = [];
  /** Where a base model holds its input word Embedding, as a dotted path (transformers' _input_embed_layer): 'embeddings.word_embeddings'. */
  static inputEmbeddingsPath = '';

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
    const model = construct(this, config);
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
  /**
   * The family's _init_weights for one module. Each family's PreTrainedModel defines it
   * (BertPreTrainedModel, …): the base class has no rule of its own to fall back on.
   */
  protected initWeights(_module: Module): void {
    throw new Error(`${this.constructor.name} defines no initWeights (transformers' _init_weights): ` +
      "define `protected override initWeights(module)` in the model family's PreTrainedModel class");
  }

  /**
   * post_init: initialises every module not yet initialised, children first (module.apply
   * order), then ties the weights (also inside init.noInitWeights, as transformers' init_weights).
   */
  protected postInit(): void {
    if (init.initEnabled()) {
      this.apply((m) => {
        if (initialised.has(m)) return;
        this.initWeights(m);
        initialised.add(m);
      });
    }
    this.tieWeights();
  }

  // ---------------------------------------------------------------- tied weights
  /** The input word embedding (get_input_embeddings): the base model's, found at its class's inputEmbeddingsPath. */
  getInputEmbeddings(): Embedding {
    const base = this.baseModel;
    if (base !== this && base instanceof PreTrainedModel) return base.getInputEmbeddings();
    const path = (this.constructor as typeof PreTrainedModel).inputEmbeddingsPath;
    const found = path.split('.').reduce<unknown>((m, k) => (m as Record<string, unknown> | undefined)?.[k], this);
    if (path === '' || !(found instanceof Embedding)) {
      throw new Error(`${this.constructor.name} has no input embeddings: define getInputEmbeddings() or a static inputEmbeddingsPath naming its Embedding (found ${path ? `nothing at '${path}'` : 'no path'})`);
    }
    return found;
  }

  /** The output projection onto the vocabulary (get_output_embeddings): null for models without an LM head. */
  getOutputEmbeddings(): Linear | null {
    return null;
  }

  /** tie_weights: with config.tieWordEmbeddings (true by default), the output embeddings' weight is the input embeddings' Parameter. */
  tieWeights(): void {
    if (!this.config.tieWordEmbeddings) return;
    const output = this.getOutputEmbeddings();
    if (output) tieOrCloneWeights(output, this.getInputEmbeddings(), this.constructor.name);
  }

  // ---------------------------------------------------------------- loading
  /** Builds the model from a folder, a file or a Hub id: config.json, then the weights. */
  static async fromPretrained<M extends PreTrainedModel>(this: ModelClass<M>, pathOrId: string, options: FromPretrainedOptions = {}): Promise<M> {
    const { config: given, dtype, ignoreMismatchedSizes, stateDict, ggufFile, ...configOptions } = camelCaseOptions(options);
    const config = given ? given.applyOptions(configOptions) : await this.configClass.fromPretrained(pathOrId, { ...configOptions, ggufFile });
    warnVocabMismatch(pathOrId, config);
    // The constructor skips every initialisation (the checkpoint overwrites the weights);
    // loadPretrainedWeights then initialises exactly the weights the checkpoint lacks.
    const model = init.noInitWeights(() => construct(this, config));
    const weights = stateDict ? { stateDict, file: pathOrId }
      : ggufFile !== undefined ? await loadGgufCheckpoint(pathOrId, ggufFile, options.revision)
        : await loadCheckpoint(pathOrId, { revision: options.revision });
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
   * the base-model prefix added or removed as needed, buffers in the checkpoint ignored, tied
   * weights filled from the one tensor they share, missing weights initialised; mismatched
   * shapes are an error naming file and tensor.
   */
  loadPretrainedWeights(stateDict: Record<string, Tensor>, where: { source?: string; file?: string; ignoreMismatchedSizes?: boolean; adopt?: boolean } = {}): LoadingInfo {
    const source = where.source ?? '<state dict>';
    const own = this.stateDict();
    try {
      const { loaded, unexpectedKeys } = this.matchCheckpointKeys(stateDict, own);
      const tied = this.dedupeTiedKeys(loaded);
      const mismatchedKeys: LoadingInfo['mismatchedKeys'] = [];
      const mismatchedModelKeys: string[] = [];
      for (const [modelKey, [original, tensor]] of loaded) {
        const [a, b] = [tensor.shape, own[modelKey].shape];
        if (a.length === b.length && a.every((d, i) => d === b[i])) continue;
        mismatchedKeys.push({ key: original, checkpointShape: a, modelShape: b });
        mismatchedModelKeys.push(modelKey);
      }
      if (mismatchedKeys.length > 0 && !where.ignoreMismatchedSizes) throw this.mismatchError(mismatchedKeys, where.file ?? source);
      for (const k of mismatchedModelKeys) loaded.delete(k);
      const missingKeys = Object.keys(own).filter((k) => !loaded.has(k) && !tied.has(k) && !mismatchedModelKeys.includes(k)).sort();
      // first the new weights, then the checkpoint's: a module only partly in the checkpoint keeps what it provides
      this.initialiseMissing([...missingKeys, ...mismatchedModelKeys]);
      this.copyCheckpoint(loaded, own, where.adopt ?? false);
      const info: LoadingInfo = { missingKeys, unexpectedKeys: unexpectedKeys.sort(), mismatchedKeys, report: '' };
      const prefix = (this.constructor as typeof PreTrainedModel).baseModelPrefix;
      info.report = reportLoading(this.constructor.name, prefix, info, source, loaded.size === 0 && Object.keys(stateDict).length > 0);
      this.loadingInfo = info;
      return info;
    } finally {
      torch.dispose(own);
    }
  }

  /** Checkpoint names → the model's (gamma/beta, base-model prefix both ways); the rest are unexpected unless buffers. */
  private matchCheckpointKeys(stateDict: Record<string, Tensor>, own: Record<string, Tensor>): { loaded: Map<string, [string, Tensor]>; unexpectedKeys: string[] } {
    const prefix = (this.constructor as typeof PreTrainedModel).baseModelPrefix;
    const buffers = new Set([...this.namedBuffers()].map(([name]) => name));
    const loaded = new Map<string, [string, Tensor]>(); // model key → [checkpoint key, tensor]
    const unexpectedKeys: string[] = [];
    const renamed = Object.entries(stateDict).map(([k, t]) => [fixKey(k), k, t] as const);
    const hasPrefix = prefix !== '' && renamed.some(([k]) => k.startsWith(`${prefix}.`));
    const expectsPrefix = prefix !== '' && Object.keys(own).some((k) => k.startsWith(`${prefix}.`));
    const ignored = (this.constructor as typeof PreTrainedModel).keysToIgnoreOnLoadUnexpected.map((k) => new RegExp(k));
    for (const [key, original, tensor] of renamed) {
      let modelKey = key;
      if (expectsPrefix && !hasPrefix && Object.hasOwn(own, `${prefix}.${key}`)) modelKey = `${prefix}.${key}`; // base checkpoint → task model
      if (hasPrefix && !expectsPrefix && key.startsWith(`${prefix}.`)) modelKey = key.slice(prefix.length + 1); // task checkpoint → base model
      if (Object.hasOwn(own, modelKey)) loaded.set(modelKey, [original, tensor]);
      else if (!buffers.has(modelKey) && !ignored.some((r) => r.test(key))) unexpectedKeys.push(original); // e.g. the position_ids buffer older versions saved
    }
    return { loaded, unexpectedKeys };
  }

  /**
   * Names of one shared Parameter (tied weights) are loaded once: from the first of them the
   * checkpoint holds (it may hold one copy or both). Returns the other names, filled by it;
   * where the checkpoint holds none, all but the first name (which is reported missing).
   */
  private dedupeTiedKeys(loaded: Map<string, [string, Tensor]>): Set<string> {
    const tied = new Set<string>();
    for (const names of sharedParameterGroups(this)) {
      const source = names.find((n) => loaded.has(n)) ?? names[0];
      for (const n of names) {
        if (n === source) continue;
        loaded.delete(n);
        tied.add(n);
      }
    }
    return tied;
  }

  private mismatchError(mismatched: LoadingInfo['mismatchedKeys'], file: string): Error {
    const lines = mismatched.map((m) => `size mismatch for ${m.key}: copying a param with shape [${m.checkpointShape.join(', ')}] from checkpoint, the shape in current model is [${m.modelShape.join(', ')}].`);
    const origin = this.config.configFile ? `The model was built from ${this.config.configFile}; do config and weights belong together? ` : '';
    return new Error(`Error(s) in loading state_dict for ${this.constructor.name} from ${file}:\n\t${lines.join('\n\t')}\n\t${origin}` +
      'To replace mismatched weights with new ones (e.g. a classifier for another number of labels), pass ignoreMismatchedSizes: true.');
  }

  /** Copies (or adopts) each loaded tensor into the model's weight of that name. */
  private copyCheckpoint(loaded: Map<string, [string, Tensor]>, own: Record<string, Tensor>, adopt: boolean): void {
    const holders = adopt ? parameterHolders(this) : null;
    const parameters = new Map(this.namedParameters('', { removeDuplicate: false }));
    torch.noGrad(() => {
      for (const [modelKey, [, tensor]] of loaded) {
        if (!(holders && adoptAsParameter(holders, parameters.get(modelKey), tensor))) own[modelKey].copy_(tensor);
      }
    });
  }

  /** _init_weights on the modules that own weights the checkpoint did not provide. */
  private initialiseMissing(keys: string[]): void {
    if (keys.length === 0) return;
    const owners = new Set(keys.map((k) => k.slice(0, k.lastIndexOf('.'))));
    for (const [name, module] of this.namedModules()) if (owners.has(name)) this.initWeights(module);
  }

  // ---------------------------------------------------------------- saving
  /**
   * Writes config.json and model.safetensors (and the tokenizer's files when given) into
   * `dir`, as save_pretrained: the architecture and dtype recorded in the config, weights by
   * their dotted names with {"format": "pt"} metadata, tied weights once (the names in
   * tiedWeightsKeys left out). All or nothing over an existing model: config.json is written
   * and flushed aside first, then the weights replace the old ones atomically, and only then
   * does the new config.json replace the old; a failure on the way leaves the old model whole.
   */
  async savePretrained(dir: string, options: SavePretrainedOptions = {}): Promise<void> {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`savePretrained: ${dir} should be a directory, not a file`);
    await mkdir(dir, { recursive: true });
    this.config.architectures = [this.constructor.name];
    this.config.torchDtype = this.dtype;
    const state = options.stateDict ?? this.stateDict();
    try {
      if (!options.stateDict) dropTiedCopies(state, sharedParameterGroups(this), (this.constructor as typeof PreTrainedModel).tiedWeightsKeys);
      const config = await stageFile(join(dir, CONFIG_NAME), this.config.toJsonString());
      try {
        saveSafetensors(join(dir, SAFE_WEIGHTS_NAME), state, { format: 'pt' });
        await config.commit();
      } catch (error) {
        await config.discard();
        throw error;
      }
    } finally {
      if (!options.stateDict) torch.dispose(state);
    }
    if (options.tokenizer) await options.tokenizer.savePretrained(dir);
  }
}

/** Every (module, attribute) holding each Parameter: a tied one has several. */
function parameterHolders(model: Module): Map<Parameter, [Record<string, unknown>, string][]> {
  const holders = new Map<Parameter, [Record<string, unknown>, string][]>();
  for (const m of model.modules()) {
    for (const [name, p] of m.directParameters()) holders.set(p, [...(holders.get(p) ?? []), [m as unknown as Record<string, unknown>, name]]);
  }
  return holders;
}

/**
 * Makes a checkpoint tensor the parameter itself instead of copying it (fromPretrained owns
 * those tensors): saves a pass over every weight. Only when dtype and device already match.
 * Every module holding the old Parameter gets the new one, so tied weights stay one.
 */
function adoptAsParameter(holders: Map<Parameter, [Record<string, unknown>, string][]>, current: Parameter | undefined, tensor: Tensor): boolean {
  if (!current || current.dtype !== tensor.dtype || current.device !== tensor.device || !tensor.isContiguous()) return false;
  const adopted = new Parameter(tensor, current.requiresGrad);
  for (const [owner, name] of holders.get(current) ?? []) owner[name] = adopted;
  current.dispose();
  return true;
}

// the config fields that decide how much memory a model takes (BERT's and DistilBERT's names)
const SIZE_FIELDS = ['vocab_size', 'hidden_size', 'dim', 'intermediate_size', 'hidden_dim', 'num_hidden_layers', 'n_layers', 'max_position_embeddings', 'type_vocab_size'];

/** new cls(config); running out of memory names the config's size fields, the usual culprits. */
function construct<M>(cls: new (config: never) => M, config: PretrainedConfig): M {
  try {
    return new cls(config as never);
  } catch (error) {
    if (!/out of memory/i.test((error as Error).message)) throw error;
    const dict = config.toDict();
    const sizes = SIZE_FIELDS.filter((k) => typeof dict[k] === 'number').map((k) => `${k}=${dict[k]}`).join(', ');
    throw new Error(`${config.where()}: building ${cls.name} ran out of memory with ${sizes}; check these sizes in config.json (${(error as Error).message})`);
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
