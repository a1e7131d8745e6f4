// Reading `torch.save` files (pytorch_model.bin) without Python: the zip format (torch >= 1.6)
// and the legacy format before it. Both hold one pickle describing the object tree, in which
// each tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` and each
// storage a persistent id naming raw little-endian bytes stored beside the pickle. The pickle
// is read with the restricted unpickler (pickle.ts) and only the globals below are accepted.
import { closeSync, fstatSync, openSync, readSync, readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry as ZipEntry, ZipFile } from 'yauzl';

import type { DType } from '../engine/dtype.js';
import { itemSize } from '../engine/dtype.js';
import { defineOwn } from '../engine/safetensors.js';
import type { Tensor } from '../engine/tensor.js';
import { CheckpointError } from './errors.js';
import { PickleError, preview, PyGlobal, unpickle } from './pickle.js';
import { materialize, PendingTensor, type StorageRef } from './storages.js';

export { CheckpointError };

const STORAGE_DTYPES: Record<string, DType> = {
  DoubleStorage: 'float64', FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};
// The legacy format's magic number (torch/serialization.py MAGIC_NUMBER) and protocol version.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

const int = (file: string, what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new PickleError(file, `${what} is not a non-negative integer`);
  return v;
};
const ints = (file: string, what: string, v: unknown): number[] => {
  if (!Array.isArray(v)) throw new PickleError(file, `${what} is not a tuple`);
  return v.map((x, i) => int(file, `${what}[${i}]`, x));
};

/** The allow-list: what a state dict written by torch.save may name, as plain JS functions. */
function torchGlobals(file: string): (module: string, name: string) => PyGlobal | undefined {
  const rebuild = (args: unknown[]): PendingTensor => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof Object) || !('dtype' in storage)) throw new PickleError(file, '_rebuild_tensor: the first argument is not a storage');
    return new PendingTensor(storage as StorageRef, int(file, 'storage offset', offset), ints(file, 'size', size), ints(file, 'stride', stride));
  };
  const parameter = (args: unknown[]): unknown => {
    if (!(args[0] instanceof PendingTensor)) throw new PickleError(file, '_rebuild_parameter: the data is not a tensor');
    return args[0];
  };
  const table: Record<string, (args: unknown[]) => unknown> = {
    'torch._utils._rebuild_tensor_v2': rebuild,
    'torch._utils._rebuild_tensor': rebuild,
    'torch._utils._rebuild_parameter': parameter,
    'torch._utils._rebuild_parameter_with_state': parameter,
    // Tensor subclasses pickle as (func, type, args, state); only plain tensors/parameters pass.
    'torch._tensor._rebuild_from_type_v2': ([func, type, args]) => {
      if (!(type instanceof PyGlobal) || !['torch.Tensor', 'torch.nn.parameter.Parameter'].includes(type.qualifiedName)) {
        throw new PickleError(file, 'a tensor subclass other than Tensor/Parameter is not supported');
      }
      if (!(func instanceof PyGlobal) || !func.call || !Array.isArray(args)) throw new PickleError(file, '_rebuild_from_type_v2: bad arguments');
      return func.call(args);
    },
    'collections.OrderedDict': (args) => {
      const out = new Map<unknown, unknown>();
      for (const pair of (Array.isArray(args[0]) ? args[0] : []) as unknown[][]) out.set(pair[0], pair[1]);
      return out;
    },
    'torch.Size': (args) => ints(file, 'torch.Size', args[0] ?? []),
    // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
    '_codecs.encode': ([text, encoding]) => Buffer.from(String(text), encoding === 'latin1' || encoding === 'latin-1' ? 'latin1' : 'utf8'),
  };
  return (module, name) => {
    const qualified = `${module}.${name}`;
    if (Object.hasOwn(table, qualified)) return new PyGlobal(module, name, table[qualified]);
    // Types that only appear as markers (never called): storage classes and tensor types.
    if (module === 'torch' && (name.endsWith('Storage') || name === 'Tensor')) return new PyGlobal(module, name);
    if (qualified === 'torch.nn.parameter.Parameter') return new PyGlobal(module, name);
    return undefined;
  };
}

/** torch.save names storages by string keys; anything else (a nested tuple) is a corrupt file. */
function storageKey(file: string, key: unknown): string {
  if (typeof key === 'string' || (typeof key === 'number' && Number.isSafeInteger(key))) return String(key);
  throw new PickleError(file, `storage key ${preview(key)} is not a string`);
}

function storageDtype(file: string, type: unknown): DType {
  const dtype = type instanceof PyGlobal && Object.hasOwn(STORAGE_DTYPES, type.name) ? STORAGE_DTYPES[type.name] : undefined;
  if (!dtype) throw new CheckpointError(file, `unsupported storage type ${preview(type)}`);
  return dtype;
}

// BUILD sets attributes: torch's state dicts carry `_metadata` (module versions) this way.
function build(file: string) {
  return (obj: unknown, state: unknown): unknown => {
    if (obj instanceof Map && (state instanceof Map || state === null)) return obj;
    throw new PickleError(file, 'BUILD (__setstate__) is only supported on dicts');
  };
}

/** Which torch.save format a file is in, from its first bytes. */
export function sniffTorchFormat(head: Uint8Array): 'pytorch-zip' | 'pytorch-legacy' | 'tar' | null {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'pytorch-zip';
  if (head[0] === 0x80 && head[2] === 0x8a && head[3] === 0x0a) return 'pytorch-legacy';
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return null;
}

export interface TorchLoadResult {
  stateDict: Record<string, Tensor>;
  format: 'pytorch-zip' | 'pytorch-legacy';
}

/** Loads a state dict saved with torch.save (zip or legacy format). */
export async function loadTorchCheckpoint(file: string): Promise<TorchLoadResult> {
  let head: Buffer;
  try {
    const fd = openSync(file, 'r');
    head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, 512, 0);
    closeSync(fd);
    head = head.subarray(0, n);
  } catch (error) {
    throw new CheckpointError(file, `cannot read: ${(error as Error).message}`);
  }
  const format = sniffTorchFormat(head);
  if (format === 'pytorch-zip') return { stateDict: await loadZip(file), format };
  if (format === 'pytorch-legacy') return { stateDict: loadLegacy(file), format };
  if (format === 'tar') throw new CheckpointError(file, 'the tar-based torch.save format (PyTorch < 0.4) is not supported; re-save it with a newer PyTorch');
  throw new CheckpointError(file, head.length === 0 ? 'the file is empty' : 'not a PyTorch checkpoint (neither the zip format nor the legacy torch.save format)');
}

/** The tensors of a state dict, still unread; anything other than a flat dict of tensors is refused. */
function pendingTensors(file: string, value: unknown): Map<string, PendingTensor> {
  if (!(value instanceof Map)) throw new CheckpointError(file, 'the pickle does not hold a dict of tensors (a state dict)');
  const pending = new Map<string, PendingTensor>();
  for (const [name, v] of value) {
    if (typeof name !== 'string') throw new CheckpointError(file, `state dict key ${preview(name)} is not a string`);
    if (!(v instanceof PendingTensor)) {
      const others = [...value.keys()].slice(0, 5).join("', '");
      throw new CheckpointError(file, `'${name}' is not a tensor, so this is not a plain state dict (keys: '${others}'…); ` +
        'extract the model weights in Python (e.g. checkpoint["model"]) and save them with save_pretrained');
    }
    pending.set(name, v);
  }
  return pending;
}

// ------------------------------------------------------------------------------ zip format

function zipOp<T>(file: string, run: (cb: (err: Error | null, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, v) => (err ? reject(new CheckpointError(file, `corrupt zip archive (truncated?): ${err.message}`)) : resolve(v as T))));
}

async function loadZip(file: string): Promise<Record<string, Tensor>> {
  const zip = await zipOp<ZipFile>(file, (cb) => yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false }, cb));
  const fd = openSync(file, 'r');
  try {
    const entries = new Map<string, ZipEntry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: ZipEntry) => { entries.set(e.fileName, e); zip.readEntry(); });
      zip.on('end', resolve);
      zip.on('error', (err: Error) => reject(new CheckpointError(file, `corrupt zip archive: ${err.message}`)));
      zip.readEntry();
    });
    // The archive's root folder varies ('archive/', the file's stem, ...): it is data.pkl's.
    const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) {
      const hint = [...entries.keys()].some((n) => n.endsWith('constants.pkl')) ? ' (a TorchScript archive?)' : '';
      throw new CheckpointError(file, `a zip archive without <root>/data.pkl: not a torch.save checkpoint${hint}`);
    }
    const root = pkl.slice(0, -'data.pkl'.length);
    const read = (name: string): Promise<Buffer> => readEntry(file, zip, fd, entries.get(name)!, name);
    const byteorder = entries.has(`${root}byteorder`) ? (await read(`${root}byteorder`)).toString('latin1').trim() : 'little';
    if (byteorder !== 'little' && byteorder !== 'big') throw new CheckpointError(file, `unknown byteorder '${byteorder}'`);

    const persistentLoad = (pid: unknown): StorageRef => {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new PickleError(file, `unexpected persistent id ${preview(pid)}`);
      const [, type, key, , numel] = pid;
      return { key: storageKey(file, key), dtype: storageDtype(file, type), numel: int(file, 'storage size', numel), viewOffset: 0, viewNumel: int(file, 'storage size', numel) };
    };
    const { value } = unpickle(await read(pkl), { file, findGlobal: torchGlobals(file), persistentLoad, build: build(file) });
    const pending = pendingTensors(file, value);
    // Storage by storage: each is read once, becomes the tensors that view it, and is dropped,
    // so at most one storage's bytes are held beside the tensors.
    const groups = new Map<string, Map<string, PendingTensor>>();
    for (const [tensorName, t] of pending) {
      if (!groups.has(t.storage.key)) groups.set(t.storage.key, new Map());
      groups.get(t.storage.key)!.set(tensorName, t);
    }
    const out = new Map<string, Tensor>();
    for (const [key, group] of groups) {
      const [tensorName, first] = group.entries().next().value as [string, PendingTensor];
      const name = `${root}data/${key}`;
      if (!entries.has(name)) throw new CheckpointError(file, `tensor '${tensorName}': its storage ${name} is missing from the archive`);
      // Sizes are checked as declared, before anything is read or inflated (a deflate bomb).
      const expected = first.storage.numel * itemSize(first.storage.dtype);
      const declared = entries.get(name)!.uncompressedSize;
      if (declared !== expected) {
        throw new CheckpointError(file, `tensor '${tensorName}': storage ${name} has ${declared} bytes, the pickle says ${expected} (corrupt?)`);
      }
      const data = await read(name);
      for (const [name, t] of Object.entries(materialize(file, group, () => data, byteorder))) out.set(name, t);
    }
    const ordered: Record<string, Tensor> = {}; // the pickle's order
    for (const k of pending.keys()) defineOwn(ordered, k, out.get(k)!);
    return ordered;
  } finally {
    closeSync(fd);
    zip.close();
  }
}

async function readEntry(file: string, zip: ZipFile, fd: number, entry: ZipEntry, name: string): Promise<Buffer> {
  let data: Buffer;
  // yauzl stops a stream that inflates past the declared size; the declared size itself must
  // fit what the file could hold (deflate inflates at most 1032:1).
  const limit = entry.compressionMethod === 0 ? fstatSync(fd).size : entry.compressedSize * 1032;
  if (entry.uncompressedSize > limit) {
    throw new CheckpointError(file, `${name}: the archive declares ${entry.uncompressedSize} bytes, more than its ${entry.compressedSize} stored bytes can hold (corrupt?)`);
  }
  if (entry.compressionMethod === 0) {
    // Stored (torch.save never compresses): read straight from the file into one buffer.
    const { fileDataStart } = await zipOp<{ fileDataStart: number }>(file, (cb) => zip.readLocalFileHeader(entry, { minimal: true }, cb));
    data = Buffer.allocUnsafe(entry.uncompressedSize);
    for (let got = 0; got < data.length; ) {
      const n = readSync(fd, data, got, data.length - got, fileDataStart + got);
      if (n === 0) throw new CheckpointError(file, `${name}: the file ends inside this entry (truncated?)`);
      got += n;
    }
  } else {
    const stream = await zipOp<NodeJS.ReadableStream>(file, (cb) => zip.openReadStream(entry, cb));
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      throw new CheckpointError(file, `${name}: cannot decompress: ${(error as Error).message}`);
    }
    data = Buffer.concat(chunks);
  }
  // zlib.crc32 exists from Node 20.15; a stored CRC of 0 means the writer skipped it.
  const crc32 = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
  if (crc32 && entry.crc32 !== 0 && crc32(data) >>> 0 !== entry.crc32 >>> 0) {
    throw new CheckpointError(file, `${name}: CRC-32 mismatch (the file is corrupt)`);
  }
  return data;
}

// --------------------------------------------------------------------------- legacy format

function loadLegacy(file: string): Record<string, Tensor> {
  const bytes = readFileSync(file);
  const plain = { file, findGlobal: () => undefined };
  let r = unpickle(bytes, plain, 0);
  if (typeof r.value !== 'bigint' || r.value !== LEGACY_MAGIC) throw new CheckpointError(file, 'invalid magic number: not a torch.save file (corrupt?)');
  r = unpickle(bytes, plain, r.end);
  if (r.value !== LEGACY_PROTOCOL) throw new CheckpointError(file, `unsupported legacy protocol version ${preview(r.value)}`);
  r = unpickle(bytes, plain, r.end);
  const sysInfo = r.value instanceof Map ? r.value : new Map();
  const littleEndian = sysInfo.get('little_endian') !== false;

  const roots = new Map<string, { dtype: DType; numel: number }>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid.length !== 6) throw new PickleError(file, `unexpected persistent id ${preview(pid)}`);
    if (pid[0] === 'module') throw new CheckpointError(file, 'the checkpoint pickles a whole nn.Module, not a state dict; only state dicts can be loaded');
    if (pid[0] !== 'storage') throw new PickleError(file, `unknown persistent id type ${preview(pid[0])}`);
    const [, type, rootKey, , numel, view] = pid;
    const dtype = storageDtype(file, type);
    const key = storageKey(file, rootKey);
    roots.set(key, { dtype, numel: int(file, 'storage size', numel) });
    if (view === null) return { key, dtype, numel: roots.get(key)!.numel, viewOffset: 0, viewNumel: roots.get(key)!.numel };
    const [, offset, size] = view as unknown[];
    return { key, dtype, numel: roots.get(key)!.numel, viewOffset: int(file, 'view offset', offset), viewNumel: int(file, 'view size', size) };
  };
  r = unpickle(bytes, { file, findGlobal: torchGlobals(file), persistentLoad, build: build(file) }, r.end);
  const main = r.value;
  r = unpickle(bytes, plain, r.end);
  if (!Array.isArray(r.value)) throw new CheckpointError(file, 'the list of storage keys is missing (corrupt?)');

  // Then each storage in that order: an int64 element count and the raw bytes.
  const storages = new Map<string, Buffer>();
  let at = r.end;
  for (const rawKey of r.value) {
    const key = storageKey(file, rawKey);
    const root = roots.get(key);
    if (!root) throw new CheckpointError(file, `storage '${key}' is listed but no tensor uses it (corrupt?)`);
    if (at + 8 > bytes.length) throw new CheckpointError(file, `the file ends before storage '${key}' (truncated?)`);
    const count = littleEndian ? bytes.readBigInt64LE(at) : bytes.readBigInt64BE(at);
    if (count !== BigInt(root.numel)) throw new CheckpointError(file, `storage '${key}' holds ${count} elements, the pickle says ${root.numel} (corrupt?)`);
    const nbytes = root.numel * itemSize(root.dtype);
    if (at + 8 + nbytes > bytes.length) throw new CheckpointError(file, `the file ends inside storage '${key}' (truncated?)`);
    storages.set(key, bytes.subarray(at + 8, at + 8 + nbytes));
    at += 8 + nbytes;
  }
  const pending = pendingTensors(file, main);
  for (const [name, t] of pending) {
    if (!storages.has(t.storage.key)) throw new CheckpointError(file, `tensor '${name}': its storage '${t.storage.key}' is not in the file (truncated?)`);
  }
  return materialize(file, pending, (ref) => storages.get(ref.key)!, littleEndian ? 'little' : 'big');
}
