// exportOnnx(model, dir): a transformers.js model folder — onnx/model.onnx (+ model.onnx_data
// for weights past 2 GiB), config.json and, when given, the tokenizer's files — that
// onnxruntime and transformers.js' pipeline() load as they load optimum's exports.
//
// Design: one graph builder per model family group (encoders.ts, decoders.ts, with the shared
// blocks in layers.ts and decoder_layers.ts), not a tracer over the engine's ops. The engine runs eagerly on concrete shapes
// (a traced `view(batch, -1, heads, d)` would bake in one batch size and sequence length),
// its ops are native calls with no central dispatch to record, and the models' tidy scopes
// free intermediates as they go; a tracer would need symbolic shapes threaded through every op
// to give dynamic axes. A builder per family is short (the families share their layer), emits
// exactly the ops optimum's graphs use (LayerNormalization, Erf-GELU, MatMul with the weight
// transposed once), names weights by their transformers names, and is checked against the
// model's own forward on padded batches (test/onnx/).
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Tensor } from '../engine/tensor.js';
import type { PreTrainedModel } from '../models/modeling_utils.js';
import { writeFileAtomic } from '../util/atomic.js';
import { buildEncoder, ENCODER_TASKS, type EncoderTask } from './encoders.js';
import { buildDecoder, DECODER_TASKS, isDecoder, type DecoderTask } from './decoders.js';
import { OnnxGraph } from './graph.js';

export type OnnxTask = EncoderTask | DecoderTask;
export const ONNX_TASKS: readonly OnnxTask[] = [...new Set<OnnxTask>([...ENCODER_TASKS, ...DECODER_TASKS])];

export interface ExportOnnxOptions {
  /** ONNX opset, 17 (the first with LayerNormalization) to 21. Default 17. */
  opset?: number;
  /** The task to export for; default the model's own head ('feature-extraction' for a base model). */
  task?: OnnxTask;
  /** A tokenizer to save beside (anything with savePretrained(dir)), making the folder complete for transformers.js. */
  tokenizer?: { savePretrained(dir: string): Promise<unknown> };
  /**
   * Causal LMs: take past_key_values.{i}.key/value and return present.{i}.key/value (default
   * true; transformers.js' text-generation needs them). False: one full forward per call.
   */
  withPast?: boolean;
  /** Total weight bytes from which the weights go to onnx/model.onnx_data (default just under 2 GiB, protobuf's limit). */
  externalDataThreshold?: number;
}

export interface ExportOnnxResult {
  modelPath: string;
  externalDataPath: string | null;
  task: OnnxTask;
  opset: number;
  inputNames: string[];
  outputNames: string[];
}

export const DEFAULT_OPSET = 17;

export async function exportOnnx(model: PreTrainedModel, dir: string, options: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < 17 || opset > 21) throw new RangeError(`exportOnnx: opset must be an integer from 17 to 21, got ${opset}`);
  if (options.task !== undefined && !ONNX_TASKS.includes(options.task)) {
    throw new RangeError(`exportOnnx: unknown task ${JSON.stringify(options.task)} (choose ${ONNX_TASKS.join(', ')})`);
  }
  const graph = new OnnxGraph(model.constructor.name, opset);
  const built = isDecoder(model)
    ? buildDecoder(graph, model, weightsOf(model), { task: options.task, withPast: options.withPast })
    : buildEncoder(graph, model, weightsOf(model), options.task as EncoderTask | undefined);
  const serialized = graph.serialize({ opset, externalDataThreshold: options.externalDataThreshold, docString: `${model.constructor.name} (${built.task}), exported by finetune` });

  const onnxDir = join(dir, 'onnx');
  mkdirSync(onnxDir, { recursive: true });
  const modelPath = join(onnxDir, 'model.onnx');
  let externalDataPath: string | null = null;
  // the data file is in place before the graph that points into it
  if (serialized.externalData) {
    externalDataPath = join(onnxDir, serialized.externalDataName);
    writeFileAtomic(externalDataPath, serialized.externalData);
  }
  writeFileAtomic(modelPath, serialized.model);

  writeFileAtomic(join(dir, 'config.json'), configJson(model, externalDataPath !== null));
  if (options.tokenizer) await options.tokenizer.savePretrained(dir);
  return { modelPath, externalDataPath, task: built.task, opset, inputNames: built.inputNames, outputNames: built.outputNames };
}

/** Every parameter and buffer by its dotted name, tied ones under each of their names. */
function weightsOf(model: PreTrainedModel): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const [name, p] of model.namedParameters('', { removeDuplicate: false })) tensors.set(name, p);
  for (const [name, b] of model.namedBuffers()) tensors.set(name, b);
  return tensors;
}

/** config.json as savePretrained writes it, plus transformers.js' hint when the weights are external. */
function configJson(model: PreTrainedModel, externalData: boolean): string {
  model.config.architectures = [model.constructor.name];
  const config = JSON.parse(model.config.toJsonString()) as Record<string, unknown>;
  if (externalData) {
    const own = (config['transformers.js_config'] ?? {}) as Record<string, unknown>;
    config['transformers.js_config'] = { ...own, use_external_data_format: true };
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}
