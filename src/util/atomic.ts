// Whole-file writes that a crash, a kill or a full disk never leave half done: the bytes go to a
// temporary file in the target's folder (rename is only atomic within one file system), are
// flushed to disk, and the file is renamed over the target; the folder is then flushed so the
// rename itself survives a power cut. On any failure (ENOSPC included) the temporary file is
// removed and the old content, if any, is left as it was.
//
// This module sits below every other folder of src/ and imports nothing from them.
// `fs` is used through its module object (not named imports) so tests can simulate failures.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export type FileData = string | Uint8Array | readonly Uint8Array[];

/** A name next to `path` that no other writer (process or call) will pick, marked as temporary. */
export function temporaryPath(path: string, tag = 'tmp'): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** True for a name temporaryPath makes: what a crash may leave behind, never a real file. */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.[a-z]+-\d+-[0-9a-f]{8}$/.test(name);
}

function chunksOf(data: FileData): readonly Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  return data instanceof Uint8Array ? [data] : data;
}

/** Flushes a folder's entries (a rename in it) to disk; a no-op where the platform cannot. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (error) {
    // Windows cannot open folders, and some file systems refuse fsync on them.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Renames `from` to `to` (a file or a folder) and flushes the target folder. */
export function renameDurable(from: string, to: string): void {
  fs.renameSync(from, to);
  fsyncDirectory(dirname(to));
}

/**
 * Writes `data` to `path` atomically. Creates the folder when `mkdir` is set. Errors keep the
 * system's code (ENOSPC, EACCES, ...) and name the target file.
 */
export function writeFileAtomic(path: string, data: FileData, options: { mkdir?: boolean } = {}): void {
  replaceAtomically(path, (temporary) => writeAll(temporary, data), options);
}

/**
 * The general form, for writers that only take a path (a native library's save): `fill`
 * writes the temporary file, which is then flushed and renamed over `path`.
 */
export function replaceAtomically(path: string, fill: (temporary: string) => void, options: { mkdir?: boolean } = {}): void {
  stage(path, fill, options).commit();
}

/** A file written and flushed under a temporary name next to its target, not yet in place. */
export interface StagedFile {
  /** Renames it over the target and flushes the folder; on failure the temporary file is removed. */
  commit(): void;
  /** Removes the temporary file (when something else failed before the commit). */
  discard(): void;
}

/**
 * writeFileAtomic in two steps, so that several files can be written before any replaces its
 * target (savePretrained: a full disk fails before the old model is touched).
 */
export function stageFile(path: string, data: FileData, options: { mkdir?: boolean } = {}): StagedFile {
  return stage(path, (temporary) => writeAll(temporary, data), options);
}

function stage(path: string, fill: (temporary: string) => void, options: { mkdir?: boolean }): StagedFile {
  if (options.mkdir) fs.mkdirSync(dirname(path), { recursive: true });
  const temporary = temporaryPath(path);
  const fail = (error: unknown): never => {
    fs.rmSync(temporary, { force: true });
    throw atomicWriteError(path, error);
  };
  try {
    fill(temporary);
    fsyncFile(temporary);
  } catch (error) {
    fail(error);
  }
  return {
    commit() {
      try {
        renameDurable(temporary, path);
      } catch (error) {
        fail(error);
      }
    },
    discard: () => fs.rmSync(temporary, { force: true }),
  };
}

function writeAll(path: string, data: FileData): void {
  const fd = fs.openSync(path, 'w');
  try {
    for (const chunk of chunksOf(data)) {
      for (let written = 0; written < chunk.length; ) written += fs.writeSync(fd, chunk, written, chunk.length - written);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncFile(path: string): void {
  const fd = fs.openSync(path, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function atomicWriteError(path: string, error: unknown): Error {
  const cause = error as NodeJS.ErrnoException;
  const wrapped = new Error(`cannot write ${path}: ${cause.message}`, { cause }) as NodeJS.ErrnoException;
  if (cause.code) wrapped.code = cause.code;
  return wrapped;
}
