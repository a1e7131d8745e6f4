// run_glue.py's main() after argument parsing: data, model, Trainer, then train / evaluate /
// predict with Hugging Face's result files (train_results.json, eval_results.json,
// all_results.json, predict_results_<task>.txt).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeFileAtomic } from '../util/atomic.js';

import { DataCollatorWithPadding, defaultDataCollator } from '../data/collators.js';
import { profileTopOperators } from '../engine/profiler.js';
import type { Tensor } from '../engine/tensor.js';
import * as evaluate from '../metrics/evaluate.js';
import { buildModel, loadRawSplits, log, preprocess } from './data.js';
import type { RunPlan } from './plan.js';
import type { Trainer } from '../trainer/trainer.js';
import { lastCheckpoint } from '../trainer/trainer_checkpoint.js';
import { createTrainer, type Metrics, type TrainerInit } from './trainer_api.js';

/** trainer.log_metrics: the block Hugging Face prints. */
export function formatMetrics(split: string, metrics: Metrics): string {
  const keys = Object.keys(metrics).sort();
  const width = Math.max(...keys.map((k) => k.length), 1);
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());
  return [`***** ${split} metrics *****`, ...keys.map((k) => `  ${k.padEnd(width)} = ${fmt(metrics[k]).padStart(10)}`)].join('\n');
}

/** trainer.save_metrics: `<split>_results.json` and the merged all_results.json (indent 4, sorted keys). */
export function saveMetrics(outputDir: string, split: string, metrics: Metrics): void {
  mkdirSync(outputDir, { recursive: true });
  const sorted = (m: Metrics) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileAtomic(join(outputDir, `${split}_results.json`), `${JSON.stringify(sorted(metrics), null, 4)}\n`);
  const allPath = join(outputDir, 'all_results.json');
  const all = existsSync(allPath) ? (JSON.parse(readFileSync(allPath, 'utf8')) as Metrics) : {};
  writeFileAtomic(allPath, `${JSON.stringify(sorted({ ...all, ...metrics }), null, 4)}\n`);
}

function rows(t: Tensor): number[][] | number[] {
  return t.to('float64').toArray() as number[][] | number[];
}

/** A Ctrl-C stopped training after saving a checkpoint (the CLI exits 130, as an interrupted program does). */
export class TrainingInterrupted extends Error {
  constructor(readonly checkpoint: string | null) {
    super(`training interrupted${checkpoint ? `; resume with --resume_from_checkpoint ${checkpoint}` : ''}`);
  }
}

/** trainer.train (resuming when asked); with --profile under torch.profiler, its top operators logged at the end. */
export function runTraining(plan: RunPlan, trainer: Pick<Trainer, 'train'>): ReturnType<Trainer['train']> {
  const train = () => trainer.train(plan.resumeFrom ? { resumeFromCheckpoint: plan.resumeFrom } : {});
  if (!plan.script.profile) return train();
  return profileTopOperators(train, (table) => log(`***** torch.profiler: training's top operators by self CPU time *****\n${table}`));
}

/** Returns the metrics of the steps that ran, by split; throws TrainingInterrupted after a Ctrl-C. */
export async function runPlan(plan: RunPlan): Promise<Record<string, Metrics>> {
  // run_mlm.py, run_ner.py and run_qa.py each have their own module
  if (plan.task === 'mlm') return (await import('./tasks/mlm.js')).runTask(plan);
  if (plan.task === 'ner') return (await import('./tasks/ner.js')).runTask(plan);
  if (plan.task === 'qa') return (await import('./tasks/qa.js')).runTask(plan);
  const { args, script: s } = plan;
  const raw = await loadRawSplits(plan);
  const built = await buildModel(plan, raw);
  const { labels } = built;
  const train = raw.train ? await preprocess(plan, built, raw.train, s.max_train_samples) : undefined;
  const validation = raw.validation ? await preprocess(plan, built, raw.validation, s.max_eval_samples) : undefined;
  const test = raw.test ? await preprocess(plan, built, raw.test, s.max_predict_samples) : undefined;

  const metric = s.task_name !== null ? evaluate.load('glue', s.task_name) : labels.isRegression ? null : evaluate.load('accuracy');
  const computeMetrics = ({ predictions, labelIds }: { predictions: Tensor; labelIds: Tensor | null }): Metrics => {
    const logits = rows(predictions);
    const refs = labelIds ? (rows(labelIds) as number[]) : [];
    const preds = labels.isRegression
      ? (logits as number[][]).map((r) => (Array.isArray(r) ? r[0] : r))
      : (logits as number[][]).map((r) => r.indexOf(Math.max(...r)));
    let result: Metrics;
    if (metric) result = metric.compute({ predictions: preds, references: refs }) as Metrics;
    else result = { mse: preds.reduce((acc, p, i) => acc + (p - refs[i]) ** 2, 0) / Math.max(preds.length, 1) };
    // run_glue: the mean of several metrics as combined_score
    if (Object.keys(result).length > 1) result.combined_score = Object.values(result).reduce((a, b) => a + b, 0) / Object.keys(result).length;
    return result;
  };
  const dataCollator = s.pad_to_max_length
    ? defaultDataCollator
    : new DataCollatorWithPadding({ tokenizer: built.tokenizer, padToMultipleOf: args.fp16 ? 8 : undefined });
  const trainer = createTrainer({
    model: built.model, args, trainDataset: train, evalDataset: validation,
    dataCollator: dataCollator as TrainerInit['dataCollator'], tokenizer: built.tokenizer, computeMetrics,
  });

  const results: Record<string, Metrics> = {};
  if (args.doTrain && train) {
    const out = await runTraining(plan, trainer);
    if (out.interrupted) throw new TrainingInterrupted(lastCheckpoint(args.outputDir));
    const metrics = { ...out.metrics, train_samples: train.numRows };
    await trainer.saveModel();
    log(formatMetrics('train', metrics));
    saveMetrics(args.outputDir, 'train', metrics);
    trainer.saveState();
    results.train = metrics;
  }
  if (args.doEval && validation) {
    const metrics = { ...(await trainer.evaluate(validation)), eval_samples: validation.numRows };
    log(formatMetrics('eval', metrics));
    saveMetrics(args.outputDir, 'eval', metrics);
    results.eval = metrics;
  }
  if (args.doPredict && test) {
    const input = test.columnNames.includes('label') ? test.removeColumns('label') : test;
    const { predictions } = await trainer.predict(input);
    const logits = rows(predictions) as number[][];
    const lines = ['index\tprediction'];
    const id2label = built.model.config.id2label;
    logits.forEach((r, i) => {
      const value = labels.isRegression ? (Array.isArray(r) ? r[0] : (r as number)).toFixed(3) : (id2label[r.indexOf(Math.max(...r))] ?? String(r.indexOf(Math.max(...r))));
      lines.push(`${i}\t${value}`);
    });
    mkdirSync(args.outputDir, { recursive: true });
    const file = join(args.outputDir, `predict_results_${s.task_name ?? 'None'}.txt`);
    writeFileAtomic(file, `${lines.join('\n')}\n`);
    log(`***** Predict results *****\n  written to ${file} (${logits.length} rows)`);
    results.predict = { predict_samples: logits.length };
  }
  return results;
}
