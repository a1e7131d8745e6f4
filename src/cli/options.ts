// The command line of `finetune train|evaluate|predict`: Hugging Face run_glue.py's
// ModelArguments and DataTrainingArguments (plus run_classification's column options and
// run_mlm's --model_type/--config_overrides), every TrainingArguments field through the
// trainer's own parser, and `--config file.json|yaml` holding any of them in snake_case.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

import { levenshtein, parseArgsFlags, stringToBool } from '../trainer/args_parsing.js';
import { FIELD_NAMES, isField, type TrainingArgumentsFields } from '../trainer/training_args_fields.js';
import { camelToSnake, snakeToCamel } from '../util/case.js';

/** A mistake in how the command was called: reported on stderr with exit code 2, before any work. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Kind = 'str' | 'int' | 'float' | 'bool';
interface ScriptOption { kind: Kind; default: string | number | boolean | null; help: string; group: 'model' | 'data' | 'task' }
type Group = ScriptOption['group'];
// typed per kind, so that the parsed arguments have precise types (string | null, number | null, boolean)
const str = (group: Group, def: string | null, help: string) => ({ group, kind: 'str' as const, default: def, help });
const int = (group: Group, def: number | null, help: string) => ({ group, kind: 'int' as const, default: def, help });
const bool = (group: Group, def: boolean, help: string) => ({ group, kind: 'bool' as const, default: def, help });
const float = (group: Group, def: number, help: string) => ({ group, kind: 'float' as const, default: def, help });

/** The tasks of --task: run_glue.py's (the default), run_mlm.py's, run_ner.py's and run_qa.py's. */
export const TASKS = ['text-classification', 'mlm', 'ner', 'qa'] as const;
export type CliTask = (typeof TASKS)[number];

/** run_glue.py's own arguments, snake_case as on its command line. */
export const SCRIPT_OPTIONS = {
  model_name_or_path: str('model', null, 'Path to pretrained model or model identifier from huggingface.co/models (a trained model folder for evaluate/predict).'),
  config_name: str('model', null, 'Pretrained config name or path if not the same as model_name. Without --model_name_or_path the model starts from this config with fresh weights.'),
  tokenizer_name: str('model', null, 'Pretrained tokenizer name or path if not the same as model_name.'),
  model_type: str('model', null, 'With neither --model_name_or_path nor --config_name: train a fresh model of this type (bert, distilbert, roberta, xlm-roberta).'),
  config_overrides: str('model', null, "Override config fields of a fresh model, e.g. 'num_hidden_layers=1,hidden_size=64,intermediate_size=128'."),
  cache_dir: str('model', null, 'Accepted for compatibility; the Hub cache location comes from HF_HOME / HF_HUB_CACHE.'),
  use_fast_tokenizer: bool('model', true, 'Accepted for compatibility; finetune always uses the fast (Rust) tokenizer.'),
  model_revision: str('model', 'main', 'The specific model version to use (branch name, tag name or commit id).'),
  ignore_mismatched_sizes: bool('model', false, 'Enable loading a pretrained model whose head has a different size (e.g. another number of labels).'),
  task_name: str('data', null, 'The name of the GLUE task to train on: cola, mnli, mrpc, qnli, qqp, rte, sst2, stsb, wnli (read from --data_dir).'),
  data_dir: str('data', null, "Folder of GLUE's TSV files (the task's folder, e.g. MRPC/, or the GLUE root holding it); GLUE is not downloaded."),
  dataset_name: str('data', null, 'The name of a dataset to use (a Hub dataset id or a local folder, via loadDataset).'),
  dataset_config_name: str('data', null, 'The configuration name of the dataset to use.'),
  train_file: str('data', null, 'A csv, tsv or json(l) file containing the training data.'),
  validation_file: str('data', null, 'A csv, tsv or json(l) file containing the validation data.'),
  test_file: str('data', null, 'A csv, tsv or json(l) file containing the test data.'),
  text_column_names: str('data', null, "Comma-separated text columns, e.g. 'sentence1,sentence2' (default: run_glue's choice: sentence1/sentence2, else the first two non-label columns)."),
  label_column_name: str('data', 'label', 'The column holding the labels.'),
  max_seq_length: int('data', 128, 'The maximum total input sequence length after tokenization. Longer sequences are truncated.'),
  pad_to_max_length: bool('data', true, 'Pad all samples to max_seq_length. If false, pad dynamically per batch (faster on CPU).'),
  overwrite_cache: bool('data', false, 'Overwrite the cached preprocessed datasets.'),
  max_train_samples: int('data', null, 'For debugging purposes or quicker training, truncate the number of training examples to this value if set.'),
  max_eval_samples: int('data', null, 'For debugging purposes or quicker training, truncate the number of evaluation examples to this value if set.'),
  max_predict_samples: int('data', null, 'For debugging purposes or quicker training, truncate the number of prediction examples to this value if set.'),
  task: str('task', 'text-classification', `What to train: ${TASKS.join(', ')} (run_glue.py, run_mlm.py, run_ner.py, run_qa.py).`),
  text_column_name: str('task', null, "mlm: the text column (default 'text', else the first column); ner: the words column (default 'tokens', else the first)."),
  mlm_probability: float('task', 0.15, 'mlm: ratio of tokens to mask for the masked language modeling loss.'),
  line_by_line: bool('task', false, 'mlm: each non-empty line is one sequence, instead of concatenating the texts into max_seq_length blocks.'),
  label_all_tokens: bool('task', false, 'ner: label every sub-token of a word with its label, instead of only the first (the rest -100).'),
  return_entity_level_metrics: bool('task', false, 'ner: report precision/recall/F1 per entity type as well as the overall ones.'),
  question_column_name: str('task', 'question', 'qa: the question column.'),
  context_column_name: str('task', 'context', 'qa: the context column.'),
  answer_column_name: str('task', 'answers', 'qa: the answers column ({text: [...], answer_start: [...]}).'),
  doc_stride: int('task', 128, 'qa: when splitting a long context into windows, how many tokens consecutive windows share.'),
  version_2_with_negative: bool('task', false, 'qa: some examples have no answer (SQuAD v2); the metric is squad_v2.'),
  n_best_size: int('task', 20, 'qa: the n-best start and end logits searched for answers.'),
  max_answer_length: int('task', 30, 'qa: the longest answer that can be generated, in tokens.'),
  null_score_diff_threshold: float('task', 0, 'qa (v2): predict no answer when the null score beats the best span by more than this.'),
  profile: bool('task', false, "Train under torch.profiler and print training's top operators by self CPU time (keyAverages().table()) at the end."),
} satisfies Record<string, ScriptOption>;

export type ScriptOptionName = keyof typeof SCRIPT_OPTIONS;
export type ScriptArgs = { [K in ScriptOptionName]: (typeof SCRIPT_OPTIONS)[K]['default'] };
export const SCRIPT_OPTION_NAMES = Object.keys(SCRIPT_OPTIONS) as ScriptOptionName[];

export interface ParsedCommandLine {
  script: ScriptArgs;
  /** TrainingArguments fields given (file, then flags), camelCase. */
  training: Partial<TrainingArgumentsFields>;
  configFile: string | null;
  /** The script options set by a flag or the config file (the rest hold their defaults). */
  given: ScriptOptionName[];
}

/** The closest option names (script options and TrainingArguments fields), snake_case. */
export function suggestOptions(name: string): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const target = norm(name);
  const all = [...SCRIPT_OPTION_NAMES, ...FIELD_NAMES.map(camelToSnake), 'config'];
  return all.map((n) => ({ n, d: levenshtein(target, norm(n)) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 4)) || (target.length >= 4 && norm(n).includes(target)))
    .sort((x, y) => x.d - y.d).slice(0, 3).map(({ n }) => `--${n}`);
}

function unknownOption(name: string, where: string): UsageError {
  const close = suggestOptions(name);
  return new UsageError(`${where}: unrecognized argument --${name}.${close.length ? ` Did you mean ${close.join(', ')}?` : ' See finetune --help.'}`);
}

function scriptName(flag: string): ScriptOptionName | null {
  const snake = camelToSnake(flag.replace(/-/g, '_'));
  return snake in SCRIPT_OPTIONS ? (snake as ScriptOptionName) : null;
}

function coerce(name: ScriptOptionName, value: unknown, where: string): string | number | boolean | null {
  const spec: ScriptOption = SCRIPT_OPTIONS[name];
  if (value === null || value === 'None') return null;
  if (spec.kind === 'bool') {
    try {
      return stringToBool(value as string | boolean);
    } catch {
      throw new UsageError(`${where}: --${name} must be true or false, got ${JSON.stringify(value)}`);
    }
  }
  if (spec.kind === 'float') {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new UsageError(`${where}: --${name} must be a number, got ${JSON.stringify(value)}`);
    return n;
  }
  if (spec.kind === 'int') {
    const n = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new UsageError(`${where}: --${name} must be an integer, got ${JSON.stringify(value)}`);
    return n;
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${where}: --${name} must be a string, got ${JSON.stringify(value)}`);
  return String(value);
}

/** Reads `--config` / a positional .json/.yaml file: script options and TrainingArguments fields by name. */
function readConfigFile(path: string): { script: Partial<ScriptArgs>; training: Record<string, unknown> } {
  if (!existsSync(path)) throw new UsageError(`--config: no such file: ${path}`);
  let data: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: cannot parse ${path}: ${(e as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--config: ${path} must hold a mapping of argument names to values`);
  const script: Partial<Record<ScriptOptionName, unknown>> = {};
  const training: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const name = scriptName(key);
    if (name) script[name] = coerce(name, value, path);
    else if (isField(key) || isField(snakeToCamel(key))) training[key] = value;
    else throw unknownOption(key, path);
  }
  return { script: script as Partial<ScriptArgs>, training };
}

const isFlag = (s: string | undefined) => s !== undefined && s.startsWith('--') && s.length > 2;

/**
 * argv (after the command) → script options and TrainingArguments fields. Flags override the
 * config file. Every mistake is a UsageError naming the flag, with close matches.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const rest: string[] = [];
  let configFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a.startsWith('--config=')) {
      configFile = a === '--config' ? (argv[++i] ?? null) : a.slice('--config='.length);
      if (!configFile || isFlag(configFile)) throw new UsageError('--config expects a .json or .yaml file');
    } else if (i === 0 && !isFlag(a) && /\.(json|ya?ml)$/i.test(a)) {
      configFile = a; // run_glue.py also takes a lone JSON file as its arguments
    } else rest.push(a);
  }
  let parsed;
  try {
    parsed = parseArgsFlags(rest, { allowUnknown: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const script: Partial<Record<ScriptOptionName, unknown>> = {};
  const tokens = parsed.unknown;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!isFlag(token)) throw new UsageError(`unrecognized argument: ${token} (options are --name value; see finetune --help)`);
    const eq = token.indexOf('=');
    const flag = token.slice(2, eq === -1 ? undefined : eq);
    const negated = /^no[_-]/.test(flag) && !scriptName(flag) ? scriptName(flag.slice(3)) : null;
    const name = scriptName(flag) ?? (negated && SCRIPT_OPTIONS[negated].kind === 'bool' ? negated : null);
    if (!name) throw unknownOption(flag, 'command line');
    if (name in script) throw new UsageError(`--${flag} is given more than once`);
    const values: string[] = eq === -1 ? [] : [token.slice(eq + 1)];
    while (eq === -1 && i + 1 < tokens.length && !isFlag(tokens[i + 1])) values.push(tokens[++i]);
    if (negated) {
      if (values.length) throw new UsageError(`--${flag} takes no value`);
      script[name] = false;
    } else if (SCRIPT_OPTIONS[name].kind === 'bool' && values.length === 0) script[name] = true;
    else if (values.length !== 1) throw new UsageError(`--${flag} expects one value, got ${values.length ? values.join(' ') : 'none'}`);
    else script[name] = coerce(name, values[0], `--${flag}`);
  }
  const defaults = Object.fromEntries(SCRIPT_OPTION_NAMES.map((n) => [n, SCRIPT_OPTIONS[n].default])) as ScriptArgs;
  const file = configFile ? readConfigFile(configFile) : { script: {}, training: {} };
  // the file's snake_case field names become camelCase; TrainingArguments checks the values
  const fileTraining = Object.fromEntries(Object.entries(file.training).map(([k, v]) => [isField(k) ? k : snakeToCamel(k), v]));
  return {
    script: { ...defaults, ...file.script, ...(script as Partial<ScriptArgs>) },
    training: { ...fileTraining, ...parsed.args } as Partial<TrainingArgumentsFields>,
    configFile,
    given: [...new Set([...Object.keys(file.script), ...Object.keys(script)])] as ScriptOptionName[],
  };
}
