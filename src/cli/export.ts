// `finetune export onnx --model DIR [--output OUT] [--opset 17] [--task T] [--with-past true|false]`: the ONNX graph in
// OUT/onnx/model.onnx (OUT defaults to DIR, which then is itself a transformers.js folder),
// with config.json and the tokenizer's files copied beside it when OUT is elsewhere.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_OPSET, ONNX_TASKS, exportOnnx, type OnnxTask } from '../onnx/export.js';
import { loadForExport } from '../onnx/load.js';
import { flagsHelp, parseFlags } from './flags.js';
import { UsageError } from './options.js';

export const EXPORT_FLAGS = {
  model: { kind: 'str', default: null, help: 'the fine-tuned model folder (config.json, weights, tokenizer)' },
  output: { kind: 'str', default: null, help: 'the transformers.js folder to write (default: the model folder; the graph goes to OUT/onnx/model.onnx)' },
  opset: { kind: 'int', default: DEFAULT_OPSET, help: 'ONNX opset, 17 to 21', min: 17 },
  task: { kind: 'str', default: null, help: `${ONNX_TASKS.join(' | ')} (default: the model's own head)` },
  with_past: { kind: 'str', default: 'true', help: 'causal LMs: true (past_key_values inputs, present outputs: what transformers.js text-generation needs) or false (one full forward per call)' },
  external_data_threshold: { kind: 'int', default: null, help: 'weight bytes from which weights go to onnx/model.onnx_data (default: just under 2 GiB)', min: 0 },
} as const;

export const EXPORT_USAGE = `usage: finetune export onnx --model DIR [options]\n\n${flagsHelp(EXPORT_FLAGS)}\n`;

/** The tokenizer files transformers.js (and AutoTokenizer) read, whichever the model has. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'sentencepiece.bpe.model', 'added_tokens.json'];

export async function runExport(argv: readonly string[]): Promise<number> {
  const [format, ...rest] = argv;
  if (format === '--help' || format === '-h' || rest.includes('--help')) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  let args;
  try {
    if (format !== 'onnx') throw new UsageError(`export: unknown format ${format === undefined ? '(none)' : `'${format}'`} (only 'onnx')`);
    args = parseFlags('export onnx', EXPORT_FLAGS, rest);
    if (args.model === null) throw new UsageError('export onnx: --model DIR is required');
    if (!existsSync(join(args.model, 'config.json'))) throw new UsageError(`export onnx: ${join(args.model, 'config.json')} does not exist`);
    if (args.task !== null && !(ONNX_TASKS as readonly string[]).includes(args.task)) throw new UsageError(`export onnx: --task must be one of ${ONNX_TASKS.join(', ')}, got '${args.task}'`);
    if (args.with_past !== 'true' && args.with_past !== 'false') throw new UsageError(`export onnx: --with-past must be true or false, got '${args.with_past}'`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`finetune ${e.message}\n`);
    return 2;
  }
  const output = resolve(args.output ?? args.model);
  try {
    const model = await loadForExport(args.model);
    mkdirSync(output, { recursive: true });
    if (output !== resolve(args.model)) {
      for (const name of TOKENIZER_FILES) if (existsSync(join(args.model, name))) copyFileSync(join(args.model, name), join(output, name));
    }
    const result = await exportOnnx(model, output, {
      opset: args.opset, task: (args.task ?? undefined) as OnnxTask | undefined, externalDataThreshold: args.external_data_threshold ?? undefined,
      withPast: args.with_past === 'true',
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`finetune export onnx: failed: ${(e as Error).message}\n`);
    return 1;
  }
}
