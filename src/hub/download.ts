// Downloading one blob into the cache: into `blobs/<etag>.incomplete` (the name huggingface_hub
// uses, so either side resumes the other's partial file), resumed with a Range request after a
// dropped connection, and renamed onto `blobs/<etag>` only once complete, so the cache never
// holds a partial blob under its final name.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

import { renameDurable } from '../util/atomic.js';
import { headersFor, request, responseError, type FileMetadata, type RequestContext } from './http.js';
import { createProgress, type ProgressMode } from './progress.js';
import { HubError } from './resolve.js';

export interface DownloadOptions {
  /** Attempts after the first, each resuming where the last stopped (huggingface_hub: 5). */
  retries: number;
  /** Wait before the first retry; doubled each time, at most 8 s. */
  retryDelayMs: number;
  progress: ProgressMode;
  label: string;
}

// One download per blob at a time within this process (two fromPretrained calls racing).
const inFlight = new Map<string, Promise<void>>();

export function downloadBlob(ctx: RequestContext, meta: FileMetadata, blob: string, options: DownloadOptions): Promise<void> {
  const running = inFlight.get(blob);
  if (running) return running;
  const task = download(ctx, meta, blob, options).finally(() => inFlight.delete(blob));
  inFlight.set(blob, task);
  return task;
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function download(ctx: RequestContext, meta: FileMetadata, blob: string, options: DownloadOptions): Promise<void> {
  mkdirSync(dirname(blob), { recursive: true });
  const incomplete = `${blob}.incomplete`;
  const expected = meta.size;
  const progress = createProgress(options.label, expected, options.progress);
  let lastError: HubError | null = null;
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(options.retryDelayMs * 2 ** (attempt - 1), 8000));
    let have = sizeOf(incomplete);
    if (expected !== undefined && have > expected) {
      rmSync(incomplete); // not a prefix of this file: start over
      have = 0;
    }
    if (expected !== undefined && have === expected && have > 0) break;
    const outcome = await fetchInto(ctx, meta, incomplete, have, (n) => progress.update(n));
    if (outcome === 'complete') {
      lastError = null;
      break;
    }
    lastError = outcome;
  }
  const got = sizeOf(incomplete);
  if (lastError) {
    progress.done(); // end the bar's line before the error is printed
    throw new HubError(`${lastError.message}; ${got} of ${expected ?? '?'} bytes of ${options.label} are kept in ${incomplete}, ` +
      'and the next attempt resumes from there', lastError.code, { status: lastError.status });
  }
  if (expected !== undefined && got !== expected) {
    rmSync(incomplete, { force: true });
    throw new HubError(`${options.label}: consistency check failed: the file should have ${expected} bytes but ${got} arrived`, 'OTHER');
  }
  renameDurable(incomplete, blob);
  progress.done();
}

/**
 * One GET, appending to `path` from byte `have` when the server honours the Range. Returns
 * 'complete', or the error to retry after (connection dropped, server error); throws for errors
 * a retry cannot fix (401, 404, ...).
 */
async function fetchInto(ctx: RequestContext, meta: FileMetadata, path: string, have: number, onProgress: (n: number) => void): Promise<'complete' | HubError> {
  const controller = new AbortController();
  // A read timeout rather than a total one: large files take as long as they take.
  let timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  };
  try {
    let response: Response;
    try {
      response = await request(ctx, meta.location, {
        method: 'GET',
        redirect: 'follow',
        signal: controller.signal,
        headers: headersFor(ctx, meta.location, { 'accept-encoding': 'identity', ...(have > 0 ? { range: `bytes=${have}-` } : {}) }),
      });
    } catch (error) {
      if (error instanceof HubError && error.code === 'NETWORK') return error;
      throw error;
    }
    if (response.status === 416) {
      rmSync(path, { force: true }); // the partial file is not a prefix the server recognises
      return new HubError(`${meta.location}: HTTP 416 for a resumed download`, 'NETWORK', { status: 416 });
    }
    if (response.status >= 500 || response.status === 429) {
      return new HubError(`${meta.location}: HTTP ${response.status} ${response.statusText}`, 'NETWORK', { status: response.status });
    }
    if (!response.ok) throw responseError(ctx, response);
    // 206 continues the partial file; a 200 is the whole file again, so start over.
    const resumed = response.status === 206 && have > 0 && contentRangeStart(response) === have;
    let received = resumed ? have : 0;
    const file = await open(path, resumed ? 'a' : 'w');
    try {
      if (!response.body) return 'complete';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        await file.write(chunk);
        received += chunk.length;
        onProgress(received);
      }
      await file.sync();
    } catch (error) {
      const why = controller.signal.aborted ? `no data for ${ctx.timeoutMs} ms` : ((error as { cause?: Error }).cause?.message ?? (error as Error).message);
      return new HubError(`the download of ${ctx.repoId}/${ctx.filename} broke off (${why})`, 'NETWORK');
    } finally {
      await file.close();
    }
    if (meta.size !== undefined && received < meta.size) {
      return new HubError(`the download of ${ctx.repoId}/${ctx.filename} ended early (${received} of ${meta.size} bytes)`, 'NETWORK');
    }
    return 'complete';
  } finally {
    clearTimeout(timer);
  }
}

function contentRangeStart(response: Response): number | null {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}
