// `finetune train --task qa`: run_qa.py. SQuAD-style rows (id, question, context, answers);
// training windows from prepareTrainFeatures (max_seq_length, doc_stride), evaluation windows
// from prepareValidationFeatures, the start/end logits of every window post-processed into one
// answer per example (n_best_size, max_answer_length, SQuAD v2's null answer with
// --version_2_with_negative and null_score_diff_threshold), and the squad / squad_v2 metric
// with run_qa.py's names: eval_exact_match and eval_f1 (v2: eval_exact, eval_f1, eval_HasAns_*, ...).
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

import { postprocessQaPredictions, prepareTrainFeatures, prepareValidationFeatures, type QaTokenizer } from '../../data/question_answering.js';
import { Dataset } from '../../datasets/dataset.js';
import * as torch from '../../engine/torch.js';
import * as evaluate from '../../metrics/evaluate.js';
import { AutoModelForQuestionAnswering, type AutoQuestionAnsweringModel } from '../../models/auto.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { RunPlan } from '../plan.js';
import type { Metrics } from '../trainer_api.js';
import { loadConfigAndTokenizer, makeTrainer, maxSeqLength, report, trainAndSave } from './common.js';

/**
 * SQuAD rows from a json/jsonl file (also SQuAD-style {"data": [...]}), as plain rows: the
 * answers column is a struct, which the dataset columns do not hold, so it stays outside them.
 */
function readQaRows(path: string, flag: string): Record<string, unknown>[] {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.jsonl') throw new Error(`--${flag}: --task qa reads json or jsonl files (the answers are {text, answer_start} objects), got ${path}`);
  const text = readFileSync(path, 'utf8');
  let rows: unknown;
  try {
    rows = ext === '.jsonl' || !/^\s*[[{]/.test(text) || /}\s*\n\s*{/.test(text) ? text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)) : JSON.parse(text);
  } catch (e) {
    throw new Error(`--${flag}: cannot parse ${path}: ${(e as Error).message}`);
  }
  if (rows && !Array.isArray(rows) && typeof rows === 'object' && Array.isArray((rows as { data?: unknown }).data)) rows = (rows as { data: unknown[] }).data;
  if (!Array.isArray(rows)) throw new Error(`--${flag}: ${path} must hold one object per line, a list of objects, or {"data": [...]}`);
  return rows as Record<string, unknown>[];
}

/** The rows of a split as columns (the shape prepareTrainFeatures takes), checked. */
function qaSplit(plan: RunPlan, rows: Record<string, unknown>[], needId: boolean, max: number | null): Record<string, unknown[]> {
  const kept = max !== null ? rows.slice(0, max) : rows;
  const names = Object.keys(kept[0] ?? {});
  const cols = Object.fromEntries(names.map((n) => [n, kept.map((r) => r[n])]));
  checkColumns(plan, { columnNames: names, first: kept[0] ?? {} }, needId);
  return cols;
}

function checkColumns(plan: RunPlan, ds: { columnNames: string[]; first: Record<string, unknown> }, needId: boolean): void {
  const s = plan.script;
  const has = (flag: string, name: string) => {
    if (!ds.columnNames.includes(name)) throw new Error(`--${flag}: no column '${name}' (the columns are ${ds.columnNames.join(', ')})`);
    return name;
  };
  has('question_column_name', s.question_column_name!);
  has('context_column_name', s.context_column_name!);
  const answers = has('answer_column_name', s.answer_column_name!);
  const first = ds.first[answers];
  const a = first as { text?: unknown; answer_start?: unknown } | null;
  if (!a || !Array.isArray(a.text) || !Array.isArray(a.answer_start)) {
    throw new Error(`--answer_column_name: column '${answers}' must hold {text: [...], answer_start: [...]} per row, got ${JSON.stringify(first)}`);
  }
  if (needId && !ds.columnNames.includes('id')) throw new Error(`--task qa: the evaluation data needs an 'id' column (the columns are ${ds.columnNames.join(', ')})`);
}

/** Start and end logits of every evaluation window, a batch of per_device_eval_batch_size at a time. */
function windowLogits(model: AutoQuestionAnsweringModel, features: Record<string, unknown[]>, names: readonly string[], batchSize: number): [number[][], number[][]] {
  model.eval();
  const device = (model.parameters()[0]?.device ?? 'cpu') as Parameters<ReturnType<typeof torch.tensor>['to']>[0];
  const [starts, ends]: [number[][], number[][]] = [[], []];
  const n = features.input_ids.length;
  for (let i = 0; i < n; i += batchSize) {
    const [s, e] = torch.noGrad(() => torch.tidy(() => {
      const inputs: Record<string, unknown> = {};
      for (const k of names) if (features[k]) inputs[k] = torch.tensor(features[k].slice(i, i + batchSize) as number[][]).to(device);
      const out = model.forward(inputs);
      return [out.startLogits.to('float64').toArray() as number[][], out.endLogits.to('float64').toArray() as number[][]];
    }));
    starts.push(...s);
    ends.push(...e);
  }
  return [starts, ends];
}

export async function runTask(plan: RunPlan): Promise<Record<string, Metrics>> {
  const s = plan.script;
  if (s.dataset_name !== null) throw new Error('--task qa reads --train_file / --validation_file (json or jsonl); --dataset_name is not supported for it yet');
  const trainRows = plan.args.doTrain && s.train_file ? qaSplit(plan, readQaRows(s.train_file, 'train_file'), false, s.max_train_samples) : undefined;
  const evalRows = plan.args.doEval && s.validation_file ? qaSplit(plan, readQaRows(s.validation_file, 'validation_file'), true, s.max_eval_samples) : undefined;
  const { config, tokenizer, revision } = await loadConfigAndTokenizer(plan);
  const model = s.model_name_or_path === null
    ? AutoModelForQuestionAnswering.fromConfig(config)
    : await AutoModelForQuestionAnswering.fromPretrained(s.model_name_or_path, { config, revision, ignoreMismatchedSizes: s.ignore_mismatched_sizes });
  const maxLength = maxSeqLength(plan, tokenizer, 384);
  if (s.doc_stride! >= maxLength) throw new Error(`--doc_stride (${s.doc_stride}) must be smaller than the max_seq_length in use (${maxLength})`);
  const opts = { maxLength, stride: s.doc_stride!, questionColumn: s.question_column_name!, contextColumn: s.context_column_name!, answerColumn: s.answer_column_name! };
  const qaTokenizer = tokenizer as unknown as QaTokenizer;
  const train = trainRows ? Dataset.fromDict(await prepareTrainFeatures(qaTokenizer, trainRows, { ...opts, padToMaxLength: s.pad_to_max_length }) as Record<string, number[][]>) : undefined;
  const trainer = makeTrainer(plan, { model: model as never, trainDataset: train ?? null, dataCollator: null, tokenizer });
  const results: Record<string, Metrics> = {};
  if (plan.args.doTrain && train) results.train = await trainAndSave(plan, trainer, train);
  if (plan.args.doEval && evalRows) {
    const examples = evalRows;
    // the windows are stacked into batches, so evaluation is padded to max_seq_length
    const features = await prepareValidationFeatures(qaTokenizer, examples, { ...opts, padToMaxLength: true });
    const start = performance.now();
    const logits = windowLogits(model, features, tokenizer.modelInputNames, plan.args.perDeviceEvalBatchSize);
    const ids = (examples.id as unknown[]).map(String);
    const post = postprocessQaPredictions({ id: ids, context: examples[opts.contextColumn] as string[] }, features as never, logits, {
      version2WithNegative: s.version_2_with_negative, nBestSize: s.n_best_size!, maxAnswerLength: s.max_answer_length!, nullScoreDiffThreshold: s.null_score_diff_threshold,
    });
    if (!s.version_2_with_negative) {
      const i = (examples[opts.answerColumn] as { text: string[] }[]).findIndex((a) => a.text.length === 0);
      if (i >= 0) throw new Error(`--task qa: validation example '${ids[i]}' has no answer, which SQuAD v1's metric cannot score; pass --version_2_with_negative`);
    }
    const references = ids.map((id, i) => ({ id, answers: examples[opts.answerColumn][i] as { text: string[]; answer_start: number[] } }));
    const predictions = ids.map((id) => ({ id, prediction_text: post.predictions.get(id) ?? '', ...(s.version_2_with_negative ? { no_answer_probability: 0 } : {}) }));
    const scores = evaluate.load(s.version_2_with_negative ? 'squad_v2' : 'squad').compute({ predictions, references } as never) as Metrics;
    const seconds = (performance.now() - start) / 1000;
    const metrics: Metrics = Object.fromEntries(Object.entries(scores).map(([k, v]) => [`eval_${k}`, v]));
    Object.assign(metrics, { eval_runtime: Number(seconds.toFixed(4)), eval_samples: (features.input_ids as unknown[]).length });
    writeFileAtomic(join(plan.args.outputDir, 'eval_predictions.json'), `${JSON.stringify(Object.fromEntries(post.predictions), null, 4)}\n`);
    report(plan, 'eval', metrics);
    results.eval = metrics;
  }
  return results;
}
