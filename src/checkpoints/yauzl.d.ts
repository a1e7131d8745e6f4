// The part of yauzl 3's API that torch-load.ts uses (the package ships no types, and
// @types/yauzl describes version 2).
declare module 'yauzl' {
  import type { EventEmitter } from 'node:events';

  export interface Entry {
    fileName: string;
    compressionMethod: number;
    compressedSize: number;
    uncompressedSize: number;
    crc32: number;
    relativeOffsetOfLocalHeader: number;
  }
  export interface ZipFile extends EventEmitter {
    readEntry(): void;
    close(): void;
    openReadStream(entry: Entry, callback: (err: Error | null, stream?: NodeJS.ReadableStream) => void): void;
    readLocalFileHeader(entry: Entry, options: { minimal: true }, callback: (err: Error | null, header?: { fileDataStart: number }) => void): void;
  }
  export interface Options {
    lazyEntries?: boolean;
    autoClose?: boolean;
    strictFileNames?: boolean;
    validateEntrySizes?: boolean;
  }
  export function open(path: string, options: Options, callback: (err: Error | null, zipfile?: ZipFile) => void): void;
  const yauzl: { open: typeof open };
  export default yauzl;
}
