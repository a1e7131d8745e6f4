// `finetune train --task ner`: run_ner.py. Lists of words (--text_column_name, default
// 'tokens') with a tag per word (--label_column_name, default 'ner_tags'); the label list is
// the column's ClassLabel names, else its sorted unique values (as run_ner's get_label_list);
// tags aligned to sub-tokens through wordIds() (first sub-token, or all with
// --label_all_tokens), DataCollatorForTokenClassification, and seqeval's numbers: eval_precision,
// eval_recall, eval_f1, eval_accuracy, or every seqeval key (eval_overall_f1, eval_PER_f1, ...)
// with --return_entity_level_metrics.
import { ClassLabel, Sequence } from '../../datasets/features.js';
import type { Dataset } from '../../datasets/dataset.js';
import { DataCollatorForTokenClassification, alignBatchLabels } from '../../data/token_classification.js';
import type { Tensor } from '../../engine/tensor.js';
import * as evaluate from '../../metrics/evaluate.js';
import { AutoModelForTokenClassification } from '../../models/auto.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/tokenizer.js';
import type { RunPlan } from '../plan.js';
import type { Metrics } from '../trainer_api.js';
import { column, loadConfigAndTokenizer, loadTaskSplits, makeTrainer, maxSeqLength, report, trainAndSave } from './common.js';

interface Columns { words: string; tags: string }

function columns(plan: RunPlan, ds: Dataset): Columns {
  const s = plan.script;
  const words = column(ds, 'text_column_name', s.text_column_name, ['tokens', (cols) => cols[0]]);
  const tags = column(ds, 'label_column_name', s.label_column_name, ['ner_tags', (cols) => cols.filter((c) => c !== words)[0]]);
  for (const [flag, name] of [['text_column_name', words], ['label_column_name', tags]] as const) {
    const first = ds.numRows ? (ds.slice(0, 1).toDict()[name] as unknown[])[0] : [];
    if (!Array.isArray(first)) throw new Error(`--${flag}: column '${name}' must hold a list per row (words and their tags), got ${JSON.stringify(first)}`);
  }
  return { words, tags };
}

function labelList(ds: Dataset, tags: string): string[] {
  const feature = ds.features[tags];
  if (feature instanceof Sequence && feature.feature instanceof ClassLabel) return feature.feature.names;
  const values = new Set<string>();
  for (const row of ds.toDict()[tags] as unknown[][]) for (const t of row) values.add(String(t));
  return [...values].sort();
}

async function tokenize(plan: RunPlan, tokenizer: PreTrainedTokenizerFast, ds: Dataset, cols: Columns, labels: string[], maxLength: number, pad: boolean): Promise<Dataset> {
  const toId = new Map(labels.map((l, i) => [l, i]));
  return ds.map(async (b) => {
    const tags = (b[cols.tags] as unknown[][]).map((row) => row.map((t) => {
      const id = toId.get(String(t));
      if (id === undefined) throw new Error(`--label_column_name: tag ${JSON.stringify(t)} is not among the training tags (${labels.join(', ')})`);
      return id;
    }));
    const enc = await tokenizer(b[cols.words] as string[][], { isSplitIntoWords: true, truncation: true, maxLength, padding: pad ? 'max_length' : false });
    const out: Record<string, unknown> = { labels: alignBatchLabels(enc, tags, { labelAllTokens: plan.script.label_all_tokens, labelList: labels }) };
    for (const k of tokenizer.modelInputNames) if (enc[k] !== undefined) out[k] = enc[k];
    return out;
  }, { batched: true, removeColumns: ds.columnNames });
}

export async function runTask(plan: RunPlan): Promise<Record<string, Metrics>> {
  const s = plan.script;
  const splits = await loadTaskSplits(plan);
  const ref = (splits.train ?? splits.validation)!;
  const cols = columns(plan, ref);
  const { config, tokenizer, revision } = await loadConfigAndTokenizer(plan);
  const labels = labelList(splits.train ?? ref, cols.tags);
  config.numLabels = labels.length;
  config.id2label = Object.fromEntries(labels.map((l, i) => [i, l]));
  config.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  const model = s.model_name_or_path === null
    ? AutoModelForTokenClassification.fromConfig(config)
    : await AutoModelForTokenClassification.fromPretrained(s.model_name_or_path, { config, revision, ignoreMismatchedSizes: s.ignore_mismatched_sizes });
  const maxLength = maxSeqLength(plan, tokenizer, 512);
  const train = splits.train ? await tokenize(plan, tokenizer, splits.train, columns(plan, splits.train), labels, maxLength, s.pad_to_max_length) : undefined;
  // the Trainer stacks the eval batches' logits, so evaluation is padded to max_seq_length
  const validation = splits.validation ? await tokenize(plan, tokenizer, splits.validation, columns(plan, splits.validation), labels, maxLength, true) : undefined;
  const seqeval = evaluate.load('seqeval');
  const computeMetrics = ({ predictions, labelIds }: { predictions: Tensor; labelIds: Tensor | null }): Metrics => {
    const best = predictions.argmax(-1).toArray() as number[][];
    const gold = (labelIds?.toArray() ?? []) as number[][];
    const keep = (row: number[], i: number) => row.flatMap((l, j) => (l === -100 ? [] : [j])).map((j) => [best[i][j], gold[i][j]]);
    const pairs = gold.map(keep);
    const results = seqeval.compute({ predictions: pairs.map((r) => r.map(([p]) => labels[p])), references: pairs.map((r) => r.map(([, g]) => labels[g])) }) as Record<string, unknown>;
    if (!s.return_entity_level_metrics) {
      return { precision: results.overall_precision as number, recall: results.overall_recall as number, f1: results.overall_f1 as number, accuracy: results.overall_accuracy as number };
    }
    const flat: Metrics = {};
    for (const [k, v] of Object.entries(results)) {
      if (v !== null && typeof v === 'object') for (const [n, x] of Object.entries(v as Record<string, number>)) flat[`${k}_${n}`] = x;
      else flat[k] = v as number;
    }
    return flat;
  };
  const collator = new DataCollatorForTokenClassification({ tokenizer, padToMultipleOf: plan.args.fp16 ? 8 : undefined });
  const trainer = makeTrainer(plan, { model, trainDataset: train ?? null, evalDataset: validation ?? null, dataCollator: collator as never, tokenizer, computeMetrics: computeMetrics as never });
  const results: Record<string, Metrics> = {};
  if (plan.args.doTrain && train) results.train = await trainAndSave(plan, trainer, train);
  if (plan.args.doEval && validation) {
    const metrics = { ...(await trainer.evaluate(validation)), eval_samples: validation.numRows } as Metrics;
    report(plan, 'eval', metrics);
    results.eval = metrics;
  }
  return results;
}
