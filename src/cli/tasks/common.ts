// What run_mlm.py, run_ner.py and run_qa.py share: the raw splits from files or a dataset,
// config and tokenizer (pretrained, or a fresh model from --config_name / --model_type), a
// Trainer from the command line's TrainingArguments, and the train/eval result files.
import { extname } from 'node:path';

import type { Dataset } from '../../datasets/dataset.js';
import type { DatasetDict } from '../../datasets/dataset-dict.js';
import { loadDataset } from '../../datasets/load.js';
import { AutoConfig } from '../../models/auto.js';
import type { PretrainedConfig } from '../../models/configuration_utils.js';
import { AutoTokenizer } from '../../tokenizers/auto.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/tokenizer.js';
import { lastCheckpoint } from '../../trainer/trainer_checkpoint.js';
import { Trainer, type TrainerOptions } from '../../trainer/trainer.js';
import { log, parseConfigOverrides } from '../data.js';
import type { RunPlan } from '../plan.js';
import { TrainingInterrupted, formatMetrics, runTraining, saveMetrics } from '../run.js';
import type { Metrics } from '../trainer_api.js';

export interface TaskSplits { train?: Dataset; validation?: Dataset }

export async function loadTaskSplits(plan: RunPlan): Promise<TaskSplits> {
  const s = plan.script;
  let dict: DatasetDict;
  if (s.dataset_name !== null) dict = (await loadDataset(s.dataset_name, s.dataset_config_name ?? undefined)) as DatasetDict;
  else {
    const files: Record<string, string> = {};
    if (s.train_file && plan.args.doTrain) files.train = s.train_file;
    if (s.validation_file && plan.args.doEval) files.validation = s.validation_file;
    const first = Object.values(files)[0];
    if (first === undefined) throw new Error(`--task ${plan.task}: nothing to do (pass --train_file with --do_train, --validation_file with --do_eval)`);
    const ext = extname(first).toLowerCase();
    dict = (await loadDataset(ext === '.json' || ext === '.jsonl' ? 'json' : 'csv', { dataFiles: files, ...(ext === '.tsv' ? { delimiter: '\t' } : {}) })) as DatasetDict;
  }
  const pick = (split: string, max: number | null) => {
    if (!dict.has(split)) throw new Error(`the data has no ${split} split (it has ${dict.keys().join(', ')})`);
    const ds = dict.get(split);
    return max !== null && max < ds.numRows ? ds.select(Array.from({ length: max }, (_, i) => i)) : ds;
  };
  return {
    train: plan.args.doTrain ? pick('train', s.max_train_samples) : undefined,
    validation: plan.args.doEval ? pick('validation', s.max_eval_samples) : undefined,
  };
}

/** A column the task needs: the flag's value, else the first of the defaults present; the error names the flag and the columns. */
export function column(ds: Dataset, flag: string, value: string | null, fallbacks: (string | ((cols: string[]) => string | undefined))[]): string {
  const cols = ds.columnNames;
  if (value !== null) {
    if (!cols.includes(value)) throw new Error(`--${flag}: no column '${value}' (the columns are ${cols.join(', ')})`);
    return value;
  }
  for (const f of fallbacks) {
    const name = typeof f === 'string' ? (cols.includes(f) ? f : undefined) : f(cols);
    if (name !== undefined) return name;
  }
  throw new Error(`--${flag}: cannot tell which column to use (the columns are ${cols.join(', ')}); pass --${flag}`);
}

export async function loadConfigAndTokenizer(plan: RunPlan): Promise<{ config: PretrainedConfig; tokenizer: PreTrainedTokenizerFast; revision?: string }> {
  const s = plan.script;
  const revision = s.model_revision === 'main' || s.model_revision === null ? undefined : s.model_revision;
  const from = s.config_name ?? s.model_name_or_path;
  const config = from !== null ? await AutoConfig.fromPretrained(from, { revision }) : AutoConfig.forModel(s.model_type!);
  if (s.config_overrides) {
    log(`Overriding config: ${s.config_overrides}`);
    config.updateFromDict(parseConfigOverrides(s.config_overrides));
  }
  const tokenizer = await AutoTokenizer.fromPretrained((s.tokenizer_name ?? s.model_name_or_path)!, { revision });
  if (s.model_name_or_path === null) log(`WARNING: no --model_name_or_path: training a NEW model from scratch with randomly initialised weights (config from ${s.config_name ?? `--model_type ${s.model_type}`}).`);
  return { config, tokenizer, revision };
}

/** max_seq_length, or the tokenizer's limit capped at `cap` (run_mlm.py: 1024) when not given. */
export function maxSeqLength(plan: RunPlan, tokenizer: PreTrainedTokenizerFast, cap: number): number {
  const given = plan.script.max_seq_length;
  const limit = tokenizer.modelMaxLength;
  if (given === null) return Math.min(limit, cap);
  if (given > limit) {
    log(`The max_seq_length passed (${given}) is larger than the maximum length for the model (${limit}). Using max_seq_length=${limit}.`);
    return limit;
  }
  return given;
}

export function makeTrainer(plan: RunPlan, init: Omit<TrainerOptions, 'args'>): Trainer {
  return new Trainer({ ...init, args: plan.args } as TrainerOptions);
}

/** trainer.train, save_model, the train metrics files; throws TrainingInterrupted after a Ctrl-C. */
export async function trainAndSave(plan: RunPlan, trainer: Trainer, train: Dataset): Promise<Metrics> {
  const out = await runTraining(plan, trainer);
  if (out.interrupted) throw new TrainingInterrupted(lastCheckpoint(plan.args.outputDir));
  const metrics = { ...out.metrics, train_samples: train.numRows } as Metrics;
  await trainer.saveModel();
  report(plan, 'train', metrics);
  trainer.saveState();
  return metrics;
}

export function report(plan: RunPlan, split: string, metrics: Metrics): void {
  log(formatMetrics(split, metrics));
  saveMetrics(plan.args.outputDir, split, metrics);
}
