// Everything checked before any work starts (no model built, no data read): the command's
// required options, that local paths exist, the data source (GLUE task, files or dataset) and
// the TrainingArguments themselves. Each mistake is a UsageError (exit code 2).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

import { TrainingArguments } from '../trainer/training_args.js';
import type { TrainingArgumentsFields } from '../trainer/training_args_fields.js';
import { UsageError, parseCommandLine, type CliTask, type ScriptArgs } from './options.js';
import { planTask } from './tasks/plan_task.js';

export type Command = 'train' | 'evaluate' | 'predict';
export const COMMANDS: readonly Command[] = ['train', 'evaluate', 'predict'];

/** run_glue.py's task_to_keys; the GLUE folder of each task is the data layer's business. */
export const TASK_TO_KEYS: Record<string, [string, string | null]> = {
  cola: ['sentence', null], mnli: ['premise', 'hypothesis'], mrpc: ['sentence1', 'sentence2'], qnli: ['question', 'sentence'],
  qqp: ['question1', 'question2'], rte: ['sentence1', 'sentence2'], sst2: ['sentence', null], stsb: ['sentence1', 'sentence2'], wnli: ['sentence1', 'sentence2'],
};
const GLUE_DIRS: Record<string, string> = { cola: 'CoLA', mnli: 'MNLI', mrpc: 'MRPC', qnli: 'QNLI', qqp: 'QQP', rte: 'RTE', sst2: 'SST-2', stsb: 'STS-B', wnli: 'WNLI' };
const DATA_EXTENSIONS = ['.csv', '.tsv', '.json', '.jsonl'];

export interface RunPlan {
  command: Command;
  script: ScriptArgs;
  /** --task: text-classification (run_glue.py), mlm, ner or qa. */
  task: CliTask;
  args: TrainingArguments;
  /** Checkpoint to resume from (given, or the last one found in output_dir). */
  resumeFrom: string | null;
  configFile: string | null;
}

/** A Hub id is `name` or `org/name`; anything else (./x, ../x, /x, a/b/c) is a local path. */
function looksLocal(p: string): boolean {
  return existsSync(p) || !/^[\w.-]+(\/[\w.-]+)?$/.test(p) || p.startsWith('.');
}

function requireLocal(p: string | null, flag: string, what: 'file' | 'dir' | 'any' = 'any'): void {
  if (p === null) return;
  if (!existsSync(p)) throw new UsageError(`--${flag}: no such ${what === 'dir' ? 'directory' : what === 'file' ? 'file' : 'file or directory'}: ${p}`);
  if (what === 'file' && statSync(p).isDirectory()) throw new UsageError(`--${flag}: ${p} is a directory, expected a file`);
  if (what === 'dir' && !statSync(p).isDirectory()) throw new UsageError(`--${flag}: ${p} is not a directory`);
}

/** Parses and checks a command line; throws UsageError for any mistake. */
export function planRun(command: Command, argv: readonly string[]): RunPlan {
  const { script: s, training, configFile, given } = parseCommandLine(argv);
  const t: Partial<TrainingArgumentsFields> = { ...training };
  const task = planTask(s, given, { doPredict: command === 'predict' || Boolean(t.doPredict) });
  // the subcommand decides what runs; `train` without do_* flags trains (run_glue would do nothing)
  if (command === 'evaluate') Object.assign(t, { doTrain: false, doEval: true, doPredict: false });
  if (command === 'predict') Object.assign(t, { doTrain: false, doEval: false, doPredict: true });
  if (command === 'train' && !t.doTrain && !t.doEval && !t.doPredict) t.doTrain = true;
  // evaluate/predict write next to the model unless told otherwise
  if (command !== 'train' && t.outputDir === undefined && s.model_name_or_path && existsSync(s.model_name_or_path)) t.outputDir = s.model_name_or_path;

  // ---- the model
  if (command !== 'train' && !s.model_name_or_path) throw new UsageError(`finetune ${command}: --model_name_or_path (the trained model folder) is required`);
  if (!s.model_name_or_path && !s.config_name && !s.model_type) {
    throw new UsageError('finetune train: pass --model_name_or_path (pretrained weights: a folder or a Hub id), or --config_name / --model_type to start from a fresh model');
  }
  for (const flag of ['model_name_or_path', 'config_name', 'tokenizer_name'] as const) {
    const p = s[flag];
    if (p !== null && looksLocal(p)) requireLocal(p, flag);
  }
  if (!s.model_name_or_path && !s.tokenizer_name) throw new UsageError('a fresh model (no --model_name_or_path) needs --tokenizer_name');
  if (s.config_overrides !== null && s.model_name_or_path !== null) {
    throw new UsageError('--config_overrides can only be used with a fresh model (--config_name or --model_type without --model_name_or_path)');
  }

  // ---- the data
  const doTrain = Boolean(t.doTrain);
  const doEval = Boolean(t.doEval) || (t.evalStrategy !== undefined && t.evalStrategy !== 'no');
  const doPredict = Boolean(t.doPredict);
  if (s.task_name !== null) {
    s.task_name = s.task_name.toLowerCase();
    if (!(s.task_name in TASK_TO_KEYS)) throw new UsageError(`--task_name: unknown GLUE task '${s.task_name}'; choose one of ${Object.keys(TASK_TO_KEYS).join(', ')}`);
    if (s.data_dir === null) throw new UsageError(`--task_name ${s.task_name} needs --data_dir, the folder with GLUE's ${GLUE_DIRS[s.task_name]} TSV files (GLUE cannot be downloaded here)`);
    requireLocal(s.data_dir, 'data_dir', 'dir');
    const dir = existsSync(join(s.data_dir, GLUE_DIRS[s.task_name])) ? join(s.data_dir, GLUE_DIRS[s.task_name]) : s.data_dir;
    const need: [boolean, string][] = s.task_name === 'mnli'
      ? [[doTrain, 'train.tsv'], [doEval, 'dev_matched.tsv'], [doPredict, 'test_matched.tsv']]
      : [[doTrain, 'train.tsv'], [doEval, 'dev.tsv'], [doPredict, 'test.tsv']];
    for (const [needed, file] of need) {
      if (needed && !existsSync(join(dir, file))) throw new UsageError(`--data_dir: no ${file} in ${dir} (needed for task ${s.task_name})`);
    }
  } else if (s.dataset_name !== null) {
    if (looksLocal(s.dataset_name)) requireLocal(s.dataset_name, 'dataset_name');
  } else {
    const need: [boolean, 'train_file' | 'validation_file' | 'test_file', string][] = [
      [doTrain, 'train_file', 'training'], [doEval, 'validation_file', 'evaluation'], [doPredict, 'test_file', 'prediction']];
    for (const [needed, flag, what] of need) {
      if (needed && s[flag] === null) throw new UsageError(`${what} needs data: pass --${flag} (csv, tsv or json), or --task_name with --data_dir`);
    }
  }
  for (const flag of ['train_file', 'validation_file', 'test_file'] as const) {
    const p = s[flag];
    if (p === null) continue;
    if (!DATA_EXTENSIONS.includes(extname(p).toLowerCase())) throw new UsageError(`--${flag} should be a csv, tsv or json(l) file, got ${p}`);
    requireLocal(p, flag, 'file');
  }
  if (s.train_file !== null && s.validation_file !== null && kindOf(s.train_file) !== kindOf(s.validation_file)) {
    throw new UsageError('--validation_file should have the same extension (csv/tsv or json) as --train_file');
  }
  if (s.max_seq_length !== null && s.max_seq_length < 1) throw new UsageError(`--max_seq_length must be positive, got ${s.max_seq_length}`);
  for (const flag of ['max_train_samples', 'max_eval_samples', 'max_predict_samples'] as const) {
    const n = s[flag];
    if (n !== null && n < 1) throw new UsageError(`--${flag} must be positive, got ${n}`);
  }

  // ---- TrainingArguments (its own checks: strategies, best-model settings, …)
  let args: TrainingArguments;
  try {
    args = new TrainingArguments(t);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (args.resumeFromCheckpoint) requireLocal(args.resumeFromCheckpoint, 'resume_from_checkpoint', 'dir');
  let resumeFrom = args.resumeFromCheckpoint;
  if (command === 'train' && args.doTrain && existsSync(args.outputDir) && !args.overwriteOutputDir) {
    // run_glue.py: resume from the last checkpoint in output_dir, refuse to mix into another run's folder
    const entries = readdirSync(args.outputDir);
    const checkpoints = entries.filter((e) => /^checkpoint-\d+$/.test(e)).sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));
    if (checkpoints.length && resumeFrom === null) resumeFrom = join(args.outputDir, checkpoints[checkpoints.length - 1]);
    else if (!checkpoints.length && entries.length) {
      throw new UsageError(`Output directory (${args.outputDir}) already exists and is not empty. Use --overwrite_output_dir to overcome.`);
    }
  }
  return { command, script: s, task, args, resumeFrom, configFile };
}

const kindOf = (p: string) => (['.json', '.jsonl'].includes(extname(p).toLowerCase()) ? 'json' : 'csv');
