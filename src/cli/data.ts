// run_glue.py's middle: load the raw splits (GLUE TSVs, csv/json files or a dataset), work out
// the labels (regression or the class list), build config, tokenizer and model (from pretrained
// weights, or fresh from a config with a clear warning), and tokenize.
import { extname } from 'node:path';

import { loadDataset } from '../datasets/load.js';
import type { Dataset } from '../datasets/dataset.js';
import type { DatasetDict } from '../datasets/dataset-dict.js';
import { ClassLabel, Value } from '../datasets/features.js';
import { AutoConfig, AutoModelForSequenceClassification, type AutoSequenceClassificationModel } from '../models/auto.js';
import type { PretrainedConfig } from '../models/configuration_utils.js';
import { AutoTokenizer } from '../tokenizers/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { TASK_TO_KEYS, type RunPlan } from './plan.js';

export interface Splits { train?: Dataset; validation?: Dataset; test?: Dataset }

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The raw splits the run needs, with the label column renamed to `label`. */
export async function loadRawSplits(plan: RunPlan): Promise<Splits> {
  const s = plan.script;
  let dict: DatasetDict;
  if (s.task_name !== null) {
    dict = (await loadDataset('glue', s.task_name, { dataDir: s.data_dir! })) as DatasetDict;
  } else if (s.dataset_name !== null) {
    dict = (await loadDataset(s.dataset_name, s.dataset_config_name ?? undefined)) as DatasetDict;
  } else {
    const files: Record<string, string> = {};
    if (s.train_file && plan.args.doTrain) files.train = s.train_file;
    if (s.validation_file && plan.args.doEval) files.validation = s.validation_file;
    if (s.test_file && plan.args.doPredict) files.test = s.test_file;
    const first = Object.values(files)[0];
    const ext = extname(first).toLowerCase();
    const builder = ext === '.json' || ext === '.jsonl' ? 'json' : 'csv';
    dict = (await loadDataset(builder, { dataFiles: files, ...(ext === '.tsv' ? { delimiter: '\t' } : {}) })) as DatasetDict;
  }
  const pick = (...names: string[]) => names.map((n) => (dict.has(n) ? dict.get(n) : undefined)).find(Boolean);
  const out: Splits = {
    train: plan.args.doTrain ? pick('train') : undefined,
    validation: plan.args.doEval ? pick('validation', 'validation_matched') : undefined,
    test: plan.args.doPredict ? pick('test', 'test_matched') : undefined,
  };
  for (const [split, needed] of [['train', plan.args.doTrain], ['validation', plan.args.doEval], ['test', plan.args.doPredict]] as const) {
    if (needed && !out[split]) throw new Error(`the data has no ${split} split (it has ${dict.keys().join(', ')})`);
  }
  const labelColumn = s.label_column_name ?? 'label';
  for (const key of ['train', 'validation', 'test'] as const) {
    const ds = out[key];
    if (ds && labelColumn !== 'label' && ds.columnNames.includes(labelColumn)) out[key] = ds.renameColumn(labelColumn, 'label');
  }
  return out;
}

export interface Labels {
  isRegression: boolean;
  /** Class names (strings) in id order; empty for regression. */
  names: string[];
}

/** run_glue's label logic: GLUE's ClassLabel names or stsb regression; for files, the sorted unique labels. */
export function inferLabels(plan: RunPlan, splits: Splits): Labels | null {
  const ref = splits.train ?? splits.validation;
  const feature = (splits.train ?? splits.validation ?? splits.test)?.features.label;
  if (plan.script.task_name === 'stsb') return { isRegression: true, names: [] };
  if (feature instanceof ClassLabel) return { isRegression: false, names: feature.names };
  if (!ref || !ref.columnNames.includes('label')) return null; // predict on unlabelled data: the model's labels
  if (feature instanceof Value && (feature.dtype === 'float32' || feature.dtype === 'float64')) return { isRegression: true, names: [] };
  const values = (ref.unique('label') as unknown[]).filter((v) => v !== null && v !== -1);
  return { isRegression: false, names: values.map(String).sort() };
}

export interface Built {
  config: PretrainedConfig;
  tokenizer: PreTrainedTokenizerFast;
  model: AutoSequenceClassificationModel;
  labels: Labels;
  /** Data label value (as a string) → class id. */
  labelToId: Map<string, number> | null;
  freshModel: boolean;
}

const defaultNames = (config: PretrainedConfig) => Object.values(config.id2label).every((l, i) => l === `LABEL_${i}`);

/** "num_hidden_layers=1,hidden_size=64" → { num_hidden_layers: 1, hidden_size: 64 } (JSON values where they parse). */
export function parseConfigOverrides(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--config_overrides: expected key=value pairs separated by commas, got '${part}'`);
    const raw = part.slice(eq + 1).trim();
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch { /* a bare string */ }
    out[part.slice(0, eq).trim()] = raw === 'None' ? null : value;
  }
  return out;
}

export async function buildModel(plan: RunPlan, splits: Splits): Promise<Built> {
  const s = plan.script;
  const revision = s.model_revision === 'main' || s.model_revision === null ? undefined : s.model_revision;
  let labels = inferLabels(plan, splits);
  let config: PretrainedConfig;
  const configFrom = s.config_name ?? s.model_name_or_path;
  if (configFrom !== null) config = await AutoConfig.fromPretrained(configFrom, { revision });
  else config = AutoConfig.forModel(s.model_type!);
  if (s.config_overrides) {
    const overrides = parseConfigOverrides(s.config_overrides);
    log(`Overriding config: ${s.config_overrides}`);
    config.updateFromDict(overrides);
  }
  if (labels === null) labels = config.problemType === 'regression' || config.numLabels === 1 ? { isRegression: true, names: [] } : { isRegression: false, names: Object.values(config.id2label) };
  const numLabels = labels.isRegression ? 1 : labels.names.length;
  if (numLabels < 1) throw new Error('the data has no labels to learn');
  if (s.task_name !== null && config.finetuningTask === null) config.finetuningTask = s.task_name;

  // run_glue: keep a trained model's own label ids when they name the same labels
  let labelToId: Map<string, number> | null = null;
  const modelLabels = new Map(Object.entries(config.label2id).map(([k, v]) => [k.toLowerCase(), Number(v)]));
  const sameLabels = !labels.isRegression && !defaultNames(config) && config.numLabels === numLabels && labels.names.every((n) => modelLabels.has(n.toLowerCase()));
  if (!labels.isRegression) {
    labelToId = new Map(labels.names.map((n, i) => [n, sameLabels ? modelLabels.get(n.toLowerCase())! : i]));
  }
  if (config.numLabels !== numLabels) config.numLabels = numLabels;
  if (!labels.isRegression && !sameLabels) {
    config.id2label = Object.fromEntries(labels.names.map((n, i) => [i, n]));
    config.label2id = Object.fromEntries(labels.names.map((n, i) => [n, i]));
  }
  if (labels.isRegression) config.problemType = 'regression';

  const tokenizer = await AutoTokenizer.fromPretrained((s.tokenizer_name ?? s.model_name_or_path)!, { revision });
  let model: AutoSequenceClassificationModel;
  const freshModel = s.model_name_or_path === null;
  if (freshModel) {
    log('WARNING: no --model_name_or_path: training a NEW model from scratch with randomly initialised weights ' +
      `(config from ${s.config_name ?? `--model_type ${s.model_type}`}). Expect far lower scores than fine-tuning pretrained weights.`);
    model = AutoModelForSequenceClassification.fromConfig(config);
  } else {
    model = await AutoModelForSequenceClassification.fromPretrained(s.model_name_or_path!, { config, ignoreMismatchedSizes: s.ignore_mismatched_sizes, revision });
  }
  return { config, tokenizer, model, labels, labelToId, freshModel };
}

/** The text columns: --text_column_names, GLUE's, or run_glue's guess (sentence1/sentence2, else the first two). */
export function textColumns(plan: RunPlan, ds: Dataset): [string, string | null] {
  const s = plan.script;
  if (s.text_column_names) {
    const names = s.text_column_names.split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length < 1 || names.length > 2) throw new Error(`--text_column_names takes one or two column names, got '${s.text_column_names}'`);
    for (const n of names) if (!ds.columnNames.includes(n)) throw new Error(`--text_column_names: no column '${n}' (the columns are ${ds.columnNames.join(', ')})`);
    return [names[0], names[1] ?? null];
  }
  if (s.task_name !== null) return TASK_TO_KEYS[s.task_name];
  const candidates = ds.columnNames.filter((n) => n !== 'label' && n !== 'idx');
  if (candidates.includes('sentence1') && candidates.includes('sentence2')) return ['sentence1', 'sentence2'];
  if (candidates.length >= 2) return [candidates[0], candidates[1]];
  if (candidates.length === 1) return [candidates[0], null];
  throw new Error(`no text column found (the columns are ${ds.columnNames.join(', ')}); pass --text_column_names`);
}

/** Tokenizes a split (truncating to max_seq_length) and maps labels to ids; keeps only model inputs and `label`. */
export async function preprocess(plan: RunPlan, built: Built, ds: Dataset, maxSamples: number | null): Promise<Dataset> {
  const s = plan.script;
  if (maxSamples !== null && maxSamples < ds.numRows) ds = ds.select(Array.from({ length: maxSamples }, (_, i) => i));
  const [k1, k2] = textColumns(plan, ds);
  let maxLength = s.max_seq_length ?? 128;
  if (maxLength > built.tokenizer.modelMaxLength) {
    log(`The max_seq_length passed (${maxLength}) is larger than the maximum length for the model (${built.tokenizer.modelMaxLength}). Using max_seq_length=${built.tokenizer.modelMaxLength}.`);
    maxLength = built.tokenizer.modelMaxLength;
  }
  const padding = s.pad_to_max_length ? 'max_length' : false;
  const { labelToId, labels } = built;
  if (ds.columnNames.includes('label') && labelToId && !(ds.features.label instanceof ClassLabel)) {
    // file labels (strings or numbers) → class ids; unknown ones (e.g. -1 in test files) stay -1
    ds = await ds.map((b) => ({ label: (b.label as unknown[]).map((l) => (l === null ? -1 : labelToId.get(String(l)) ?? -1)) }), { batched: true });
  } else if (ds.columnNames.includes('label') && labels.isRegression) {
    ds = await ds.map((b) => ({ label: (b.label as unknown[]).map(Number) }), { batched: true });
  }
  const tokenized = await ds.map((b) => built.tokenizer(b[k1] as string[], k2 ? (b[k2] as string[]) : null, { padding, maxLength, truncation: true }), { batched: true });
  const keep = [...built.tokenizer.modelInputNames, 'label'].filter((c) => tokenized.columnNames.includes(c));
  return tokenized.selectColumns(keep);
}
