// Reading text files: UTF-8 only, a leading byte-order mark dropped, and invalid bytes
// reported with their line rather than replaced with U+FFFD.
import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { DataFileError } from './errors.js';

/** Byte offset of the first invalid UTF-8 sequence (or -1). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; } else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; } else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

export function lineOfOffset(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

/** Decodes UTF-8 (dropping a BOM); invalid bytes are an error naming the file and line. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    const line = lineOfOffset(bytes, at);
    const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
    throw new DataFileError(file, line, `invalid UTF-8 (byte 0x${bytes[at].toString(16).padStart(2, '0')} at column ${at - lineStart + 1}); expected a UTF-8 text file`);
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start).toString('utf8');
}

export function readBytes(file: string): Buffer {
  if (!existsSync(file)) throw new DataFileError(file, null, 'no such file');
  if (statSync(file).isDirectory()) throw new DataFileError(file, null, 'is a directory, expected a file');
  return readFileSync(file);
}

export function readTextFile(file: string): { text: string; hash: string } {
  const bytes = readBytes(file);
  return { text: decodeUtf8(bytes, file), hash: createHash('sha1').update(bytes).digest('hex') };
}
