// Finding a GGUF as transformers' from_pretrained(pathOrDir, gguf_file=...) does, and its header
// parsed once per file version: the config, the weights and the tokenizer all read it.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

import { resolveHubFile } from '../../hub/resolve.js';
import { CheckpointError } from '../errors.js';
import { readGgufHeader, type GgufFile } from './reader.js';

const headers = new Map<string, { mtimeMs: number; size: number; file: GgufFile }>();

/** The header of a GGUF file, parsed once per file version. */
export function ggufHeader(path: string): GgufFile {
  const stat = statSync(path);
  const cached = headers.get(path);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.file;
  const file = readGgufHeader(path);
  headers.clear(); // one file at a time: a header holds the whole vocabulary
  headers.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, file });
  return file;
}

/**
 * Where from_pretrained(pathOrDir, gguf_file=...) finds the file: `ggufFile` itself when it is a
 * file, else inside the folder, else in the Hub repo.
 */
export async function resolveGgufFile(pathOrId: string, ggufFile: string, revision?: string): Promise<string> {
  if (typeof ggufFile !== 'string' || ggufFile === '') throw new TypeError('fromPretrained: ggufFile must be a file name or path');
  if (existsSync(ggufFile) && statSync(ggufFile).isFile()) return resolve(ggufFile);
  if (!isAbsolute(ggufFile) && existsSync(pathOrId) && statSync(pathOrId).isDirectory()) {
    const inside = join(pathOrId, ggufFile);
    if (existsSync(inside) && statSync(inside).isFile()) return resolve(inside);
    throw new CheckpointError(resolve(inside), 'no such GGUF file');
  }
  if (existsSync(pathOrId) || isAbsolute(ggufFile)) throw new CheckpointError(resolve(ggufFile), 'no such GGUF file');
  return resolveHubFile(pathOrId, ggufFile, { revision });
}
