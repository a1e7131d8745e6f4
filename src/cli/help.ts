// `finetune --help`: every option with its default, generated from the option tables (the
// script's own and TrainingArguments' FIELDS), so that the help cannot drift from the parser.
import { FIELDS, FIELD_NAMES, type FieldSpec } from '../trainer/training_args_fields.js';
import { camelToSnake } from '../util/case.js';
import { SCRIPT_OPTIONS, SCRIPT_OPTION_NAMES } from './options.js';

/** A default as Python prints it (None, True, 3.0, 5e-05), since the names and values are Hugging Face's. */
function py(v: unknown, kind: string): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' && kind === 'float') {
    if (Number.isInteger(v)) return v.toFixed(1);
    if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return Array.isArray(v) || typeof v === 'object' ? JSON.stringify(v) : String(v);
}
const METAVAR: Record<string, string> = { str: 'STR', int: 'INT', float: 'FLOAT', bool: '[BOOL]', list: 'LIST', dict: 'JSON', any: 'VALUE' };

function line(name: string, kind: string, def: unknown, help: string, extra = ''): string {
  const head = `  --${name} ${METAVAR[kind] ?? ''}`.trimEnd();
  return `${head.padEnd(44)} ${help} (default: ${py(def, kind)})${extra}`;
}

export const USAGE = `usage: finetune <command> [options] [--config file.json|file.yaml]

Commands (Hugging Face run_glue.py's workflow; --task mlm|ner|qa for run_mlm.py, run_ner.py, run_qa.py):
  train      fine-tune a model (--do_train, --do_eval, --do_predict): sequence classification by default,
             --task mlm (masked-LM pretraining: eval_loss, perplexity), --task ner (token classification:
             seqeval's eval_overall_*), --task qa (extractive QA: eval_exact_match/eval_f1, squad_v2's with
             --version_2_with_negative)
  evaluate   evaluate a trained model folder on validation data; prints the metrics as JSON
  predict    write predictions for test data (predict_results_<task>.txt: index<TAB>prediction)
  launch     run a script on several processes, as torchrun: launch --nproc-per-node N [--nnodes M
             --node-rank R --master-addr A --master-port P] script.ts [args]
  --version  print finetune's version
  export     export onnx --model DIR [--output OUT] [--opset 17] [--task T]: a transformers.js folder
  serve      serve --model DIR [--task T] [--host 127.0.0.1] [--port 8080] [--max-batch-size 32]
             [--max-wait-ms 5] ...: the model over HTTP (Inference API, chat completions); serve --help
`;

export function helpText(): string {
  const out: string[] = [USAGE];
  out.push('Options may also come from --config (JSON or YAML, snake_case names as in Hugging Face); flags override the file.');
  out.push('Booleans take true/false, yes/no or nothing (= true); --no_<name> turns off one that defaults to true.', '');
  out.push('Model arguments:');
  for (const n of SCRIPT_OPTION_NAMES) if (SCRIPT_OPTIONS[n].group === 'model') out.push(line(n, SCRIPT_OPTIONS[n].kind, SCRIPT_OPTIONS[n].default, SCRIPT_OPTIONS[n].help));
  out.push('', 'Data arguments:');
  for (const n of SCRIPT_OPTION_NAMES) if (SCRIPT_OPTIONS[n].group === 'data') out.push(line(n, SCRIPT_OPTIONS[n].kind, SCRIPT_OPTIONS[n].default, SCRIPT_OPTIONS[n].help));
  out.push('', 'Task arguments (--task mlm | ner | qa; each names the task it belongs to):');
  for (const n of SCRIPT_OPTION_NAMES) if (SCRIPT_OPTIONS[n].group === 'task') out.push(line(n, SCRIPT_OPTIONS[n].kind, SCRIPT_OPTIONS[n].default, SCRIPT_OPTIONS[n].help));
  out.push('', 'Training arguments (TrainingArguments; [ignored]: accepted, no effect here; [unsupported]: must stay at the default):');
  for (const name of FIELD_NAMES) {
    const spec = FIELDS[name] as FieldSpec;
    const choices = spec.choices ? ` {${spec.choices.join(',')}}` : '';
    out.push(line(camelToSnake(name), spec.kind, spec.default, spec.help + choices, spec.status ? ` [${spec.status}]` : ''));
  }
  out.push('', 'Exit codes: 0 done, 1 failed while working, 2 bad command line or missing files (nothing was started).');
  return `${out.join('\n')}\n`;
}
