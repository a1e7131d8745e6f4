// `finetune train --task mlm`: run_mlm.py. The text column tokenized and either concatenated
// into max_seq_length blocks (groupTexts) or, with --line_by_line, one sequence per non-empty
// line; DataCollatorForLanguageModeling masks --mlm_probability of the tokens; the eval
// metrics are eval_loss and perplexity = exp(eval_loss), as run_mlm.py writes them.
import { DataCollatorForLanguageModeling, groupTexts } from '../../data/language_modeling.js';
import type { Dataset } from '../../datasets/dataset.js';
import { AutoModelForMaskedLM } from '../../models/auto.js';
import type { PreTrainedTokenizerFast } from '../../tokenizers/tokenizer.js';
import type { RunPlan } from '../plan.js';
import type { Metrics } from '../trainer_api.js';
import { column, loadConfigAndTokenizer, loadTaskSplits, makeTrainer, maxSeqLength, report, trainAndSave } from './common.js';

async function tokenize(plan: RunPlan, tokenizer: PreTrainedTokenizerFast, ds: Dataset, blockSize: number): Promise<Dataset> {
  const s = plan.script;
  const text = column(ds, 'text_column_name', s.text_column_name, ['text', (cols) => cols[0]]);
  if (s.line_by_line) {
    const lines = await ds.filter((r) => typeof r[text] === 'string' && (r[text] as string).trim().length > 0);
    const enc = await lines.map((b) => tokenizer(b[text] as string[], {
      padding: s.pad_to_max_length ? 'max_length' : false, truncation: true, maxLength: blockSize, returnSpecialTokensMask: true,
    }), { batched: true, removeColumns: lines.columnNames });
    return enc;
  }
  const enc = await ds.map((b) => tokenizer(b[text] as string[], { returnSpecialTokensMask: true }), { batched: true, removeColumns: ds.columnNames });
  const blocks = await enc.map(groupTexts(blockSize), { batched: true });
  if (blocks.numRows === 0) throw new Error(`--task mlm: the text is shorter than one block of max_seq_length=${blockSize} tokens; lower --max_seq_length or use --line_by_line`);
  return blocks;
}

export async function runTask(plan: RunPlan): Promise<Record<string, Metrics>> {
  const s = plan.script;
  const splits = await loadTaskSplits(plan);
  const { config, tokenizer, revision } = await loadConfigAndTokenizer(plan);
  if (tokenizer.maskTokenId === null) throw new Error('--task mlm: the tokenizer has no mask token, which masked language modeling needs');
  const blockSize = maxSeqLength(plan, tokenizer, 1024);
  const model = s.model_name_or_path === null
    ? AutoModelForMaskedLM.fromConfig(config)
    : await AutoModelForMaskedLM.fromPretrained(s.model_name_or_path, { config, revision, ignoreMismatchedSizes: s.ignore_mismatched_sizes });
  const train = splits.train ? await tokenize(plan, tokenizer, splits.train, blockSize) : undefined;
  const validation = splits.validation ? await tokenize(plan, tokenizer, splits.validation, blockSize) : undefined;
  const collator = new DataCollatorForLanguageModeling({ tokenizer, mlmProbability: s.mlm_probability, padToMultipleOf: plan.args.fp16 && !s.pad_to_max_length ? 8 : undefined });
  const trainer = makeTrainer(plan, { model, trainDataset: train ?? null, evalDataset: validation ?? null, dataCollator: collator as never, tokenizer });
  const results: Record<string, Metrics> = {};
  if (plan.args.doTrain && train) results.train = await trainAndSave(plan, trainer, train);
  if (plan.args.doEval && validation) {
    const metrics = { ...(await trainer.evaluate(validation)), eval_samples: validation.numRows } as Metrics;
    // run_mlm.py: perplexity = math.exp(eval_loss), inf when it overflows
    metrics.perplexity = Math.exp(metrics.eval_loss);
    report(plan, 'eval', metrics);
    results.eval = metrics;
  }
  return results;
}
