// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__}, then the
// tensors' bytes. Loading validates the whole header before any tensor is created; saving
// goes through writeFileAtomic, so a crash never leaves a half-written file.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { writeFileAtomic } from '../util/atomic.js';

import type { DType } from './dtype.js';
import { itemSize } from './dtype.js';
import { N } from './native.js';
import { Tensor } from './tensor.js';

const TO_FORMAT: Record<DType, string> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
/**
 * `record[key] = value` as an own property whatever the key: assigning '__proto__' would set the
 * prototype instead, and names from a file may be anything. Lookups go through Object.hasOwn.
 */
export function defineOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
const FROM_FORMAT: Record<string, DType> = Object.fromEntries(Object.entries(TO_FORMAT).map(([k, v]) => [v, k as DType]));
const MAX_HEADER = 100_000_000; // the reference implementation's limit

export interface TensorInfo {
  dtype: DType;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsFile {
  tensors: Record<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Where the tensor bytes start in the file. */
  dataStart: number;
}

class SafetensorsError extends Error {
  constructor(path: string, message: string, cause?: unknown) {
    super(`safetensors: ${path}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'SafetensorsError';
  }
}

/**
 * Parses and validates the header of a safetensors file. `bytes` holds the file's start
 * (at least the header, or all of it); `fileSize` is the whole file's length.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, path = '<buffer>', fileSize = bytes.length): SafetensorsFile {
  if (fileSize < 8 || bytes.length < 8) throw new SafetensorsError(path, `file is ${fileSize} bytes, too short for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER) throw new SafetensorsError(path, `header length ${headerLength} exceeds ${MAX_HEADER}`);
  if (8 + headerLength > fileSize || 8 + headerLength > bytes.length) {
    throw new SafetensorsError(path, `header claims ${headerLength} bytes but the file has ${fileSize - 8} after the length (truncated?)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(path, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError(path, 'header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const tensors: Record<string, TensorInfo> = {};
  const metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        throw new SafetensorsError(path, '__metadata__ must map strings to strings');
      }
      for (const [k, v] of Object.entries(entry)) defineOwn(metadata, k, v as string);
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e?.dtype === 'string' && Object.hasOwn(FROM_FORMAT, e.dtype) ? FROM_FORMAT[e.dtype] : undefined;
    if (!dtype) throw new SafetensorsError(path, `tensor '${name}': unsupported dtype ${JSON.stringify(e?.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(path, `tensor '${name}': shape must be a list of non-negative integers`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(path, `tensor '${name}': data_offsets must be [begin, end] with begin <= end`);
    }
    const expected = (e.shape as number[]).reduce((a, b) => a * b, 1) * itemSize(dtype);
    if (offsets[1] - offsets[0] !== expected) {
      throw new SafetensorsError(path, `tensor '${name}': ${offsets[1] - offsets[0]} bytes for shape [${e.shape}] ${dtype}, which needs ${expected}`);
    }
    if (offsets[1] > dataLength) {
      throw new SafetensorsError(path, `tensor '${name}': bytes ${offsets[0]}..${offsets[1]} lie past the end of the data (${dataLength} bytes; truncated?)`);
    }
    defineOwn(tensors, name, { dtype, shape: e.shape as number[], dataOffsets: [offsets[0], offsets[1]] });
  }
  // The format requires the tensors to tile the data exactly: no overlaps, no holes.
  const spans = Object.entries(tensors).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  let cursor = 0;
  for (const [name, info] of spans) {
    if (info.dataOffsets[0] !== cursor) {
      throw new SafetensorsError(path, `tensor '${name}' starts at byte ${info.dataOffsets[0]}, expected ${cursor} (overlapping or missing data)`);
    }
    cursor = info.dataOffsets[1];
  }
  if (cursor !== dataLength) throw new SafetensorsError(path, `${dataLength - cursor} bytes after the last tensor`);
  return { tensors, metadata, dataStart };
}

function withFile<T>(path: string, fn: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SafetensorsError(path, `cannot read: ${(error as Error).message}`);
  }
  try {
    return fn(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function readExactly(fd: number, target: Uint8Array, position: number, path: string): void {
  for (let done = 0; done < target.length; ) {
    let n: number;
    try {
      n = readSync(fd, target, done, target.length - done, position + done);
    } catch (error) {
      throw new SafetensorsError(path, `cannot read: ${(error as Error).message}`);
    }
    if (n === 0) throw new SafetensorsError(path, `unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

function readHeader(fd: number, size: number, path: string): SafetensorsFile {
  const prefix = new Uint8Array(Math.min(size, 8));
  readExactly(fd, prefix, 0, path);
  const headerLength = prefix.length === 8 ? Number(new DataView(prefix.buffer).getBigUint64(0, true)) : 0;
  const head = new Uint8Array(Math.min(size, 8 + Math.min(headerLength, MAX_HEADER + 1)));
  readExactly(fd, head, 0, path);
  return parseSafetensorsHeader(head, path, size);
}

/** Reads only the header (names, dtypes, shapes, metadata) of a safetensors file. */
export function readSafetensorsHeader(path: string): SafetensorsFile {
  return withFile(path, (fd, size) => readHeader(fd, size, path));
}

/**
 * Loads every tensor of a safetensors file (names as stored) onto the CPU. Each tensor's
 * bytes are read from the file straight into its memory: no intermediate copy, and files
 * larger than a JavaScript Buffer can hold load as well.
 */
export function loadSafetensors(path: string): Record<string, Tensor> {
  return withFile(path, (fd, size) => {
    const file = readHeader(fd, size, path);
    const out: Record<string, Tensor> = {};
    try {
      for (const [name, info] of Object.entries(file.tensors)) {
        const t: Tensor = N.empty(info.shape, info.dtype);
        defineOwn(out, name, t);
        readExactly(fd, N.rawBytes(t), file.dataStart + info.dataOffsets[0], path);
      }
    } catch (error) {
      for (const t of Object.values(out)) t.dispose();
      throw error;
    }
    return out;
  });
}

/** Writes tensors (and string metadata) to a safetensors file, atomically. */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  if (tensors === null || typeof tensors !== 'object') throw new TypeError('saveSafetensors: expected a record of tensors by name');
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new TypeError(`saveSafetensors: '${name}' is not a Tensor`);
    if (t.isDisposed) throw new TypeError(`saveSafetensors: '${name}' was disposed`);
    if (name === '__metadata__') throw new TypeError("saveSafetensors: '__metadata__' is reserved for the metadata");
  }
  // Largest items first, then by name: the order Python's safetensors writes, which keeps alignment.
  const names = Object.keys(tensors).sort((a, b) => itemSize(tensors[b].dtype) - itemSize(tensors[a].dtype) || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`saveSafetensors: metadata '${k}' must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const bytes: Uint8Array = N.rawBytes(t);
    defineOwn(header, name, { dtype: TO_FORMAT[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] });
    payloads.push(bytes);
    offset += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));

  try {
    writeFileAtomic(path, [length, json, ...payloads]);
  } catch (error) {
    throw new SafetensorsError(path, `cannot write: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`, error);
  }
}
