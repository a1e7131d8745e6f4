// Every field of Hugging Face's TrainingArguments (transformers 4.46), in its order, with its
// default and help. `status` says what finetune does with it: honoured (no status), 'ignored'
// (accepted so that Hugging Face configs load, no effect in a single-process run) or
// 'unsupported' (an error unless left at its default). The camelCase names are the TypeScript
// API; toDict()/fromDict() use the snake_case ones.

import { SCHEDULER_TYPES, type SchedulerType } from '../optim/schedulers.js';

export type FieldKind = 'int' | 'float' | 'bool' | 'str' | 'list' | 'dict' | 'any';

export interface FieldSpec<T = unknown> {
  kind: FieldKind;
  default: T;
  help: string;
  choices?: readonly string[];
  status?: 'ignored' | 'unsupported';
}

function f<T>(kind: FieldKind, def: T, help: string, extra: Omit<FieldSpec<T>, 'kind' | 'default' | 'help'> = {}): FieldSpec<T> {
  return { kind, default: def, help, ...extra };
}
const ignored = { status: 'ignored' } as const;
const unsupported = { status: 'unsupported' } as const;

// Each closed set of values is one list here; its type, the field's `choices`, the checks in
// TrainingArguments and the dispatch (createOptimizer, getReportingIntegrationCallbacks,
// getScheduler, whose list lives with it in optim/schedulers.ts) all come from that list.
export const INTERVAL_STRATEGIES = ['no', 'steps', 'epoch'] as const;
export type IntervalStrategy = (typeof INTERVAL_STRATEGIES)[number];
export const SAVE_STRATEGIES = [...INTERVAL_STRATEGIES, 'best'] as const;
export type SaveStrategy = (typeof SAVE_STRATEGIES)[number];
export const HUB_STRATEGIES = ['end', 'every_save', 'checkpoint', 'all_checkpoints'] as const;
export type HubStrategy = (typeof HUB_STRATEGIES)[number];
export const LOG_LEVELS = ['passive', 'debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const HALF_PRECISION_BACKENDS = ['auto', 'apex', 'cpu_amp'] as const;
export type HalfPrecisionBackend = (typeof HALF_PRECISION_BACKENDS)[number];
/** The `optim` values finetune implements (Hugging Face's OptimizerNames has many more). */
export const OPTIMIZER_NAMES = ['adamw_torch', 'adamw_torch_fused', 'adamw_hf', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
/** Integrations reportTo accepts; 'all' means all of them, as Hugging Face's "all installed". */
export const REPORT_INTEGRATIONS = ['tensorboard', 'jsonl'] as const;
export type ReportTo = (typeof REPORT_INTEGRATIONS)[number];
/** What reportTo may be given as; TrainingArguments turns it into a ReportTo[]. */
export type ReportToSetting = ReportTo | 'all' | 'none' | readonly (ReportTo | 'all' | 'none')[] | null;

export const FIELDS = {
  outputDir: f<string>('str', 'trainer_output', 'The output directory where the model predictions and checkpoints will be written.'),
  overwriteOutputDir: f('bool', false, 'Overwrite the content of the output directory.'),
  doTrain: f('bool', false, 'Whether to run training.'),
  doEval: f('bool', false, 'Whether to run eval on the dev set.'),
  doPredict: f('bool', false, 'Whether to run predictions on the test set.'),
  evalStrategy: f<IntervalStrategy>('str', 'no', 'The evaluation strategy to use.', { choices: INTERVAL_STRATEGIES }),
  predictionLossOnly: f('bool', false, 'When performing evaluation and predictions, only returns the loss.'),
  perDeviceTrainBatchSize: f('int', 8, 'Batch size per device for training.'),
  perDeviceEvalBatchSize: f('int', 8, 'Batch size per device for evaluation.'),
  perGpuTrainBatchSize: f<number | null>('int', null, 'Deprecated, use per_device_train_batch_size.', ignored),
  perGpuEvalBatchSize: f<number | null>('int', null, 'Deprecated, use per_device_eval_batch_size.', ignored),
  gradientAccumulationSteps: f('int', 1, 'Number of updates steps to accumulate before performing a backward/update pass.'),
  evalAccumulationSteps: f<number | null>('int', null, 'Number of predictions steps to accumulate before moving the tensors to the CPU.', ignored),
  evalDelay: f<number>('float', 0, 'Number of epochs or steps to wait for before the first evaluation can be performed, depending on the eval_strategy.'),
  torchEmptyCacheSteps: f<number | null>('int', null, 'Number of steps to wait before calling torch.<device>.empty_cache().', ignored),
  learningRate: f('float', 5e-5, 'The initial learning rate for AdamW.'),
  weightDecay: f('float', 0.0, 'Weight decay for AdamW if we apply some.'),
  adamBeta1: f('float', 0.9, 'Beta1 for AdamW optimizer'),
  adamBeta2: f('float', 0.999, 'Beta2 for AdamW optimizer'),
  adamEpsilon: f('float', 1e-8, 'Epsilon for AdamW optimizer.'),
  maxGradNorm: f('float', 1.0, 'Max gradient norm.'),
  numTrainEpochs: f('float', 3.0, 'Total number of training epochs to perform.'),
  maxSteps: f('int', -1, 'If > 0: set total number of training steps to perform. Override num_train_epochs.'),
  lrSchedulerType: f<SchedulerType>('str', 'linear', 'The scheduler type to use.', { choices: SCHEDULER_TYPES }),
  lrSchedulerKwargs: f<Record<string, unknown>>('dict', {}, "Extra parameters for the lr_scheduler such as {'num_cycles': 1} for the cosine with hard restarts."),
  warmupRatio: f('float', 0.0, 'Linear warmup over warmup_ratio fraction of total steps.'),
  warmupSteps: f('int', 0, 'Linear warmup over warmup_steps.'),
  logLevel: f<LogLevel>('str', 'passive', "Logger log level to use on the main node: 'debug', 'info', 'warning', 'error', 'critical' or 'passive'.", { choices: LOG_LEVELS }),
  logLevelReplica: f<LogLevel>('str', 'warning', 'Logger log level to use on replica nodes.', { choices: LOG_LEVELS, ...ignored }),
  logOnEachNode: f('bool', true, 'When doing a multinode distributed training, whether to log once per node or just once on the main node.', ignored),
  loggingDir: f<string | null>('str', null, 'Tensorboard log dir (default: output_dir/runs/<date>_<host>).'),
  loggingStrategy: f<IntervalStrategy>('str', 'steps', 'The logging strategy to use.', { choices: INTERVAL_STRATEGIES }),
  loggingFirstStep: f('bool', false, 'Log the first global_step'),
  loggingSteps: f<number>('float', 500, 'Log every X updates steps. Should be an integer or a float in range `[0,1)`. If smaller than 1, will be interpreted as ratio of total training steps.'),
  loggingNanInfFilter: f('bool', true, 'Filter nan and inf losses for logging.'),
  saveStrategy: f<SaveStrategy>('str', 'steps', 'The checkpoint save strategy to use.', { choices: SAVE_STRATEGIES }),
  saveSteps: f<number>('float', 500, 'Save checkpoint every X updates steps. Should be an integer or a float in range `[0,1)`. If smaller than 1, will be interpreted as ratio of total training steps.'),
  saveTotalLimit: f<number | null>('int', null, "If a value is passed, will limit the total amount of checkpoints; the best one (metric_for_best_model) is always kept."),
  saveSafetensors: f('bool', true, 'Use safetensors saving and loading for state dicts instead of default torch.load and torch.save.'),
  saveOnEachNode: f('bool', false, 'When doing multi-node distributed training, whether to save models and checkpoints on each node.', ignored),
  saveOnlyModel: f('bool', false, "When checkpointing, whether to only save the model, or also the optimizer, scheduler & rng state (needed to resume)."),
  restoreCallbackStatesFromCheckpoint: f('bool', false, 'Whether to restore the callback states from the checkpoint.'),
  noCuda: f('bool', false, 'Deprecated, use use_cpu.'),
  useCpu: f('bool', false, 'Whether or not to use cpu. If set to False, we will use cuda device if available.'),
  useMpsDevice: f('bool', false, 'Deprecated.', ignored),
  seed: f('int', 42, 'Random seed that will be set at the beginning of training.'),
  dataSeed: f<number | null>('int', null, 'Random seed to be used with data samplers.'),
  jitModeEval: f('bool', false, 'Whether or not to use PyTorch jit trace for inference', ignored),
  useIpex: f('bool', false, 'Use Intel extension for PyTorch when it is available.', ignored),
  bf16: f('bool', false, 'Whether to use bf16 (mixed) precision instead of 32-bit.'),
  fp16: f('bool', false, 'Whether to use fp16 (mixed) precision instead of 32-bit'),
  fp16OptLevel: f('str', 'O1', "Apex AMP optimization level; accepted for compatibility and ignored (finetune's fp16 is libtorch autocast, not apex).", ignored),
  halfPrecisionBackend: f<HalfPrecisionBackend>('str', 'auto', 'The backend to be used for half precision.', { choices: HALF_PRECISION_BACKENDS, ...ignored }),
  bf16FullEval: f('bool', false, 'Whether to use full bfloat16 evaluation instead of 32-bit.'),
  fp16FullEval: f('bool', false, 'Whether to use full float16 evaluation instead of 32-bit'),
  tf32: f<boolean | null>('bool', null, 'Whether to enable tf32 mode, available in Ampere and newer GPU architectures.', ignored),
  localRank: f('int', -1, 'For distributed training: local_rank', ignored),
  ddpBackend: f<string | null>('str', null, 'The backend to be used for distributed training', ignored),
  tpuNumCores: f<number | null>('int', null, 'TPU: Number of TPU cores', ignored),
  tpuMetricsDebug: f('bool', false, 'Deprecated.', ignored),
  debug: f<string | string[]>('any', '', 'Whether or not to enable debug mode.', ignored),
  dataloaderDropLast: f('bool', false, 'Drop the last incomplete batch if it is not divisible by the batch size.'),
  evalSteps: f<number | null>('float', null, 'Run an evaluation every X steps (defaults to logging_steps). Should be an integer or a float in range `[0,1)`.'),
  dataloaderNumWorkers: f('int', 0, 'Number of subprocesses to use for data loading. 0 means that the data will be loaded in the main process.'),
  dataloaderPrefetchFactor: f<number | null>('int', null, 'Number of batches loaded in advance by each worker.', ignored),
  pastIndex: f('int', -1, 'If >=0, uses the corresponding part of the output as the past state for next step.', ignored),
  runName: f<string | null>('str', null, 'An optional descriptor for the run (defaults to output_dir).'),
  disableTqdm: f<boolean | null>('bool', null, 'Whether or not to disable the progress bars.'),
  removeUnusedColumns: f('bool', true, 'Remove columns not required by the model when using a Dataset.'),
  labelNames: f<string[] | null>('list', null, 'The list of keys in your dictionary of inputs that correspond to the labels.'),
  loadBestModelAtEnd: f('bool', false, 'Whether or not to load the best model found during training at the end of training.'),
  metricForBestModel: f<string | null>('str', null, 'The metric to use to compare two different models.'),
  greaterIsBetter: f<boolean | null>('bool', null, 'Whether the `metric_for_best_model` should be maximized or not.'),
  ignoreDataSkip: f('bool', false, 'When resuming training, whether or not to skip the first epochs and batches to get to the same training data.'),
  fsdp: f<string | string[]>('any', '', 'PyTorch Fully Sharded Data Parallel.', unsupported),
  fsdpMinNumParams: f('int', 0, 'Deprecated FSDP option.', ignored),
  fsdpConfig: f<Record<string, unknown> | string | null>('any', null, 'FSDP config.', ignored),
  fsdpTransformerLayerClsToWrap: f<string | null>('str', null, 'Deprecated FSDP option.', ignored),
  acceleratorConfig: f<Record<string, unknown> | string | null>('any', null, 'Config for the internal Accelerator object.', ignored),
  deepspeed: f<Record<string, unknown> | string | null>('any', null, 'Enable deepspeed.', unsupported),
  labelSmoothingFactor: f('float', 0.0, 'The label smoothing epsilon to apply (zero means no label smoothing).'),
  optim: f<OptimizerName>('str', 'adamw_torch', 'The optimizer to use: adamw_torch (also adamw_torch_fused, adamw_hf) or sgd.', { choices: OPTIMIZER_NAMES }),
  optimArgs: f<string | null>('str', null, 'Optional arguments to supply to optimizer.', ignored),
  adafactor: f('bool', false, 'Whether or not to replace AdamW by Adafactor.', unsupported),
  groupByLength: f('bool', false, 'Whether or not to group samples of roughly the same length together when batching.'),
  lengthColumnName: f('str', 'length', 'Column name with precomputed lengths to use when grouping by length.'),
  reportTo: f<ReportToSetting>('any', null, "The integrations to report results and logs to: 'tensorboard', 'jsonl', 'all' (the default: both) or 'none'."),
  ddpFindUnusedParameters: f<boolean | null>('bool', null, 'DistributedDataParallel find_unused_parameters.', ignored),
  ddpBucketCapMb: f<number | null>('int', null, 'DistributedDataParallel bucket_cap_mb.', ignored),
  ddpBroadcastBuffers: f<boolean | null>('bool', null, 'DistributedDataParallel broadcast_buffers.', ignored),
  dataloaderPinMemory: f('bool', true, 'Whether or not to pin memory for DataLoader.', ignored),
  dataloaderPersistentWorkers: f('bool', false, 'Keep the data loader worker processes alive between epochs.', ignored),
  skipMemoryMetrics: f('bool', true, 'Whether or not to skip adding of memory profiler reports to metrics.'),
  useLegacyPredictionLoop: f('bool', false, 'Whether or not to use the legacy prediction_loop in the Trainer.', ignored),
  pushToHub: f('bool', false, 'Whether or not to upload the trained model to the model hub after training.', unsupported),
  resumeFromCheckpoint: f<string | null>('str', null, 'The path to a folder with a valid checkpoint for your model.'),
  hubModelId: f<string | null>('str', null, 'The name of the repository to keep in sync with the local `output_dir`.', ignored),
  hubStrategy: f<HubStrategy>('str', 'every_save', 'The hub strategy to use when `--push_to_hub` is activated.', { choices: HUB_STRATEGIES, ...ignored }),
  hubToken: f<string | null>('str', null, 'The token to use to push to the Model Hub.', ignored),
  hubPrivateRepo: f<boolean | null>('bool', null, 'Whether to make the repo private.', ignored),
  hubAlwaysPush: f('bool', false, "Unless `True`, the Trainer will skip pushes if the previous one wasn't finished yet.", ignored),
  gradientCheckpointing: f('bool', false, 'If True, use gradient checkpointing to save memory at the expense of slower backward pass.', unsupported),
  gradientCheckpointingKwargs: f<Record<string, unknown> | string | null>('any', null, 'Gradient checkpointing key word arguments.', ignored),
  includeInputsForMetrics: f('bool', false, 'Deprecated, use include_for_metrics.'),
  includeForMetrics: f<string[]>('list', [], "Additional data to pass to compute_metrics: 'inputs', 'loss'."),
  evalDoConcatBatches: f('bool', true, 'Whether to recursively concat inputs/losses/labels/predictions across batches.'),
  fp16Backend: f<HalfPrecisionBackend>('str', 'auto', 'Deprecated. Use half_precision_backend instead', { choices: HALF_PRECISION_BACKENDS, ...ignored }),
  evaluationStrategy: f<IntervalStrategy | null>('str', null, 'Deprecated. Use `eval_strategy` instead'),
  pushToHubModelId: f<string | null>('str', null, 'Deprecated.', ignored),
  pushToHubOrganization: f<string | null>('str', null, 'Deprecated.', ignored),
  pushToHubToken: f<string | null>('str', null, 'Deprecated.', ignored),
  mpParameters: f('str', '', 'Used by the SageMaker launcher to send mp-specific args. Ignored in Trainer', ignored),
  autoFindBatchSize: f('bool', false, 'Automatically decrease the batch size on out-of-memory errors.', unsupported),
  fullDeterminism: f('bool', false, 'Whether to call enable_full_determinism instead of set_seed for reproducibility.'),
  torchdynamo: f<string | null>('str', null, 'Deprecated, use torch_compile_backend.', unsupported),
  rayScope: f('str', 'last', 'The scope to use when doing hyperparameter search with Ray.', ignored),
  ddpTimeout: f('int', 1800, 'Overrides the default timeout for distributed training (seconds).', ignored),
  torchCompile: f('bool', false, 'If set to `True`, the model will be wrapped in `torch.compile`.', unsupported),
  torchCompileBackend: f<string | null>('str', null, 'Which backend to use with `torch.compile`.', unsupported),
  torchCompileMode: f<string | null>('str', null, 'Which mode to use with `torch.compile`.', unsupported),
  dispatchBatches: f<boolean | null>('bool', null, 'Deprecated.', ignored),
  splitBatches: f<boolean | null>('bool', null, 'Deprecated.', ignored),
  includeTokensPerSecond: f('bool', false, 'If set to `True`, the speed metrics will include `tgs` (tokens per second per device).'),
  includeNumInputTokensSeen: f('bool', false, 'If set to `True`, will track the number of input tokens seen throughout training.'),
  neftuneNoiseAlpha: f<number | null>('float', null, 'Activates neftune noise embeddings.', unsupported),
  optimTargetModules: f<string | string[] | null>('any', null, 'Target modules for the optimizer defined in the `optim` argument (GaLore).', unsupported),
  batchEvalMetrics: f('bool', false, 'Break eval metrics calculation into batches to save memory.'),
  evalOnStart: f('bool', false, 'Whether to run through the entire `evaluation` step at the very beginning of training as a sanity check.'),
  useLigerKernel: f('bool', false, 'Whether or not to enable the Liger Kernel for model training.', unsupported),
  evalUseGatherObject: f('bool', false, 'Whether to run recursively gather object in a nested list/tuple/dictionary of objects from all devices.', ignored),
  averageTokensAcrossDevices: f('bool', false, 'Whether or not to average tokens across devices.', ignored),
} satisfies Record<string, FieldSpec>;

export type FieldName = keyof typeof FIELDS;

/** The value types of all fields, camelCase. */
export type TrainingArgumentsFields = { -readonly [K in FieldName]: (typeof FIELDS)[K]['default'] };


export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

/** Own keys only: `'constructor' in FIELDS` is true too. */
export function isField(name: string): name is FieldName {
  return Object.prototype.hasOwnProperty.call(FIELDS, name);
}
