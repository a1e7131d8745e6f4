// `finetune train --task mlm|ner|qa` end to end as a child process, a few steps of a fresh tiny
// BERT on the shipped data (data/sentence-polarity, data/encoder-tasks): the output folder
// (config, weights, metrics files with run_mlm/run_ner/run_qa's names) and the usage errors
// that name the flag or column.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'finetune.js');
const DATA = join(ROOT, 'data');
const dirs: string[] = [];
const scratch = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'finetune-task-'))) - 1]!;
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function finetune(...args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmpdir(), timeout: 180_000 });
  return { code: r.status, stderr: r.stderr };
}
const OVERRIDES = 'num_hidden_layers=1,hidden_size=32,num_attention_heads=2,intermediate_size=64';
const TINY = ['--model_type', 'bert', '--config_overrides', OVERRIDES, '--max_steps', '4', '--do_train', '--do_eval', '--report_to', 'none', '--per_device_train_batch_size', '8'];
const BERT_TOK = join(DATA, 'tokenizers', 'bert-base-uncased');

function checkOutput(out: string, keys: string[]): Record<string, number> {
  for (const f of ['config.json', 'model.safetensors', 'train_results.json', 'eval_results.json', 'all_results.json']) assert.ok(existsSync(join(out, f)), `${f} in ${out}`);
  const evalResults = JSON.parse(readFileSync(join(out, 'eval_results.json'), 'utf8')) as Record<string, number>;
  for (const k of keys) assert.equal(typeof evalResults[k], 'number', `${k} in ${JSON.stringify(evalResults)}`);
  return evalResults;
}

describe('finetune train --task', () => {
  it('mlm on the polarity text: eval_loss and perplexity = exp(eval_loss)', () => {
    const out = join(scratch(), 'mlm');
    const polarity = join(DATA, 'sentence-polarity');
    const r = finetune('train', '--task', 'mlm', ...TINY.map((a) => (a === OVERRIDES ? `${OVERRIDES},vocab_size=2000` : a)),
      '--tokenizer_name', join(DATA, 'tokenizers', 'polarity-wordpiece-2k'), '--train_file', join(polarity, 'train.jsonl'), '--validation_file', join(polarity, 'test.jsonl'),
      '--text_column_name', 'sentence', '--max_seq_length', '32', '--max_train_samples', '200', '--max_eval_samples', '40', '--mlm_probability', '0.2', '--output_dir', out);
    assert.equal(r.code, 0, r.stderr);
    const m = checkOutput(out, ['eval_loss', 'perplexity']);
    assert.ok(Math.abs(m.perplexity! - Math.exp(m.eval_loss!)) < 1e-6 * m.perplexity!);
    assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).architectures[0], 'BertForMaskedLM');
  });

  it('mlm --line_by_line', () => {
    const out = join(scratch(), 'mlm-lines');
    const polarity = join(DATA, 'sentence-polarity');
    const r = finetune('train', '--task', 'mlm', ...TINY, '--tokenizer_name', BERT_TOK, '--train_file', join(polarity, 'train.jsonl'), '--validation_file', join(polarity, 'test.jsonl'),
      '--text_column_name', 'sentence', '--line_by_line', '--max_seq_length', '24', '--max_train_samples', '64', '--max_eval_samples', '16', '--output_dir', out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(checkOutput(out, ['eval_loss', 'perplexity']).eval_samples, 16);
  });

  it('ner on the hand-made tagged sentences: seqeval names, entity level on request', () => {
    const dir = scratch();
    const labels = JSON.parse(readFileSync(join(DATA, 'encoder-tasks', 'labels.json'), 'utf8')) as string[];
    const rows = readFileSync(join(DATA, 'encoder-tasks', 'ner_sample.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tokens: string[]; ner_tags: number[] });
    const file = join(dir, 'ner.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify({ words: r.tokens, tags: r.ner_tags.map((t) => labels[t]) })).join('\n'));
    const base = ['train', '--task', 'ner', ...TINY, '--tokenizer_name', BERT_TOK, '--train_file', file, '--validation_file', file, '--max_seq_length', '32',
      '--text_column_name', 'words', '--label_column_name', 'tags'];
    let r = finetune(...base, '--output_dir', join(dir, 'a'), '--return_entity_level_metrics', '--label_all_tokens');
    assert.equal(r.code, 0, r.stderr);
    const m = checkOutput(join(dir, 'a'), ['eval_loss', 'eval_overall_f1', 'eval_overall_precision', 'eval_overall_recall', 'eval_overall_accuracy', 'eval_PER_f1', 'eval_LOC_number']);
    assert.ok(m.eval_overall_f1! >= 0 && m.eval_overall_f1! <= 1);
    const config = JSON.parse(readFileSync(join(dir, 'a', 'config.json'), 'utf8'));
    assert.deepEqual(Object.values(config.id2label), [...new Set(rows.flatMap((row) => row.ner_tags.map((t) => labels[t]!)))].sort());
    r = finetune(...base, '--output_dir', join(dir, 'b'));
    assert.equal(r.code, 0, r.stderr);
    checkOutput(join(dir, 'b'), ['eval_precision', 'eval_recall', 'eval_f1', 'eval_accuracy']);
    r = finetune(...base.slice(0, -4), '--text_column_name', 'nope', '--output_dir', join(dir, 'c'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--text_column_name: no column 'nope' \(the columns are words, tags\)/);
  });

  it('qa on the hand-made SQuAD sample: eval_exact_match and eval_f1 (squad_v2 names with v2)', () => {
    const dir = scratch();
    const squad = join(DATA, 'encoder-tasks', 'squad_sample.jsonl');
    const answered = join(dir, 'answered.jsonl');
    writeFileSync(answered, readFileSync(squad, 'utf8').trim().split('\n').filter((l) => JSON.parse(l).answers.text.length > 0).join('\n'));
    const base = ['train', '--task', 'qa', ...TINY, '--tokenizer_name', BERT_TOK, '--train_file', squad, '--max_seq_length', '48', '--doc_stride', '16'];
    let r = finetune(...base, '--validation_file', squad, '--output_dir', join(dir, 'v1-bad'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has no answer, which SQuAD v1's metric cannot score; pass --version_2_with_negative/);
    r = finetune(...base, '--validation_file', answered, '--output_dir', join(dir, 'v1'), '--n_best_size', '5', '--max_answer_length', '10');
    assert.equal(r.code, 0, r.stderr);
    const m = checkOutput(join(dir, 'v1'), ['eval_exact_match', 'eval_f1']);
    assert.ok(m.eval_f1! >= 0 && m.eval_f1! <= 100);
    const preds = JSON.parse(readFileSync(join(dir, 'v1', 'eval_predictions.json'), 'utf8'));
    assert.equal(Object.keys(preds).length, readFileSync(answered, 'utf8').trim().split('\n').length);
    r = finetune(...base, '--validation_file', squad, '--output_dir', join(dir, 'v2'), '--version_2_with_negative');
    assert.equal(r.code, 0, r.stderr);
    checkOutput(join(dir, 'v2'), ['eval_exact', 'eval_f1', 'eval_HasAns_exact', 'eval_NoAns_exact']);
  });

  it('without --task it is still run_glue.py (text classification on the polarity files)', () => {
    const out = join(scratch(), 'cls');
    const polarity = join(DATA, 'sentence-polarity');
    const r = finetune('train', ...TINY, '--tokenizer_name', BERT_TOK, '--train_file', join(polarity, 'train.jsonl'), '--validation_file', join(polarity, 'test.jsonl'),
      '--max_train_samples', '64', '--max_eval_samples', '32', '--max_seq_length', '32', '--output_dir', out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(checkOutput(out, ['eval_accuracy', 'eval_loss']).eval_samples, 32);
    assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).architectures[0], 'BertForSequenceClassification');
  });

  it('flags of another task, unknown tasks and bad values are usage errors naming the flag', () => {
    const polarity = join(DATA, 'sentence-polarity', 'train.jsonl');
    const common = ['train', ...TINY, '--tokenizer_name', BERT_TOK, '--train_file', polarity, '--validation_file', polarity, '--output_dir', join(scratch(), 'x')];
    const cases: [string[], RegExp][] = [
      [['--task', 'mlm', '--doc_stride', '10'], /--doc_stride belongs to --task qa, not --task mlm/],
      [['--task', 'ner', '--mlm_probability', '0.3'], /--mlm_probability belongs to --task mlm, not --task ner/],
      [['--mlm_probability', '0.3'], /--mlm_probability belongs to --task mlm, not --task text-classification/],
      [['--task', 'qa', '--task_name', 'mrpc'], /--task_name belongs to --task text-classification, not --task qa/],
      [['--task', 'pos'], /--task: unknown task 'pos'; choose one of text-classification, mlm, ner, qa/],
      [['--task', 'mlm', '--mlm_probability', '1.5'], /--mlm_probability must be between 0 and 1/],
      [['--task', 'mlm', '--mlm_probability', 'lots'], /--mlm_probability must be a number/],
      [['--task', 'qa', '--max_seq_length', '32', '--doc_stride', '32'], /--doc_stride \(32\) must be smaller than --max_seq_length \(32\)/],
      [['--task', 'ner', '--do_predict', '--test_file', polarity], /--task ner: prediction .* is not supported yet/],
    ];
    for (const [extra, message] of cases) {
      const r = finetune(...common, ...extra);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, extra.join(' '));
    }
  });

  it('--profile logs the top operators of training in torch.profiler\'s table, and trains as without it', () => {
    const out = join(scratch(), 'profiled');
    const polarity = join(DATA, 'sentence-polarity');
    const r = finetune('train', ...TINY, '--tokenizer_name', BERT_TOK, '--train_file', join(polarity, 'train.jsonl'), '--validation_file', join(polarity, 'test.jsonl'),
      '--max_train_samples', '64', '--max_eval_samples', '16', '--max_seq_length', '32', '--profile', '--output_dir', out);
    assert.equal(r.code, 0, r.stderr);
    const table = r.stderr.slice(r.stderr.indexOf("training's top operators by self CPU time"));
    assert.ok(table.length > 0, r.stderr);
    assert.match(table, /Name\s+Self CPU %\s+Self CPU\s+CPU total %\s+CPU total\s+CPU time avg\s+# of Calls/);
    assert.match(table, /aten::(addmm|mm)\s/);
    assert.match(table, /Self CPU time total: /);
    checkOutput(out, ['eval_loss', 'eval_accuracy']);
  });
});
