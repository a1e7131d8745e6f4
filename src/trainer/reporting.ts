// reportTo integrations other than TensorBoard: a JSON-lines log of every logged entry
// (log_history.jsonl next to the TensorBoard events), and the name → callback table the Trainer
// uses to turn args.reportTo into callbacks.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { TrainerCallback } from './callbacks.js';
import type { CallbackEvent } from './callbacks.js';
import { pyJsonDumps, pyJsonLoads } from './pyjson.js';
import { TensorBoardCallback } from './tensorboard.js';
import type { TrainingArguments } from './training_args.js';
import type { ReportTo } from './training_args_fields.js';
import type { LogEntry, TrainerControl, TrainerState } from './trainer_state.js';
import { isFloatKey } from './trainer_state.js';

/** Appends one JSON object per line; numbers as Python writes them (NaN stays NaN, read it back with readJsonl). */
export class JsonlLogger {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  log(entry: Record<string, unknown>): void {
    appendFileSync(this.path, `${pyJsonDumps(entry, { isFloat: isFloatKey })}\n`);
  }
}

/** The entries of a JSON-lines file (Python's NaN/Infinity included). */
export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => pyJsonLoads(l) as Record<string, unknown>);
}

/** reportTo 'jsonl': each log as a line of `${loggingDir}/log_history.jsonl`, the same entries as state.logHistory. */
export class JsonlCallback extends TrainerCallback {
  logger: JsonlLogger | null = null;

  constructor(private readonly path?: string) {
    super();
  }

  override onLog(args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    if (!state.isWorldProcessZero || !event.logs) return;
    this.logger ??= new JsonlLogger(this.path ?? join(args.loggingDir!, 'log_history.jsonl'));
    const entry: LogEntry = { ...event.logs, step: state.globalStep };
    this.logger.log(entry);
  }
}

/** The callbacks for args.reportTo (already normalised to a list by TrainingArguments). */
const isReportTo = (name: string): name is ReportTo => Object.hasOwn(INTEGRATION_TO_CALLBACK, name);

export const INTEGRATION_TO_CALLBACK: Record<ReportTo, new () => TrainerCallback> = {
  tensorboard: TensorBoardCallback,
  jsonl: JsonlCallback,
};

/** Names from JavaScript or a config file are checked here too, as Hugging Face checks them. */
export function getReportingIntegrationCallbacks(reportTo: readonly string[]): (new () => TrainerCallback)[] {
  return reportTo.map((name) => {
    const cls = isReportTo(name) ? INTEGRATION_TO_CALLBACK[name] : undefined;
    if (!cls) throw new Error(`${name} is not supported, only ${Object.keys(INTEGRATION_TO_CALLBACK).join(', ')} are supported.`);
    return cls;
  });
}
