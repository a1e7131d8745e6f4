// ONNX export: exportOnnx(model, dir, { opset, task }) writes a transformers.js model folder.
export { exportOnnx, DEFAULT_OPSET, ONNX_TASKS } from './export.js';
export type { ExportOnnxOptions, ExportOnnxResult, OnnxTask } from './export.js';
