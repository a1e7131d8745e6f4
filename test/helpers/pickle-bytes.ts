// A small pickle assembler for hostile test inputs, and the legacy torch.save container
// around a pickle (the files Python would never write, so they cannot come from Python).
export type Part = number | readonly number[] | Uint8Array | Buffer;

export const OP = {
  PROTO2: [0x80, 2], STOP: 0x2e, MARK: 0x28, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, LIST: 0x6c,
  EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, EMPTY_TUPLE: 0x29, NONE: 0x4e, FALSE: 0x89, DUP: 0x32,
  APPEND: 0x61, APPENDS: 0x65, SETITEM: 0x73, REDUCE: 0x52, BINPERSID: 0x51, MEMOIZE: 0x94,
} as const;

export function pickle(...parts: Part[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p as Uint8Array))));
}

export const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  return pickle(0x8c, b.length, b); // SHORT_BINUNICODE
};
export const int = (n: number): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = 0x4a; // BININT
  b.writeInt32LE(n, 1);
  return b;
};
export const global = (module: string, name: string): Buffer => Buffer.from(`c${module}\n${name}\n`, 'latin1');
export const binput = (i: number): Buffer => pickle(0x71, i);
export const binget = (i: number): Buffer => pickle(0x68, i);

/** `_rebuild_tensor_v2(<legacy float storage '0' of numel>, offset, size, stride, False)`. */
export function legacyTensor(numel: number, offset: number, size: number[], stride: number[]): Buffer {
  const tuple = (xs: number[]): Buffer => pickle(OP.MARK, ...xs.map(int), OP.TUPLE);
  const storage = pickle(OP.MARK, str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), int(numel), OP.NONE, OP.TUPLE, OP.BINPERSID);
  return pickle(global('torch._utils', '_rebuild_tensor_v2'), OP.MARK, storage, int(offset), tuple(size), tuple(stride), OP.FALSE, OP.TUPLE, OP.REDUCE);
}

/**
 * The legacy torch.save layout: magic, protocol, sys info, the object pickle, the storage keys,
 * then each storage as an int64 element count and its bytes.
 */
export function legacyCheckpoint(main: Buffer, storages: [string, Float32Array][] = []): Buffer {
  const magic = Buffer.from('6c fc 9c 46 f9 20 6a a8 50 19'.replace(/ /g, ''), 'hex');
  const keys = pickle(OP.PROTO2, OP.MARK, ...storages.map(([k]) => str(k)), OP.LIST, OP.STOP);
  const bodies = storages.map(([, data]) => {
    const count = Buffer.alloc(8);
    count.writeBigInt64LE(BigInt(data.length));
    return Buffer.concat([count, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
  });
  return Buffer.concat([
    pickle(OP.PROTO2, 0x8a, 10, magic, OP.STOP),
    pickle(OP.PROTO2, 0x4d, 0xe9, 0x03, OP.STOP),
    pickle(OP.PROTO2, OP.EMPTY_DICT, OP.STOP),
    main,
    keys,
    ...bodies,
  ]);
}

/** A zip archive of the given entries (method 8 entries are raw-deflated here); CRCs are left 0 (unchecked). */
export function zipArchive(entries: { name: string; data: Buffer; deflate?: boolean; declaredSize?: number }[], deflateRaw: (b: Buffer) => Buffer): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRaw(e.data) : e.data;
    const name = Buffer.from(e.name);
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
