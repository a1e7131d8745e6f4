// A minimal ZIP reader (stored and deflated entries), enough for dataset archives such as
// NLTK's movie_reviews.zip, without another dependency.
import { inflateRawSync } from 'node:zlib';
import { DataFileError } from './errors.js';

export interface ZipEntry {
  name: string;
  isDirectory: boolean;
  size: number;
  read(): Buffer;
}

export function readZip(bytes: Buffer, file: string): ZipEntry[] {
  const fail = (detail: string): never => { throw new DataFileError(file, null, `not a readable ZIP archive: ${detail}`); };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) fail('end-of-central-directory record not found');
  const count = bytes.readUInt16LE(eocd + 10);
  let p = bytes.readUInt32LE(eocd + 16);
  if (p === 0xffffffff || count === 0xffff) fail('ZIP64 archives are not supported');
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== 0x02014b50) fail(`bad central directory entry ${k}`);
    const flags = bytes.readUInt16LE(p + 8);
    const method = bytes.readUInt16LE(p + 10);
    const compressed = bytes.readUInt32LE(p + 20);
    const size = bytes.readUInt32LE(p + 24);
    const nameLen = bytes.readUInt16LE(p + 28);
    const extraLen = bytes.readUInt16LE(p + 30);
    const commentLen = bytes.readUInt16LE(p + 32);
    const local = bytes.readUInt32LE(p + 42);
    const name = bytes.subarray(p + 46, p + 46 + nameLen).toString(flags & 0x800 ? 'utf8' : 'latin1');
    p += 46 + nameLen + extraLen + commentLen;
    entries.push({
      name,
      isDirectory: name.endsWith('/'),
      size,
      read: () => {
        if (flags & 1) fail(`${name} is encrypted`);
        if (bytes.readUInt32LE(local) !== 0x04034b50) fail(`bad local header for ${name}`);
        const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
        const data = bytes.subarray(start, start + compressed);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        return fail(`${name} uses compression method ${method}; only stored and deflate are supported`);
      },
    });
  }
  return entries;
}
