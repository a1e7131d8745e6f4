// Writing files so that a crash never leaves a half-written one: a temporary file in the same
// folder, flushed to disk, then renamed over the target (rename is atomic on POSIX). Staging
// splits the two steps, so that several files can be written before any of them replaces its
// target (savePretrained: a full disk fails before the old model is touched).
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** A file written and flushed under a temporary name next to its target, not yet in place. */
export interface StagedFile {
  /** Renames it over the target, then flushes the folder (so the rename itself survives a crash). */
  commit(): Promise<void>;
  /** Removes the temporary file (after a failure elsewhere). */
  discard(): Promise<void>;
}

export async function stageFile(path: string, data: string | Uint8Array): Promise<StagedFile> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  return {
    async commit() {
      await rename(temporary, path);
      await syncFolder(dirname(path));
    },
    discard: () => rm(temporary, { force: true }),
  };
}

export async function atomicWriteFile(path: string, data: string | Uint8Array): Promise<void> {
  const staged = await stageFile(path, data);
  try {
    await staged.commit();
  } catch (error) {
    await staged.discard();
    throw error;
  }
}

/** fsync on the folder: where the platform does not allow it (Windows), the rename is left to the OS. */
async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported for folders here; nothing more can be done
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
