// An ONNX graph under construction, and its protobuf: nodes, named weights (initializers),
// inputs and outputs with dynamic axes, written with onnx-proto (the ONNX schema compiled for
// protobufjs). Weights go inside model.onnx, or — past a size threshold, because a protobuf
// message cannot exceed 2 GiB — into one external data file beside it (ONNX's external data:
// each TensorProto names the file, an offset and a length).
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import type { Tensor } from '../engine/tensor.js';
import * as torch from '../engine/torch.js';

const { onnx } = onnxProto;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const BOOL = onnx.TensorProto.DataType.BOOL;

/** An attribute value with its ONNX type spelled out (1 and 1.0 are one number in JavaScript). */
export type Attribute = { int: number } | { float: number } | { ints: readonly number[] } | { string: string };
export const int = (v: number): Attribute => ({ int: v });
export const float = (v: number): Attribute => ({ float: v });
export const ints = (v: readonly number[]): Attribute => ({ ints: v });

/** A dimension: a fixed size, or a name shared by every tensor with that dynamic axis. */
export type Dim = number | string;

interface Initializer { name: string; dims: number[]; dataType: number; bytes: Uint8Array }

export interface SerializeOptions {
  opset: number;
  /** Total weight bytes from which weights go to an external data file (default 2 GiB − 64 MiB of headroom). */
  externalDataThreshold?: number;
  /** The external data file's name, relative to model.onnx. */
  externalDataName?: string;
  docString?: string;
}

export interface SerializedModel {
  model: Uint8Array;
  /** The external data file's chunks, or null when every weight is inside the model. */
  externalData: readonly Uint8Array[] | null;
  externalDataName: string;
}

export const DEFAULT_EXTERNAL_DATA_THRESHOLD = 2 ** 31 - 64 * 2 ** 20;
/** Smaller tensors stay inline even in external-data models (as onnx's convert_model_to_external_data's size_threshold). */
const EXTERNAL_MIN_BYTES = 1024;

export class OnnxGraph {
  private readonly nodes: P.INodeProto[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: P.IValueInfoProto[] = [];
  private readonly outputs: P.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** `opset`: the opset the graph is built for (ops changed their signatures across opsets, e.g. ReduceMean's axes). */
  constructor(readonly name: string, readonly opset = 17) {}

  /** A graph input (int64 token ids and masks, for these models). */
  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Marks `value` as the graph output `name` (renaming it through Identity when it has another name). */
  output(name: string, value: string, elemType: number, dims: readonly Dim[]): void {
    const named = value === name ? value : this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfo(named, elemType, dims));
  }

  /** A weight, copied from the model as float32 (optionally transposed: Linear's [out, in] as MatMul's [in, out]). */
  weight(name: string, tensor: Tensor, options: { transpose?: boolean } = {}): string {
    this.claim(name);
    const bytes = torch.noGrad(() => torch.tidy(() => {
      const t = (options.transpose ? tensor.t() : tensor).to('float32').contiguous();
      const data = t.data();
      return { dims: [...t.shape], bytes: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
    }));
    this.initializers.push({ name, dims: bytes.dims, dataType: FLOAT, bytes: bytes.bytes });
    return name;
  }

  /** A constant int64 tensor (shapes, axes, indices); a scalar when dims is []. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const bytes = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
    return this.constant(INT64, dims, bytes);
  }

  /** A constant float32 scalar (or vector). */
  float32(values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(FLOAT, dims, new Uint8Array(new Float32Array(values).buffer));
  }

  /** Appends one node and returns its (first) output's name. */
  op(type: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, outputName?: string): string {
    const output = outputName ?? this.fresh(type);
    if (outputName) this.claim(outputName);
    this.nodes.push({
      opType: type, input: [...inputs], output: [output], name: `${type}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return output;
  }

  /** Total bytes of the weights. */
  get weightBytes(): number {
    return this.initializers.reduce((sum, i) => sum + i.bytes.byteLength, 0);
  }

  serialize(options: SerializeOptions): SerializedModel {
    const threshold = options.externalDataThreshold ?? DEFAULT_EXTERNAL_DATA_THRESHOLD;
    const externalDataName = options.externalDataName ?? 'model.onnx_data';
    const external = this.weightBytes >= threshold;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const initializer = this.initializers.map((init): P.ITensorProto => {
      const base = { name: init.name, dims: init.dims, dataType: init.dataType };
      if (!external || init.bytes.byteLength < EXTERNAL_MIN_BYTES) return { ...base, rawData: init.bytes };
      // 64-byte alignment, so that a memory-mapped reader sees aligned float32 rows
      const padding = (64 - (offset % 64)) % 64;
      if (padding) chunks.push(new Uint8Array(padding));
      offset += padding;
      chunks.push(init.bytes);
      const entry = {
        ...base, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: externalDataName },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(init.bytes.byteLength) },
        ],
      };
      offset += init.bytes.byteLength;
      return entry;
    });
    const model = onnx.ModelProto.encode({
      irVersion: irVersionFor(options.opset),
      opsetImport: [{ domain: '', version: options.opset }],
      producerName: 'finetune',
      producerVersion: '0.1.0',
      docString: options.docString ?? '',
      graph: { name: this.name, node: this.nodes, initializer, input: this.inputs, output: this.outputs },
    }).finish();
    return { model, externalData: external ? chunks : null, externalDataName };
  }

  private constant(dataType: number, dims: readonly number[], bytes: Uint8Array): string {
    const name = this.fresh('const');
    this.initializers.push({ name, dims: [...dims], dataType, bytes });
    return name;
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `/${prefix}_${this.counter++}`; while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX graph ${this.name}: the name ${JSON.stringify(name)} is used twice`);
    this.names.add(name);
  }
}

/** The IR version ONNX pairs with each opset (onnx/helper.py's VERSION_TABLE). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): P.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, value: Attribute): P.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
}
