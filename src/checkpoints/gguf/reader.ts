// The GGUF container (llama.cpp's format, https://github.com/ggml-org/ggml/blob/master/docs/gguf.md):
// "GGUF", a version (2 or 3), tensor and metadata counts, typed key/value metadata, tensor
// infos (name, dims, ggml type, offset), then the tensor data from the next multiple of
// `general.alignment`. Everything is little-endian. The header is parsed and every tensor's
// byte range checked against the file before any tensor is read, so a truncated or corrupt
// file fails here with the field it broke on.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CheckpointError } from '../errors.js';
import { GGML_TYPES, type GgmlTypeInfo } from './types.js';

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] varies fastest. The PyTorch shape is the reverse. */
  dims: number[];
  type: GgmlTypeInfo;
  /** Offset from the start of the data section. */
  offset: number;
  nElements: number;
  nBytes: number;
}

export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** File offset of the data section. */
  dataStart: number;
  fileSize: number;
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const VALUE_TYPES = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64'] as const;
const MAX_DIMS = 4; // GGML_MAX_DIMS
const MAX_STRING = 1 << 30;

/** Thrown when the parser runs past the bytes it holds; the caller reads more or reports truncation. */
class NeedMore extends Error {
  constructor(readonly needed: number) { super('need more bytes'); }
}

class Cursor {
  pos = 0;
  private view: DataView;
  constructor(private bytes: Uint8Array, private readonly path: string, private readonly fileSize: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** `what` names the field for the error when the file ends inside it. */
  take(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.fileSize) {
      throw new CheckpointError(this.path, `truncated: ${what} needs ${n} bytes at offset ${at}, but the file has ${this.fileSize} bytes`);
    }
    if (at + n > this.bytes.length) throw new NeedMore(at + n);
    this.pos += n;
    return at;
  }
  u8(what: string): number { return this.view.getUint8(this.take(1, what)); }
  u32(what: string): number { return this.view.getUint32(this.take(4, what), true); }
  u64(what: string): bigint { return this.view.getBigUint64(this.take(8, what), true); }
  /** A u64 count or offset, which must fit a JS number to be usable at all. */
  size(what: string): number {
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(this.path, `${what} is ${v}, out of range`);
    return Number(v);
  }
  string(what: string): string {
    const n = this.size(`${what} (string length)`);
    if (n > MAX_STRING) throw new CheckpointError(this.path, `${what}: string length ${n} is out of range`);
    const at = this.take(n, what);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(at, at + n));
    } catch {
      throw new CheckpointError(this.path, `${what}: string at offset ${at} is not valid UTF-8`);
    }
  }
  scalar(type: number, what: string): GgufValue {
    const v = this.view;
    switch (VALUE_TYPES[type]) {
      case 'uint8': return v.getUint8(this.take(1, what));
      case 'int8': return v.getInt8(this.take(1, what));
      case 'uint16': return v.getUint16(this.take(2, what), true);
      case 'int16': return v.getInt16(this.take(2, what), true);
      case 'uint32': return v.getUint32(this.take(4, what), true);
      case 'int32': return v.getInt32(this.take(4, what), true);
      case 'float32': return v.getFloat32(this.take(4, what), true);
      case 'float64': return v.getFloat64(this.take(8, what), true);
      case 'bool': {
        const b = v.getUint8(this.take(1, what));
        if (b > 1) throw new CheckpointError(this.path, `${what}: bool value ${b} is neither 0 nor 1`);
        return b === 1;
      }
      case 'uint64': return exactNumber(v.getBigUint64(this.take(8, what), true));
      case 'int64': return exactNumber(v.getBigInt64(this.take(8, what), true));
      case 'string': return this.string(what);
      case 'array': {
        const itemType = this.u32(`${what} (array item type)`);
        if (itemType >= VALUE_TYPES.length) throw new CheckpointError(this.path, `${what}: unknown array item type ${itemType}`);
        const n = this.size(`${what} (array length)`);
        // Each item takes at least one byte: a count past the file's end is corrupt, not a reason to allocate.
        if (n > this.fileSize - this.pos) throw new CheckpointError(this.path, `truncated: ${what} claims ${n} items, more than the ${this.fileSize - this.pos} bytes left`);
        const out: GgufValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.scalar(itemType, `${what}[${i}]`);
        return out;
      }
      default: throw new CheckpointError(this.path, `${what}: unknown value type ${type}`);
    }
  }
}

/** 64-bit integers stay exact: a number when it fits, else a bigint. */
function exactNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parse(bytes: Uint8Array, path: string, fileSize: number): GgufFile {
  const c = new Cursor(bytes, path, fileSize);
  const magic = c.u32('magic');
  if (magic !== MAGIC) {
    const seen = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
    throw new CheckpointError(path, `not a GGUF file: bad magic ${JSON.stringify(seen)}, expected "GGUF"`);
  }
  const version = c.u32('version');
  if (version !== 2 && version !== 3) throw new CheckpointError(path, `unsupported GGUF version ${version}; expected 2 or 3`);
  const tensorCount = c.size('tensor count');
  const kvCount = c.size('metadata count');
  if (tensorCount > fileSize || kvCount > fileSize) throw new CheckpointError(path, `corrupt header: ${tensorCount} tensors and ${kvCount} metadata entries in a ${fileSize}-byte file`);
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(`metadata key #${i}`);
    const type = c.u32(`metadata '${key}' (value type)`);
    if (type >= VALUE_TYPES.length) throw new CheckpointError(path, `metadata '${key}': unknown value type ${type}`);
    if (metadata.has(key)) throw new CheckpointError(path, `metadata '${key}' appears twice`);
    metadata.set(key, c.scalar(type, `metadata '${key}'`));
  }
  const alignment = metadata.get('general.alignment') ?? 32;
  if (typeof alignment !== 'number' || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new CheckpointError(path, `metadata 'general.alignment' is ${String(alignment)}; expected a power of two`);
  }
  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string(`tensor info #${i} (name)`);
    const nDims = c.u32(`tensor '${name}' (number of dims)`);
    if (nDims < 1 || nDims > MAX_DIMS) throw new CheckpointError(path, `tensor '${name}': ${nDims} dims; expected 1 to ${MAX_DIMS}`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.size(`tensor '${name}' (dim ${d})`));
    const typeId = c.u32(`tensor '${name}' (type)`);
    const offset = c.size(`tensor '${name}' (offset)`);
    const type = GGML_TYPES.get(typeId);
    if (!type) throw new CheckpointError(path, `tensor '${name}': unknown ggml type ${typeId}`);
    if (names.has(name)) throw new CheckpointError(path, `tensor '${name}' appears twice`);
    names.add(name);
    const nElements = dims.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(nElements)) throw new CheckpointError(path, `tensor '${name}': dims ${dims.join('x')} are out of range`);
    if (dims[0] % type.blockSize !== 0) {
      throw new CheckpointError(path, `tensor '${name}': first dim ${dims[0]} is not a multiple of ${type.name}'s block size ${type.blockSize}`);
    }
    tensors.push({ name, dims, type, offset, nElements, nBytes: (nElements / type.blockSize) * type.typeSize });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  for (const t of tensors) {
    if (t.offset % alignment !== 0) throw new CheckpointError(path, `tensor '${t.name}': offset ${t.offset} is not a multiple of the alignment ${alignment}`);
    const end = dataStart + t.offset + t.nBytes;
    if (end > fileSize) {
      throw new CheckpointError(path, `truncated: tensor '${t.name}' (${t.type.name}, ${t.dims.join('x')}) needs bytes ${dataStart + t.offset}..${end}, but the file has ${fileSize} bytes`);
    }
  }
  return { path, version, metadata, tensors, alignment, dataStart, fileSize };
}

/**
 * Reads a GGUF file's header, metadata and tensor infos (not the tensor data). Reads only as
 * much of the file as the header takes.
 */
export function readGgufHeader(path: string): GgufFile {
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    let length = Math.min(fileSize, 1 << 24);
    for (;;) {
      const bytes = new Uint8Array(length);
      const got = readSync(fd, bytes, 0, length, 0);
      if (got !== length) throw new CheckpointError(path, `read ${got} of ${length} bytes`);
      try {
        return parse(bytes, path, fileSize);
      } catch (e) {
        if (!(e instanceof NeedMore)) throw e;
        length = Math.min(fileSize, Math.max(e.needed, length * 2));
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Parses a GGUF held in memory (a whole file). */
export function parseGguf(bytes: Uint8Array, path = '<buffer>'): GgufFile {
  return parse(bytes, path, bytes.length);
}

/** The raw bytes of one tensor, read from the file. */
export function readTensorBytes(file: GgufFile, tensor: GgufTensorInfo): Uint8Array {
  const fd = openSync(file.path, 'r');
  try {
    const bytes = new Uint8Array(tensor.nBytes);
    const got = readSync(fd, bytes, 0, tensor.nBytes, file.dataStart + tensor.offset);
    if (got !== tensor.nBytes) throw new CheckpointError(file.path, `tensor '${tensor.name}': read ${got} of ${tensor.nBytes} bytes (the file changed?)`);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
