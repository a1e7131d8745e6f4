// The HTTP side of the Hub protocol: requests with the token and a timeout, the file metadata
// the Hub returns for `HEAD /{repo}/resolve/{revision}/{file}` (X-Repo-Commit, ETag or
// X-Linked-Etag, X-Linked-Size, a redirect to the LFS/Xet CDN), and errors mapped from its
// X-Error-Code header the way huggingface_hub's hf_raise_for_status reads them.
import { HubError } from './resolve.js';

export interface RequestContext {
  endpoint: string;
  token?: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** For messages: what was being asked for. */
  repoId: string;
  repoType: string;
  revision: string;
  filename?: string;
}

export interface FileMetadata {
  commit: string;
  etag: string;
  size?: number;
  /** Where to GET the bytes: the resolve URL, or the CDN URL it redirects to. */
  location: string;
}

const USER_AGENT = `finetune/0.1.0; node/${process.versions.node}`;

export function repoUrlPrefix(repoType: string): string {
  return repoType === 'model' ? '' : `${repoType}s/`;
}

export function resolveUrl(ctx: RequestContext, filename: string): string {
  const path = filename.split('/').map(encodeURIComponent).join('/');
  return `${ctx.endpoint}/${repoUrlPrefix(ctx.repoType)}${ctx.repoId}/resolve/${encodeURIComponent(ctx.revision)}/${path}`;
}

export function headersFor(ctx: RequestContext, url: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...extra };
  // The token goes to the Hub only, never to the CDN a download redirects to (its URLs are signed).
  if (ctx.token && new URL(url).host === new URL(ctx.endpoint).host) headers.authorization = `Bearer ${ctx.token}`;
  return headers;
}

/** fetch with a timeout; connection failures become HubError('NETWORK'). */
export async function request(ctx: RequestContext, url: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Response> {
  try {
    return await ctx.fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(ctx.timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new HubError(`cannot reach ${ctx.endpoint} (${why}) for ${ctx.repoId}${ctx.filename ? `/${ctx.filename}` : ''}; ` +
      'check the connection (or HF_ENDPOINT), or set HF_HUB_OFFLINE=1 to use only the local cache', 'NETWORK');
  }
}

/** Turns a failed Hub response into a HubError that says what to do. */
export function responseError(ctx: RequestContext, response: Response): HubError {
  const error = describeFailure(ctx, response);
  // A 404 for a missing file still names the commit it looked at: the cache can remember the miss.
  return Object.assign(error, { repoCommit: response.headers.get('x-repo-commit') ?? undefined });
}

/** The commit a failed resolve request was answered for, when the Hub said (X-Repo-Commit). */
export function repoCommitOf(error: HubError): string | undefined {
  return (error as HubError & { repoCommit?: string }).repoCommit;
}

function describeFailure(ctx: RequestContext, response: Response): HubError {
  const code = response.headers.get('x-error-code');
  const serverMessage = response.headers.get('x-error-message');
  const status = response.status;
  const repo = `${ctx.repoType === 'model' ? '' : `${ctx.repoType} `}repo '${ctx.repoId}'`;
  const tokenHint = ctx.token
    ? 'the token from HF_TOKEN (or your saved login) does not give access to it'
    : 'no token was sent: set HF_TOKEN to a Hugging Face access token with access to it';
  const suffix = serverMessage ? ` (Hub: ${serverMessage})` : '';
  if (code === 'EntryNotFound' || (status === 404 && !code && ctx.filename)) {
    return new HubError(`${ctx.repoId}: file '${ctx.filename}' does not exist at revision '${ctx.revision}'${suffix}`, 'ENTRY_NOT_FOUND', { status });
  }
  if (code === 'RevisionNotFound') {
    return new HubError(`${repo}: revision '${ctx.revision}' does not exist${suffix}`, 'REVISION_NOT_FOUND', { status });
  }
  if (code === 'GatedRepo') {
    return new HubError(`${repo} is gated: accept its conditions at ${ctx.endpoint}/${repoUrlPrefix(ctx.repoType)}${ctx.repoId}, ` +
      `then set HF_TOKEN to a token of that account (HTTP ${status})${suffix}`, 'UNAUTHORIZED', { status });
  }
  if (code === 'RepoNotFound' || (status === 404 && !ctx.filename)) {
    return new HubError(`${repo} not found at ${ctx.endpoint} (HTTP ${status}). Check the name and the repo type; ` +
      `if it is private or gated, ${tokenHint}${suffix}`, 'REPO_NOT_FOUND', { status });
  }
  if (status === 401 || status === 403) {
    return new HubError(`${repo}: HTTP ${status} ${response.statusText || (status === 401 ? 'Unauthorized' : 'Forbidden')}; ` +
      `${ctx.token ? 'the token in HF_TOKEN is invalid or lacks permission for this repo' : tokenHint}${suffix}`, 'UNAUTHORIZED', { status });
  }
  return new HubError(`${repo}: HTTP ${status} ${response.statusText}${ctx.filename ? ` for '${ctx.filename}'` : ''}${suffix}`, 'OTHER', { status });
}

const normalizeEtag = (etag: string): string => etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');

/**
 * HEAD on the resolve URL. Relative redirects (a renamed repo) are followed, as huggingface_hub
 * does; an absolute one (the LFS CDN) is not: its Location is where the bytes will be fetched.
 */
export async function fileMetadata(ctx: RequestContext, filename: string): Promise<FileMetadata> {
  let url = resolveUrl(ctx, filename);
  for (let hop = 0; hop < 10; hop++) {
    const response = await request(ctx, url, { method: 'HEAD', redirect: 'manual', headers: headersFor(ctx, url, { 'accept-encoding': 'identity' }) });
    let location = url;
    if (response.status >= 300 && response.status < 400) {
      const target = response.headers.get('location');
      if (!target) throw new HubError(`${url}: HTTP ${response.status} redirect without a Location`, 'OTHER', { status: response.status });
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        url = new URL(target, url).href;
        continue;
      }
      location = target;
    } else if (!response.ok) {
      throw responseError(ctx, response);
    }
    const commit = response.headers.get('x-repo-commit');
    const etag = response.headers.get('x-linked-etag') ?? response.headers.get('etag');
    if (!commit || !etag) {
      throw new HubError(`${url}: the server sent no ${commit ? 'ETag' : 'X-Repo-Commit'} header; ` +
        `is ${ctx.endpoint} a Hugging Face Hub (check HF_ENDPOINT, and any proxy in between)?`, 'OTHER', { status: response.status });
    }
    const sizeHeader = response.headers.get('x-linked-size') ?? response.headers.get('content-length');
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
    return { commit, etag: normalizeEtag(etag), size, location };
  }
  throw new HubError(`${resolveUrl(ctx, filename)}: too many redirects`, 'OTHER');
}
