// The checks and defaults that --task adds to the command line (before any work): each
// task's own flags only with that task, run_glue's GLUE flags only with text classification,
// and run_mlm.py / run_ner.py / run_qa.py's defaults where they differ from run_glue.py's
// (max_seq_length, pad_to_max_length) unless the flag was given.
import { TASKS, UsageError, type CliTask, type ScriptArgs, type ScriptOptionName } from '../options.js';

const ONLY: Partial<Record<ScriptOptionName, CliTask[]>> = {
  text_column_name: ['mlm', 'ner'], mlm_probability: ['mlm'], line_by_line: ['mlm'],
  label_all_tokens: ['ner'], return_entity_level_metrics: ['ner'],
  question_column_name: ['qa'], context_column_name: ['qa'], answer_column_name: ['qa'], doc_stride: ['qa'],
  version_2_with_negative: ['qa'], n_best_size: ['qa'], max_answer_length: ['qa'], null_score_diff_threshold: ['qa'],
  task_name: ['text-classification'], data_dir: ['text-classification'], text_column_names: ['text-classification'],
};

/** Validates --task and its flags; fills in the task's defaults. Returns the task. */
export function planTask(s: ScriptArgs, given: readonly ScriptOptionName[], flags: { doPredict: boolean }): CliTask {
  const task = s.task as CliTask;
  if (!(TASKS as readonly string[]).includes(task)) throw new UsageError(`--task: unknown task '${String(s.task)}'; choose one of ${TASKS.join(', ')}`);
  for (const flag of given) {
    const allowed = ONLY[flag];
    if (allowed && !allowed.includes(task)) throw new UsageError(`--${flag} belongs to --task ${allowed.join(' / ')}, not --task ${task}`);
  }
  if (task === 'text-classification') return task;
  if (flags.doPredict || s.test_file !== null) throw new UsageError(`--task ${task}: prediction (--do_predict / --test_file) is not supported yet; use --do_train and --do_eval`);
  if (!given.includes('max_seq_length')) s.max_seq_length = task === 'qa' ? 384 : null;
  if (!given.includes('pad_to_max_length')) s.pad_to_max_length = task === 'qa';
  if (task === 'ner' && !given.includes('label_column_name')) s.label_column_name = null;
  if (task === 'mlm' && !(s.mlm_probability > 0 && s.mlm_probability < 1)) throw new UsageError(`--mlm_probability must be between 0 and 1, got ${s.mlm_probability}`);
  for (const flag of ['n_best_size', 'max_answer_length', 'doc_stride'] as const) {
    if ((s[flag] ?? 1) < 1) throw new UsageError(`--${flag} must be positive, got ${s[flag]}`);
  }
  if (task === 'qa' && s.max_seq_length !== null && s.doc_stride !== null && s.doc_stride >= s.max_seq_length) {
    throw new UsageError(`--doc_stride (${s.doc_stride}) must be smaller than --max_seq_length (${s.max_seq_length})`);
  }
  return task;
}
