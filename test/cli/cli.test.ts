// The `finetune` command, run as a child process through bin/finetune.js: --help generated
// from the option tables, usage errors (exit 2, on stderr, before any model is built), and a
// tiny end-to-end train → evaluate → predict on MRPC from ../shared with a fresh bert-tiny.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { FIELD_NAMES } from '../../src/trainer/training_args_fields.js';
import { camelToSnake } from '../../src/util/case.js';
import { SCRIPT_OPTION_NAMES } from '../../src/cli/options.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'finetune.js');
const SHARED = join(ROOT, '..', 'shared');
const TOKENIZER = join(SHARED, 'tokenizers', 'bert-base-uncased');
const CONFIG = join(SHARED, 'configs', 'bert-tiny');
const GLUE = join(SHARED, 'datasets', 'glue');
const haveShared = existsSync(TOKENIZER) && existsSync(CONFIG) && existsSync(join(GLUE, 'MRPC'));

const dirs: string[] = [];
const scratch = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'finetune-cli-'))) - 1];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function finetune(...args: string[]): { code: number | null; stdout: string; stderr: string; seconds: number } {
  const start = performance.now();
  // run from another directory: the bin must find tsx and the sources by itself
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmpdir(), timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (performance.now() - start) / 1000 };
}

// a fresh, smaller-still bert-tiny keeps the end-to-end runs to seconds on a shared CPU
const FRESH = ['--config_name', CONFIG, '--tokenizer_name', TOKENIZER, '--config_overrides', 'num_hidden_layers=1,intermediate_size=128'];
const SMALL = ['--no_pad_to_max_length', '--max_seq_length', '64', '--report_to', 'none', '--per_device_train_batch_size', '16', '--per_device_eval_batch_size', '16'];

describe('finetune --help', () => {
  it('lists every option with its default', () => {
    const r = finetune('--help');
    assert.equal(r.code, 0, r.stderr);
    for (const name of [...SCRIPT_OPTION_NAMES, ...FIELD_NAMES.map(camelToSnake)]) {
      assert.match(r.stdout, new RegExp(`^  --${name}\\b.*\\(default: [^)]*\\)`, 'm'), `--${name} with a default`);
    }
    assert.match(r.stdout, /--learning_rate FLOAT .*\(default: 5e-05\)/);
    assert.match(r.stdout, /--num_train_epochs FLOAT .*\(default: 3\.0\)/);
    assert.match(r.stdout, /--max_seq_length INT .*\(default: 128\)/);
    assert.match(r.stdout, /--pad_to_max_length .*\(default: True\)/);
    assert.match(r.stdout, /^\s+train\s/m);
  });

  it('without a command prints the usage and exits 2', () => {
    const r = finetune();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: finetune <command>/);
  });
});

describe('finetune usage errors (exit 2, before any work)', () => {
  it('an unknown flag gets close-match suggestions', () => {
    const r = finetune('train', '--model_name_or_path', 'bert-base-uncased', '--learning_rat', '2e-5');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unrecognized argument --learning_rat\. Did you mean --learning_rate/);
    assert.equal(r.stdout, '');
    const script = finetune('train', '--model_name_or_path', 'bert-base-uncased', '--max_seq_lenght', '64');
    assert.equal(script.code, 2);
    assert.match(script.stderr, /Did you mean --max_seq_length/);
  });

  const needsShared = { skip: haveShared ? false : 'needs ../shared (tokenizer, bert-tiny config, GLUE MRPC)' };

  it('a missing train file is named, and no model is built', needsShared, () => {
    const out = join(scratch(), 'never');
    const missing = join(tmpdir(), 'no-such-dir-finetune', 'train.csv');
    const r = finetune('train', ...FRESH, '--train_file', missing, '--do_train', '--output_dir', out);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`--train_file: no such file: ${missing}`), r.stderr);
    assert.doesNotMatch(r.stderr, /NEW model|Running training/);
    assert.equal(existsSync(out), false, 'nothing written');
  });

  it('bad values, unknown tasks and Hugging Face argument conflicts', needsShared, () => {
    const base = ['train', ...FRESH, '--task_name', 'mrpc', '--data_dir', GLUE];
    const cases: [string[], RegExp][] = [
      [['train', ...FRESH, '--task_name', 'mrcp', '--data_dir', GLUE], /unknown GLUE task 'mrcp'/],
      [['train', ...FRESH, '--task_name', 'mrpc'], /needs --data_dir/],
      [[...base, '--learning_rate', 'fast'], /learning_rate .*must be a number/],
      [[...base, '--load_best_model_at_end', '--eval_strategy', 'epoch', '--save_strategy', 'steps'], /requires the save and eval strategy to match/],
      [['train', '--tokenizer_name', TOKENIZER, '--task_name', 'mrpc', '--data_dir', GLUE], /--model_name_or_path/],
      [['evaluate', '--task_name', 'mrpc', '--data_dir', GLUE], /--model_name_or_path \(the trained model folder\) is required/],
      [['train', '--config', join(tmpdir(), 'missing-finetune.yaml')], /--config: no such file/],
      [['fly'], /unknown command 'fly'/],
      [[...base, '--output_dir', ROOT], /already exists and is not empty\. Use --overwrite_output_dir/],
    ];
    for (const [args, message] of cases) {
      const r = finetune(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

describe('finetune train / evaluate / predict end to end', { skip: haveShared ? false : 'needs ../shared (tokenizer, bert-tiny config, GLUE MRPC)' }, () => {
  const out = scratch();
  const model = join(out, 'model');

  it('train --do_train --do_eval on 64/32 MRPC examples writes a model, a checkpoint and eval metrics', () => {
    const r = finetune('train', ...FRESH, ...SMALL, '--task_name', 'mrpc', '--data_dir', GLUE, '--do_train', '--do_eval',
      '--max_train_samples', '64', '--max_eval_samples', '32', '--num_train_epochs', '1', '--save_strategy', 'epoch', '--output_dir', model);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /NEW model from scratch/);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'train_results.json', 'eval_results.json', 'all_results.json', 'checkpoint-4/model.safetensors']) {
      assert.ok(existsSync(join(model, f)), `${f} written`);
    }
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
    assert.equal(config.num_hidden_layers, 1, 'config override applied');
    assert.deepEqual(config.id2label, { 0: 'not_equivalent', 1: 'equivalent' });
    const evalResults = JSON.parse(readFileSync(join(model, 'eval_results.json'), 'utf8'));
    assert.equal(evalResults.eval_samples, 32);
    for (const k of ['eval_accuracy', 'eval_f1', 'eval_loss']) assert.equal(typeof evalResults[k], 'number', k);
    assert.equal(JSON.parse(readFileSync(join(model, 'train_results.json'), 'utf8')).train_samples, 64);
  });

  it('evaluate prints the metrics of the trained model as JSON', () => {
    const r = finetune('evaluate', '--model_name_or_path', model, '--task_name', 'mrpc', '--data_dir', GLUE, '--max_eval_samples', '32', ...SMALL, '--output_dir', join(out, 'eval'));
    assert.equal(r.code, 0, r.stderr);
    const metrics = JSON.parse(r.stdout);
    const trained = JSON.parse(readFileSync(join(model, 'eval_results.json'), 'utf8'));
    assert.ok(Math.abs(metrics.eval_accuracy - trained.eval_accuracy) < 1e-9, 'the same model gives the same accuracy');
    assert.ok(existsSync(join(out, 'eval', 'eval_results.json')));
  });

  it('predict writes predict_results_mrpc.txt: index and label name', () => {
    const r = finetune('predict', '--model_name_or_path', model, '--task_name', 'mrpc', '--data_dir', GLUE, '--max_predict_samples', '10', ...SMALL, '--output_dir', join(out, 'pred'));
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(join(out, 'pred', 'predict_results_mrpc.txt'), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'index\tprediction');
    assert.equal(lines.length, 11);
    lines.slice(1).forEach((l, i) => assert.match(l, new RegExp(`^${i}\t(equivalent|not_equivalent)$`)));
  });

  it('the trained folder serves pipeline(\'text-classification\') with its label names', async () => {
    const { pipeline } = await import('../../src/pipelines/index.js');
    const clf = await pipeline('text-classification', model);
    const out = await clf(['The cat sat on the mat.', 'A cat was sitting on the mat.'], { topK: null });
    assert.equal(out.length, 2);
    for (const r of out as { label: string; score: number }[][]) {
      assert.deepEqual(r.map((x) => x.label).sort(), ['equivalent', 'not_equivalent']);
      assert.ok(Math.abs(r[0].score + r[1].score - 1) < 1e-9);
    }
  });

  it('csv files with string labels, --text_column_names and a YAML --config (flags override it)', () => {
    const dir = scratch();
    const rows = Array.from({ length: 24 }, (_, i) => `"review number ${i} ${i % 2 ? 'great fun' : 'dull, slow'}",${i % 2 ? 'pos' : 'neg'},${i}`);
    writeFileSync(join(dir, 'train.csv'), `review,sentiment,id\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'test.csv'), `review,sentiment,id\n${rows.slice(0, 5).join('\n')}\n`);
    writeFileSync(join(dir, 'run.yaml'), [`config_name: ${CONFIG}`, `tokenizer_name: ${TOKENIZER}`, 'config_overrides: num_hidden_layers=1',
      `train_file: ${join(dir, 'train.csv')}`, `test_file: ${join(dir, 'test.csv')}`, 'text_column_names: review', 'label_column_name: sentiment',
      'do_train: true', 'do_predict: true', 'num_train_epochs: 5', 'max_steps: 2', 'report_to: none', `output_dir: ${join(dir, 'wrong')}`].join('\n'));
    const r = finetune('train', '--config', join(dir, 'run.yaml'), '--output_dir', join(dir, 'out'), '--no_pad_to_max_length');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(dir, 'wrong')), false, 'the flag overrides the file');
    const config = JSON.parse(readFileSync(join(dir, 'out', 'config.json'), 'utf8'));
    assert.deepEqual(config.id2label, { 0: 'neg', 1: 'pos' });
    assert.equal(JSON.parse(readFileSync(join(dir, 'out', 'train_results.json'), 'utf8')).epoch <= 1, true, 'max_steps 2 stops early');
    const preds = readFileSync(join(dir, 'out', 'predict_results_None.txt'), 'utf8').trimEnd().split('\n');
    assert.equal(preds.length, 6);
    for (const l of preds.slice(1)) assert.match(l, /^\d\t(neg|pos)$/);
  });
});
