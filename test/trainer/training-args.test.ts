// TrainingArguments against Hugging Face transformers 4.46's training_args.py: defaults, the
// derived values of __post_init__, its error messages, the snake_case dict/JSON and the
// file/flag parsers. Expected values are transcribed from transformers' source (cited inline).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { optim as optimNs } from '../../src/index.js';
import type { SchedulerType } from '../../src/optim/index.js';
import { TrainingArguments, parseArgsFlags } from '../../src/trainer-index.js';
import type { OptimizerName, ReportTo } from '../../src/trainer-index.js';
import { getReportingIntegrationCallbacks } from '../../src/trainer/reporting.js';
import { createOptimizer, createScheduler } from '../../src/trainer/trainer_setup.js';
import { FIELDS } from '../../src/trainer/training_args_fields.js';
import { tinyModel } from './trainer_helpers.js';

describe('TrainingArguments defaults (transformers 4.46 dataclass fields)', () => {
  const args = new TrainingArguments({ outputDir: 'out' });
  it('has Hugging Face\'s defaults', () => {
    const expected = {
      num_train_epochs: 3, max_steps: -1, per_device_train_batch_size: 8, per_device_eval_batch_size: 8, learning_rate: 5e-5,
      weight_decay: 0, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8, max_grad_norm: 1, lr_scheduler_type: 'linear',
      warmup_steps: 0, warmup_ratio: 0, gradient_accumulation_steps: 1, eval_strategy: 'no', eval_steps: null, save_strategy: 'steps',
      save_steps: 500, save_total_limit: null, load_best_model_at_end: false, metric_for_best_model: null, greater_is_better: null,
      logging_strategy: 'steps', logging_steps: 500, logging_first_step: false, seed: 42, data_seed: null, bf16: false, fp16: false,
      fp16_opt_level: 'O1', do_train: false, do_eval: false, do_predict: false, remove_unused_columns: true, label_names: null,
      group_by_length: false, dataloader_drop_last: false, disable_tqdm: false, resume_from_checkpoint: null, use_cpu: false,
      optim: 'adamw_torch', label_smoothing_factor: 0, save_safetensors: true, eval_delay: 0, logging_nan_inf_filter: true,
      length_column_name: 'length', include_for_metrics: [], hub_token: '<HUB_TOKEN>', push_to_hub_token: '<PUSH_TO_HUB_TOKEN>',
      output_dir: 'out', run_name: 'out', evaluation_strategy: null, debug: [], fsdp: [],
    };
    const d = args.toDict();
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(d[k], v, k);
  });
  it('logging_dir is output_dir/runs/<Mon DD_HH-MM-SS>_<host> (default_logdir)', () => {
    assert.match(args.loggingDir!, new RegExp(`^out/runs/[A-Z][a-z]{2}\\d{2}_\\d{2}-\\d{2}-\\d{2}_${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
  it('report_to: "all" (the default) is every integration, "none" none', () => {
    assert.deepEqual(args.reportTo, ['tensorboard', 'jsonl']);
    assert.deepEqual(new TrainingArguments({ reportTo: 'none' }).reportTo, []);
    assert.deepEqual(new TrainingArguments({ reportTo: 'tensorboard' }).reportTo, ['tensorboard']);
    assert.throws(() => new TrainingArguments({ reportTo: ['wandb'] as never }), { message: 'wandb is not supported, only tensorboard, jsonl are supported.' });
  });
  it('toJsonString writes numbers as Python\'s json does for these fields', () => {
    const json = args.toJsonString();
    for (const line of ['"learning_rate": 5e-05,', '"num_train_epochs": 3.0,', '"weight_decay": 0.0,', '"adam_epsilon": 1e-08,', '"logging_steps": 500,', '"eval_delay": 0,', '"max_steps": -1,', '"save_total_limit": null,']) {
      assert.ok(json.includes(`\n  ${line}\n`), line);
    }
    assert.ok(json.startsWith('{\n  "output_dir": "out",\n  "overwrite_output_dir": false,'));
  });
});

describe('__post_init__ derived values', () => {
  it('eval_steps defaults to logging_steps for the steps strategy; do_eval follows eval_strategy', () => {
    const a = new TrainingArguments({ evalStrategy: 'steps', loggingSteps: 50 });
    assert.equal(a.evalSteps, 50);
    assert.equal(a.doEval, true);
  });
  it('load_best_model_at_end: metric_for_best_model defaults to loss, greater_is_better from the name', () => {
    const a = new TrainingArguments({ evalStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true });
    assert.equal(a.metricForBestModel, 'loss');
    assert.equal(a.greaterIsBetter, false);
    assert.equal(new TrainingArguments({ metricForBestModel: 'f1' }).greaterIsBetter, true);
    assert.equal(new TrainingArguments({ metricForBestModel: 'eval_loss' }).greaterIsBetter, false);
    assert.equal(new TrainingArguments({ metricForBestModel: 'my_custom_loss' }).greaterIsBetter, false);
    assert.equal(new TrainingArguments({ metricForBestModel: 'f1', greaterIsBetter: false }).greaterIsBetter, false);
  });
  it('evaluationStrategy is the deprecated alias of evalStrategy', () => {
    assert.equal(new TrainingArguments({ evaluationStrategy: 'epoch' }).evalStrategy, 'epoch');
  });
  it('getWarmupSteps: warmup_steps if > 0, else ceil(steps × warmup_ratio)', () => {
    assert.equal(new TrainingArguments({ warmupRatio: 0.1 }).getWarmupSteps(95), 10);
    assert.equal(new TrainingArguments({ warmupRatio: 0.1, warmupSteps: 3 }).getWarmupSteps(95), 3);
    assert.equal(new TrainingArguments().getWarmupSteps(95), 0);
  });
  it('fp16OptLevel is accepted and kept (it is apex\'s option; ignored)', () => {
    assert.equal(new TrainingArguments({ fp16OptLevel: 'O2' }).fp16OptLevel, 'O2');
    assert.equal(TrainingArguments.FIELDS.fp16OptLevel.status, 'ignored');
  });
});

describe('__post_init__ errors (Hugging Face\'s messages)', () => {
  const cases: [string, () => unknown, string][] = [
    ['strategies mismatch', () => new TrainingArguments({ loadBestModelAtEnd: true, evalStrategy: 'epoch', saveStrategy: 'steps' }),
      '--load_best_model_at_end requires the save and eval strategy to match, but found\n- Evaluation strategy: epoch\n- Save strategy: steps'],
    ['save not a multiple of eval', () => new TrainingArguments({ loadBestModelAtEnd: true, evalStrategy: 'steps', saveStrategy: 'steps', evalSteps: 200, saveSteps: 300 }),
      '--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps, but found 300, which is not a round multiple of 200.'],
    ['ratio mixed with steps', () => new TrainingArguments({ loadBestModelAtEnd: true, evalStrategy: 'steps', evalSteps: 0.1, saveSteps: 500 }),
      '--load_best_model_at_end requires the saving steps to be a multiple of the evaluation steps, which cannot get guaranteed when mixing ratio and absolute steps for save_steps 500 and eval_steps 0.1.'],
    ['fp16 and bf16', () => new TrainingArguments({ fp16: true, bf16: true }), 'At most one of fp16 and bf16 can be True, but not both'],
    ['full eval fp16 and bf16', () => new TrainingArguments({ fp16FullEval: true, bf16FullEval: true }), 'At most one of fp16 and bf16 can be True for full eval, but not both'],
    ['warmup ratio', () => new TrainingArguments({ warmupRatio: 1.5 }), 'warmup_ratio must lie in range [0,1]'],
    ['warmup steps', () => new TrainingArguments({ warmupSteps: -1 }), 'warmup_steps must be of type int and must be 0 or a positive integer.'],
    ['logging steps 0', () => new TrainingArguments({ loggingSteps: 0 }), 'logging strategy steps requires non-zero --logging_steps'],
    ['eval steps 0', () => new TrainingArguments({ evalStrategy: 'steps', loggingSteps: 0, loggingStrategy: 'no' }), 'evaluation strategy steps requires either non-zero --eval_steps or --logging_steps'],
    ['non-integer steps', () => new TrainingArguments({ saveSteps: 2.5 }), '--save_steps must be an integer if bigger than 1: 2.5'],
    ['bad strategy', () => new TrainingArguments({ evalStrategy: 'sometimes' as never }), "sometimes is not a valid IntervalStrategy, please select one of ['no', 'steps', 'epoch']"],
    ['bad save strategy', () => new TrainingArguments({ saveStrategy: 'never' as never }), "never is not a valid SaveStrategy, please select one of ['no', 'steps', 'epoch', 'best']"],
    ['prefetch without workers', () => new TrainingArguments({ dataloaderPrefetchFactor: 2 }), '--dataloader_prefetch_factor can only be set when data is loaded in a different process, i.e. when --dataloader_num_workers > 1.'],
  ];
  for (const [name, make, message] of cases) it(name, () => assert.throws(make, { message }));
  it('save_strategy "best" skips the matching check', () => {
    assert.doesNotThrow(() => new TrainingArguments({ loadBestModelAtEnd: true, evalStrategy: 'epoch', saveStrategy: 'best' }));
  });
  it('unsupported Hugging Face features are refused by name; wrong types name the field', () => {
    assert.throws(() => new TrainingArguments({ deepspeed: 'ds.json' }), /deepspeed \(deepspeed\) is a Hugging Face option finetune does not support/);
    assert.throws(() => new TrainingArguments({ learningRate: 'fast' as never }), /learning_rate \(learningRate\) must be a number, got "fast"/);
    assert.throws(() => new TrainingArguments({ learnigRate: 1 } as never), /unknown argument 'learnigRate'. Did you mean learningRate/);
  });
});

describe('fromDict / fromFile / parseArgsFlags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finetune-args-'));
  it('fromDict takes snake_case and camelCase; unknown keys suggest close names', () => {
    const a = TrainingArguments.fromDict({ output_dir: 'o', learning_rate: 2e-5, perDeviceTrainBatchSize: 16, eval_strategy: 'epoch' });
    assert.equal(a.learningRate, 2e-5);
    assert.equal(a.perDeviceTrainBatchSize, 16);
    assert.throws(() => TrainingArguments.fromDict({ learnig_rate: 1 }), { message: "TrainingArguments.fromDict: unknown argument 'learnig_rate'. Did you mean learning_rate?" });
  });
  it('reads training_args.json keys of other transformers versions (sharded_ddp, tp_size, …) by skipping them', () => {
    assert.equal(TrainingArguments.fromDict({ output_dir: 'o', sharded_ddp: [], tp_size: 0, seed: 3 }).seed, 3);
  });
  it('toDict round-trips through fromDict (masked tokens read back as unset)', () => {
    const a = new TrainingArguments({ outputDir: 'o', evalStrategy: 'steps', evalSteps: 20, saveSteps: 40, loadBestModelAtEnd: true, labelNames: ['labels'] });
    const b = TrainingArguments.fromDict(JSON.parse(JSON.stringify(a)));
    assert.deepEqual(b.toDict(), a.toDict());
  });
  it('fromFile reads JSON and YAML (HF config files, numbers as strings coerced)', () => {
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ output_dir: 'o', num_train_epochs: 2, do_train: true }));
    writeFileSync(join(dir, 'a.yaml'), 'output_dir: o\nlearning_rate: 1e-5\nwarmup_ratio: "0.1"\nreport_to: none\nlabel_names: [labels]\n');
    assert.equal(TrainingArguments.fromFile(join(dir, 'a.json')).numTrainEpochs, 2);
    const y = TrainingArguments.fromFile(join(dir, 'a.yaml'));
    assert.deepEqual([y.learningRate, y.warmupRatio, y.reportTo, y.labelNames], [1e-5, 0.1, [], ['labels']]);
    writeFileSync(join(dir, 'bad.yaml'), '- a\n- b\n');
    assert.throws(() => TrainingArguments.fromFile(join(dir, 'bad.yaml')), /must hold a mapping/);
  });
  it('parseArgsFlags maps HfArgumentParser-style flags with type coercion', () => {
    const { args, unknown } = parseArgsFlags(
      ['--learning_rate', '2e-5', '--do_train', '--num-train-epochs=2', '--perDeviceTrainBatchSize', '16', '--report_to', 'tensorboard', 'jsonl',
        '--no_remove_unused_columns', '--do_eval', 'false', '--model_name_or_path', 'bert', '--warmup_ratio', '0.1', '--seed=7', '--fp16'],
      { allowUnknown: true },
    );
    assert.deepEqual(args, {
      learningRate: 2e-5, doTrain: true, numTrainEpochs: 2, perDeviceTrainBatchSize: 16, reportTo: ['tensorboard', 'jsonl'],
      removeUnusedColumns: false, doEval: false, warmupRatio: 0.1, seed: 7, fp16: true,
    });
    assert.deepEqual(unknown, ['--model_name_or_path', 'bert']);
    assert.equal(new TrainingArguments(args).perDeviceTrainBatchSize, 16);
  });
  it('parseArgsFlags errors: unknown flag with suggestion, bad values, missing values', () => {
    assert.throws(() => parseArgsFlags(['--learnin_rate', '3']), { message: 'unrecognized argument: --learnin_rate. Did you mean --learning_rate?' });
    assert.throws(() => parseArgsFlags(['--seed', '4.5']), /seed must be an integer, got "4.5"/);
    assert.throws(() => parseArgsFlags(['--do_train', 'maybe']), { message: 'Truthy value expected: got maybe but expected one of yes/no, true/false, t/f, y/n, 1/0 (case insensitive).' });
    assert.throws(() => parseArgsFlags(['--output_dir']), /--output_dir expects a value/);
  });
});

describe('names that exist on every object are not fields', () => {
  it('constructor / toString / __proto__ are unknown arguments', () => {
    assert.throws(() => TrainingArguments.fromDict({ constructor: 1 }), /unknown argument 'constructor'/);
    assert.throws(() => parseArgsFlags(['--toString', 'x']), /unrecognized argument: --toString/);
  });
});

describe('closed sets: one list feeds the field table, the checks and the dispatch', () => {
  it('every optim and lrSchedulerType value the table offers builds its optimizer and scheduler', () => {
    const model = tinyModel(0);
    for (const optim of FIELDS.optim.choices!) {
      const args = new TrainingArguments({ optim: optim as OptimizerName, reportTo: 'none' });
      const opt = createOptimizer(model, args);
      assert.equal(opt instanceof (optim === 'sgd' ? optimNs.SGD : optimNs.AdamW), true, optim);
    }
    const opt = createOptimizer(model, new TrainingArguments({ reportTo: 'none' }));
    const lrs: Record<string, number> = {};
    for (const name of FIELDS.lrSchedulerType.choices!) {
      const args = new TrainingArguments({ lrSchedulerType: name as SchedulerType, warmupSteps: 2, reportTo: 'none', lrSchedulerKwargs: name === 'polynomial' ? { power: 2 } : {} });
      const sched = createScheduler(opt, args, 10);
      for (let i = 0; i < 5; i++) sched.step();
      lrs[name] = sched.getLastLr()[0] / 5e-5;
    }
    // the multiplier at step 5 of 10 with 2 warm-up steps, as transformers.get_scheduler gives it
    assert.deepEqual(Object.keys(lrs), ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt']);
    assert.ok(Math.abs(lrs.linear - 5 / 8) < 1e-9 && lrs.constant === 1 && lrs.constant_with_warmup === 1, JSON.stringify(lrs));
    assert.ok(Math.abs(lrs.inverse_sqrt - 1 / Math.sqrt(5 / 2)) < 1e-9, JSON.stringify(lrs));
    assert.ok(Math.abs(lrs.polynomial - (((5e-5 - 1e-7) * (5 / 8) ** 2 + 1e-7) / 5e-5)) < 1e-9, JSON.stringify(lrs));
  });

  it('a Hugging Face scheduler finetune lacks is refused by name, an unknown one as Hugging Face refuses it', () => {
    assert.throws(() => new TrainingArguments({ lrSchedulerType: 'reduce_lr_on_plateau' as never }), /lr_scheduler_type 'reduce_lr_on_plateau' is not supported by finetune; use one of linear, cosine/);
    assert.throws(() => new TrainingArguments({ lrSchedulerType: 'exp' as never }), /exp is not a valid SchedulerType, please select one of \['linear'/);
    assert.throws(() => new TrainingArguments({ optim: 'adafactor' as never }), /optim 'adafactor' is not supported by finetune; use one of adamw_torch, adamw_torch_fused, adamw_hf, sgd/);
  });

  it('reportTo comes out as a list of integrations, each with its callback', () => {
    assert.deepEqual(new TrainingArguments({ reportTo: 'all' }).reportTo, ['tensorboard', 'jsonl']);
    assert.deepEqual(new TrainingArguments({ reportTo: ['none'] }).reportTo, []);
    assert.deepEqual(new TrainingArguments({ reportTo: 'jsonl' }).reportTo, ['jsonl']);
    const all: ReportTo[] = new TrainingArguments().reportTo;
    assert.deepEqual(getReportingIntegrationCallbacks(all).map((c) => c.name), ['TensorBoardCallback', 'JsonlCallback']);
  });
});
