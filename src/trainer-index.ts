// The training half of finetune: TrainingArguments, the Trainer, its callbacks and state,
// progress bars, reporting (TensorBoard, JSON lines), the curve plot and the metrics.
export { Trainer, lossOf, type TrainerOptions, type TrainerInit, type TrainerSnakeOptions } from './trainer/trainer.js';
export type { TrainerModel } from './trainer/trainer_options.js';
export { TRAINER_ARGUMENT_ORDER } from './trainer/trainer_options.js';
export { EvalPrediction } from './trainer/trainer_utils.js';
export type { TrainOutput, PredictionOutput, EvalLoopOutput, Metrics } from './trainer/trainer_utils.js';
export { PREFIX_CHECKPOINT_DIR, speedMetrics, EvalTable } from './trainer/trainer_utils.js';
export { sortedCheckpoints, lastCheckpoint as getLastCheckpoint, rotateCheckpoints } from './trainer/trainer_checkpoint.js';
export type { TrainerDataset, Collator } from './trainer/trainer_setup.js';
export { TrainingArguments, REPORT_INTEGRATIONS, defaultLogdir, type TrainingArgumentsInit, type TrainingArgumentsSnakeInit, type SnakeCase } from './trainer/training_args.js';
export type { IntervalStrategy, SaveStrategy, FieldSpec, FieldName } from './trainer/training_args_fields.js';
export { parseArgsFlags, type ParsedFlags } from './trainer/args_parsing.js';
export {
  TrainerCallback, CallbackHandler, DefaultFlowCallback, PrinterCallback, EarlyStoppingCallback, formatLogs,
  type CallbackEvent, type EarlyStoppingOptions, type HookName,
} from './trainer/callbacks.js';
export { TrainerState, TrainerControl, type LogEntry, type CallbackState, type ExportableState } from './trainer/trainer_state.js';
export { ProgressBar, ProgressCallback, progress, formatInterval, type ProgressOptions } from './trainer/progress.js';
export { tqdm, Tqdm } from './trainer/tqdm.js';
export { SummaryWriter, TensorBoardCallback, crc32c, maskedCrc32c, rewriteLogs, scalarValue } from './trainer/tensorboard.js';
export { JsonlLogger, JsonlCallback, readJsonl } from './trainer/reporting.js';
export { writeLossPlot, lossPlotSvg, lossPlotSeries } from './trainer/plot.js';
export { pyJsonDumps, pyJsonLoads } from './trainer/pyjson.js';
export * from './metrics/index.js';
// More of the building blocks (field table, flag parsing, callback hooks, reporting, TensorBoard records)
export { FIELDS as TRAINING_ARGUMENTS_FIELDS } from './trainer/training_args_fields.js';
export { camelToSnake, snakeToCamel } from './util/case.js';
export type { HalfPrecisionBackend, HubStrategy, LogLevel, OptimizerName, ReportTo, ReportToSetting, TrainingArgumentsFields } from './trainer/training_args_fields.js';
export { OPTIMIZER_NAMES } from './trainer/training_args_fields.js';
export { stringToBool } from './trainer/args_parsing.js';
export { isFloatKey, type StatefulCallbacks } from './trainer/trainer_state.js';
export { writeFileAtomic } from './util/atomic.js';
export { HOOKS, HooksCallback, type CallbackLike, type Hook, type HookResult } from './trainer/callbacks.js';
export { type ProgressMode } from './trainer/progress.js';
export { textValue, tfRecord } from './trainer/tensorboard.js';
export { INTEGRATION_TO_CALLBACK, getReportingIntegrationCallbacks } from './trainer/reporting.js';
export { type LossPlotOptions, type Series } from './trainer/plot.js';
