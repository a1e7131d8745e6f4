// The seam between the data layer and the Hugging Face Hub client. Tokenizers and datasets
// ask for Hub files only through these two functions; the Hub client (a later issue)
// installs itself with `setHubClient`, and tests install a local stand-in.

export interface HubFileOptions {
  revision?: string;
  repoType?: 'model' | 'dataset';
}

export interface HubClient {
  /** Downloads (or finds in the cache) one file of a repo and returns its local path. */
  resolveFile(repoId: string, filename: string, options: HubFileOptions): Promise<string>;
  /** Paths of every file in a repo at a revision. */
  listFiles(repoId: string, options: HubFileOptions): Promise<string[]>;
}

export type HubErrorCode =
  | 'ENTRY_NOT_FOUND' // no such file in the repo (offline: not in the cache either, see `notCached`)
  | 'REPO_NOT_FOUND' // no such repo, or a private one the token cannot see
  | 'REVISION_NOT_FOUND'
  | 'UNAUTHORIZED' // 401/403: a missing, invalid or insufficient HF_TOKEN, or a gated repo
  | 'NETWORK' // the Hub could not be reached, or a download broke off
  | 'UNAVAILABLE' // no Hub client installed
  | 'OTHER';

export interface HubErrorDetails {
  /** The HTTP status, when the error is a Hub response. */
  status?: number;
  /** Offline mode (or no network) and the file is not in the local cache. */
  notCached?: boolean;
}

/** An error from the Hub; `code` is 'ENTRY_NOT_FOUND' for a missing file, 'REPO_NOT_FOUND' for a missing repo. */
export class HubError extends Error {
  readonly status?: number;
  readonly notCached: boolean;
  constructor(message: string, readonly code: HubErrorCode, details: HubErrorDetails = {}) {
    super(message);
    this.name = 'HubError';
    this.status = details.status;
    this.notCached = details.notCached ?? false;
  }
}

let client: HubClient | null = null;

/** Installs the Hub client (or removes it with null). Returns the previous one. */
export function setHubClient(next: HubClient | null): HubClient | null {
  const previous = client;
  client = next;
  return previous;
}

/** The installed Hub client, or null. */
export function getHubClient(): HubClient | null {
  return client;
}

function requireClient(repoId: string): HubClient {
  if (!client) {
    throw new HubError(
      `'${repoId}' is not a local path, and the Hugging Face Hub client is not available yet in finetune; ` +
        'pass a local directory (or file) instead', 'UNAVAILABLE');
  }
  return client;
}

export function resolveHubFile(repoId: string, filename: string, options: HubFileOptions = {}): Promise<string> {
  return requireClient(repoId).resolveFile(repoId, filename, options);
}

export function listHubFiles(repoId: string, options: HubFileOptions = {}): Promise<string[]> {
  return requireClient(repoId).listFiles(repoId, options);
}
