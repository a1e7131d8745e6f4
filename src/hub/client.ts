// The Hugging Face Hub client: `resolveFile` (hf_hub_download) and `listFiles`, on the cache
// layout of Python's huggingface_hub (cache.ts).
//
// Why not @huggingface/hub (checked at 2.17): its downloadFileToCacheDir names the snapshot
// folder after the commit that last touched the file (paths-info `lastCommit`) instead of the
// revision's head commit from X-Repo-Commit, so Python and finetune would not find each
// other's files; it writes no refs/ (nothing to resolve 'main' offline), has no offline mode,
// no resume of `.incomplete` files, no progress, and pulls in a WASM Xet client. The protocol
// part needed here is two requests, so it is written against Node's fetch.
import { existsSync } from 'node:fs';

import { COMMIT_HASH, checkRelativePath, hubCacheDir, hubEndpoint, hubToken, isOffline, RepoCache, type RepoType } from './cache.js';
import { downloadBlob } from './download.js';
import { fileMetadata, headersFor, repoCommitOf, request, responseError, type RequestContext } from './http.js';
import type { ProgressMode } from './progress.js';
import { getHubClient, HubError, setHubClient, type HubClient, type HubFileOptions } from './resolve.js';

export interface HubClientOptions {
  /** Default: HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Default: HF_TOKEN, else the saved login ($HF_HOME/token). null sends none. */
  token?: string | null;
  /** Default: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Default: HF_HUB_OFFLINE. */
  offline?: boolean;
  /** Default 'auto': a bar on a terminal, plain lines otherwise, off under HF_HUB_DISABLE_PROGRESS_BARS or node --test. */
  progress?: ProgressMode;
  /** Retries of a broken download, each resuming (default 5). */
  retries?: number;
  retryDelayMs?: number;
  /** Connect/read timeout in ms (default 10 s, huggingface_hub's). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface DownloadFileOptions extends HubClientOptions {
  revision?: string;
  repoType?: RepoType;
}

function settings(o: HubClientOptions) {
  return {
    endpoint: (o.endpoint ?? hubEndpoint()).replace(/\/+$/, ''),
    token: o.token === null ? undefined : (o.token ?? hubToken()),
    cacheDir: o.cacheDir ?? hubCacheDir(),
    offline: o.offline ?? isOffline(),
    progress: o.progress ?? 'auto',
    retries: o.retries ?? 5,
    retryDelayMs: o.retryDelayMs ?? 1000,
    timeoutMs: o.timeoutMs ?? 10_000,
    fetch: o.fetch ?? globalThis.fetch,
  };
}

// Offline, a file that is not cached is reported as ENTRY_NOT_FOUND (with notCached set), as
// transformers treats it: callers probing optional files (tokenizer_config.json, the weight
// file candidates) move on, and the message says why when nothing is found.
function notCached(what: string, cacheDir: string, reason: string, cause?: HubError): HubError {
  return new HubError(`${what} is not in the local cache (${cacheDir}) and ${reason}` +
    (cause ? `: ${cause.message}` : ''), 'ENTRY_NOT_FOUND', { notCached: true });
}

/**
 * Downloads one file of a Hub repo into the cache (or finds it there) and returns its path in
 * the snapshot folder, like huggingface_hub's hf_hub_download.
 */
export async function hfHubDownload(repoId: string, filename: string, options: DownloadFileOptions = {}): Promise<string> {
  const s = settings(options);
  const repoType = options.repoType ?? 'model';
  const revision = options.revision ?? 'main';
  checkRelativePath('file', filename);
  const cache = new RepoCache(repoId, repoType, s.cacheDir);
  const what = `'${filename}' of ${repoType === 'model' ? '' : `${repoType} `}${repoId}@${revision}`;

  const cached = (): string | null => {
    const hit = cache.lookup(revision, filename);
    if (hit === 'missing') throw new HubError(`${repoId}: file '${filename}' does not exist at revision '${revision}' (known from the cache)`, 'ENTRY_NOT_FOUND');
    return hit;
  };
  // A commit hash cannot move: a cached file for it is final, no request needed.
  if (COMMIT_HASH.test(revision)) {
    const hit = cache.lookup(revision, filename);
    if (typeof hit === 'string') return hit;
  }
  if (s.offline) {
    const hit = cached();
    if (hit) return hit;
    throw notCached(what, s.cacheDir, 'offline mode is on (HF_HUB_OFFLINE=1); download it once online, or unset HF_HUB_OFFLINE');
  }

  const ctx: RequestContext = { ...s, repoId, repoType, revision, filename };
  let meta;
  try {
    meta = await fileMetadata(ctx, filename);
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    const commit = repoCommitOf(error);
    if (error.code === 'ENTRY_NOT_FOUND' && commit && COMMIT_HASH.test(commit)) {
      cache.writeRef(revision, commit);
      cache.markMissing(commit, filename);
    }
    if (error.code === 'ENTRY_NOT_FOUND' || error.code === 'REVISION_NOT_FOUND') throw error;
    // Like huggingface_hub: without an answer from the Hub (no network, 401, 5xx), a cached
    // copy of the revision is used, and the error only matters if there is none.
    const hit = cached();
    if (hit) return hit;
    throw error.code === 'NETWORK' ? notCached(what, s.cacheDir, 'the Hub cannot be reached', error) : error;
  }

  cache.writeRef(revision, meta.commit);
  const pointer = cache.pointerPath(meta.commit, filename);
  if (existsSync(pointer)) return pointer;
  const blob = cache.blobPath(meta.etag);
  if (!existsSync(blob)) {
    await downloadBlob(ctx, meta, blob, { retries: s.retries, retryDelayMs: s.retryDelayMs, progress: s.progress, label: `${repoId}/${filename}` });
  }
  return cache.link(meta.commit, filename, blob);
}

/**
 * Every file path of a repo at a revision (the Hub API's `siblings`). Offline, or when the Hub
 * cannot be reached, the files of the cached snapshot of that revision are listed instead:
 * what was downloaded before, which may be fewer than the repo holds.
 */
export async function listRepoFiles(repoId: string, options: DownloadFileOptions = {}): Promise<string[]> {
  const s = settings(options);
  const repoType = options.repoType ?? 'model';
  const revision = options.revision ?? 'main';
  const cache = new RepoCache(repoId, repoType, s.cacheDir);
  const fromCache = (reason: string, cause?: HubError): string[] => {
    const commit = cache.commitFor(revision);
    const files = commit ? cache.snapshotFiles(commit) : null;
    if (files) return files;
    throw notCached(`the file list of ${repoType} ${repoId}@${revision}`, s.cacheDir, reason, cause);
  };
  if (s.offline) return fromCache('offline mode is on (HF_HUB_OFFLINE=1)');

  const ctx: RequestContext = { ...s, repoId, repoType, revision };
  const url = `${s.endpoint}/api/${repoType}s/${repoId}/revision/${encodeURIComponent(revision)}`;
  let response: Response;
  try {
    response = await request(ctx, url, { method: 'GET', headers: headersFor(ctx, url) });
  } catch (error) {
    if (error instanceof HubError && error.code === 'NETWORK') return fromCache('the Hub cannot be reached', error);
    throw error;
  }
  if (!response.ok) throw responseError(ctx, response);
  const info = (await response.json().catch(() => null)) as { siblings?: { rfilename?: unknown }[] } | null;
  if (!info || !Array.isArray(info.siblings) || !info.siblings.every((f) => typeof f?.rfilename === 'string')) {
    throw new HubError(`${url}: the answer has no "siblings" list of files`, 'OTHER');
  }
  return info.siblings.map((f) => f.rfilename as string);
}

/** The client behind resolveHubFile/listHubFiles (tokenizers, datasets, models). */
export class HubHttpClient implements HubClient {
  constructor(readonly options: HubClientOptions = {}) {}

  resolveFile(repoId: string, filename: string, options: HubFileOptions): Promise<string> {
    return hfHubDownload(repoId, filename, { ...this.options, revision: options.revision, repoType: options.repoType });
  }

  listFiles(repoId: string, options: HubFileOptions): Promise<string[]> {
    return listRepoFiles(repoId, { ...this.options, revision: options.revision, repoType: options.repoType });
  }
}

/** Installs the default Hub client unless one is installed already (tests install stand-ins). */
export function installDefaultHubClient(): void {
  if (!getHubClient()) setHubClient(new HubHttpClient());
}
