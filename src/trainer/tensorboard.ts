// TensorBoard event files written by hand, no TensorFlow: TFRecord framing (length, masked
// CRC-32C of the length, data, masked CRC-32C of the data) around Event protocol buffers, with
// scalar summaries (simple_value, as torch.utils.tensorboard's add_scalar) and text summaries.
// TensorBoardCallback is Hugging Face's: train/…, eval/… scalars at each log, the arguments as text.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { TrainerCallback } from './callbacks.js';
import type { CallbackEvent } from './callbacks.js';
import type { TrainingArguments } from './training_args.js';
import type { TrainerControl, TrainerState } from './trainer_state.js';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; // Castagnoli, reflected
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as TFRecord uses. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, mod 2^32. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of the length bytes, the data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([header, data, footer]);
}

// ---------------------------------------------------------------- protocol buffer encoding
function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    bytes.push(b);
  } while (v);
  return Buffer.from(bytes);
}

const key = (field: number, wireType: number) => varint((field << 3) | wireType);
const bytesField = (field: number, data: Uint8Array) => Buffer.concat([key(field, 2), varint(data.length), data]);
const stringField = (field: number, s: string) => bytesField(field, Buffer.from(s, 'utf8'));
const varintField = (field: number, v: number | bigint) => Buffer.concat([key(field, 0), varint(v)]);
function doubleField(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([key(field, 1), b]);
}
function floatField(field: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return Buffer.concat([key(field, 5), b]);
}

/** Event { wall_time = 1; step = 2; oneof { file_version = 3; summary = 5 } } (proto3: zeros omitted). */
function event(wallTime: number, step: number, what: Buffer): Buffer {
  return Buffer.concat([wallTime !== 0 ? doubleField(1, wallTime) : Buffer.alloc(0), step !== 0 ? varintField(2, step) : Buffer.alloc(0), what]);
}

/** Summary.Value { tag = 1; simple_value = 2 } */
export function scalarValue(tag: string, value: number): Buffer {
  return Buffer.concat([stringField(1, tag), floatField(2, value)]);
}

/** Summary.Value for the text plugin, as torch.utils.tensorboard.summary.text builds it. */
export function textValue(tag: string, text: string): Buffer {
  const shape = bytesField(2, varintField(1, 1)); // TensorShapeProto { dim { size: 1 } }
  const tensor = Buffer.concat([varintField(1, 7), bytesField(2, shape), bytesField(8, Buffer.from(text, 'utf8'))]); // DT_STRING = 7
  const metadata = bytesField(1, stringField(1, 'text')); // SummaryMetadata { plugin_data { plugin_name: "text" } }
  return Buffer.concat([stringField(1, `${tag}/text_summary`), bytesField(8, tensor), bytesField(9, metadata)]);
}

let fileCounter = 0;

/** An event file in `logDir`, named as TensorBoard's writers name theirs. */
export class SummaryWriter {
  readonly path: string;
  private fd: number | null;

  constructor(readonly logDir: string, options: { filenameSuffix?: string; wallTime?: number } = {}) {
    mkdirSync(logDir, { recursive: true });
    const now = options.wallTime ?? Date.now() / 1000;
    const name = `events.out.tfevents.${String(Math.floor(now)).padStart(10, '0')}.${hostname()}.${process.pid}.${fileCounter++}${options.filenameSuffix ?? ''}`;
    this.path = join(logDir, name);
    this.fd = openSync(this.path, 'w');
    this.writeRecord(event(now, 0, stringField(3, 'brain.Event:2')));
  }

  private writeRecord(data: Buffer): void {
    if (this.fd === null) throw new Error(`SummaryWriter: ${this.path} is closed`);
    writeSync(this.fd, tfRecord(data));
  }

  /** Summary values (from scalarValue/textValue) as one event at `step`. */
  addSummary(values: Buffer[], step: number, wallTime = Date.now() / 1000): void {
    const summary = Buffer.concat(values.map((v) => bytesField(1, v)));
    this.writeRecord(event(wallTime, step, bytesField(5, summary)));
  }

  addScalar(tag: string, value: number, step: number, wallTime?: number): void {
    this.addSummary([scalarValue(tag, value)], step, wallTime);
  }

  addText(tag: string, text: string, step = 0, wallTime?: number): void {
    this.addSummary([textValue(tag, text)], step, wallTime);
  }

  /** Records are written straight to the file; this is here for API parity. */
  flush(): void {}

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Hugging Face's rewrite_logs: eval_x → eval/x, test_x → test/x, anything else → train/x. */
export function rewriteLogs(logs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(logs)) {
    if (k.startsWith('eval_')) out[`eval/${k.slice(5)}`] = v;
    else if (k.startsWith('test_')) out[`test/${k.slice(5)}`] = v;
    else out[`train/${k}`] = v;
  }
  return out;
}

/** reportTo 'tensorboard': event files in args.loggingDir, as Hugging Face's TensorBoardCallback. */
export class TensorBoardCallback extends TrainerCallback {
  writer: SummaryWriter | null = null;

  override onTrainBegin(args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    if (!state.isWorldProcessZero) return;
    const logDir = state.isHyperParamSearch && state.trialName ? join(args.loggingDir!, state.trialName) : args.loggingDir!;
    this.writer ??= new SummaryWriter(logDir);
    this.writer.addText('args', args.toJsonString());
    const config = (event.model as { config?: { toJsonString?: () => string } } | undefined)?.config;
    if (config) this.writer.addText('model_config', typeof config.toJsonString === 'function' ? config.toJsonString() : JSON.stringify(config, null, 2));
  }

  override onLog(_args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    if (!state.isWorldProcessZero || !event.logs) return;
    if (!this.writer) this.writer = new SummaryWriter(_args.loggingDir!);
    for (const [k, v] of Object.entries(rewriteLogs(event.logs))) {
      if (typeof v === 'number') this.writer.addScalar(k, v, state.globalStep);
      else process.emitWarning(`Trainer is attempting to log a value of "${String(v)}" of type ${typeof v} for key "${k}" as a scalar. This invocation of Tensorboard's writer.add_scalar() is incorrect so we dropped this attribute.`);
    }
  }

  override onTrainEnd(): void {
    this.writer?.close();
    this.writer = null;
  }
}
