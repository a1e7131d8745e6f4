// The Hugging Face cache, laid out exactly as Python's huggingface_hub does it, so that either
// side reuses what the other downloaded:
//
//   $HF_HUB_CACHE/models--org--name/
//     blobs/<etag>                          file contents, named by the Hub's ETag
//     snapshots/<commit>/<path/to/file>     symlink → ../../blobs/<etag> (relative)
//     refs/<revision>                       the commit a branch or tag pointed to last time
//     .no_exist/<commit>/<path/to/file>     empty marker: the file does not exist at that commit
//
// Settings are read from the environment at each call (not at import), as Python reads its
// constants, so that HF_HOME & co. set by a program or a test take effect.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { isTemporaryName, replaceAtomically, writeFileAtomic } from '../util/atomic.js';
import { HubError } from './resolve.js';

export type RepoType = 'model' | 'dataset' | 'space';

const TRUE = new Set(['1', 'ON', 'YES', 'TRUE']);
const isTrue = (v: string | undefined): boolean => v !== undefined && TRUE.has(v.toUpperCase());
const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);

export function hfHome(env = process.env): string {
  return expandHome(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface'));
}

/** HF_HUB_CACHE, else the legacy HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub. */
export function hubCacheDir(env = process.env): string {
  return expandHome(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(env), 'hub'));
}

export function hubEndpoint(env = process.env): string {
  return (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
}

/** HF_HUB_OFFLINE (or transformers' TRANSFORMERS_OFFLINE) set to 1/ON/YES/TRUE. */
export function isOffline(env = process.env): boolean {
  return isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE);
}

/** HF_TOKEN, the legacy HUGGING_FACE_HUB_TOKEN, or the token file `huggingface-cli login` writes. */
export function hubToken(env = process.env): string | undefined {
  const fromEnv = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv?.trim()) return fromEnv.trim();
  const file = expandHome(env.HF_TOKEN_PATH ?? join(hfHome(env), 'token'));
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** 'models--org--name', the repo's folder in the cache. */
export function repoFolderName(repoId: string, repoType: RepoType): string {
  return [`${repoType}s`, ...repoId.split('/')].join('--');
}

// Repo ids, revisions and file names come from users and from the server: none may climb out
// of the cache folder.
export function checkRepoId(repoId: string): void {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repoId) || repoId.split('/').some((p) => p === '.' || p === '..' || p.includes('--'))) {
    throw new HubError(`'${repoId}' is not a valid Hub repo id (expected 'name' or 'org/name')`, 'OTHER');
  }
}

export function checkRelativePath(what: string, path: string): void {
  if (!path || path.startsWith('/') || path.includes('\\') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new HubError(`${what} '${path}' is not a relative path inside the repo`, 'OTHER');
  }
}

export class RepoCache {
  readonly root: string;

  constructor(readonly repoId: string, readonly repoType: RepoType, cacheDir = hubCacheDir()) {
    checkRepoId(repoId);
    this.root = join(cacheDir, repoFolderName(repoId, repoType));
  }

  blobPath(etag: string): string {
    checkRelativePath('ETag', etag);
    return join(this.root, 'blobs', etag);
  }

  pointerPath(commit: string, filename: string): string {
    checkRelativePath('commit', commit);
    return join(this.root, 'snapshots', commit, ...filename.split('/'));
  }

  /** The commit a revision resolves to from the cache alone: itself if a commit hash, else refs/. */
  commitFor(revision: string): string | null {
    if (COMMIT_HASH.test(revision)) return revision;
    checkRelativePath('revision', revision);
    try {
      return readFileSync(join(this.root, 'refs', ...revision.split('/')), 'utf8').trim() || null;
    } catch {
      return null;
    }
  }

  /** Records where a branch or tag points (huggingface_hub writes the same file). */
  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    checkRelativePath('revision', revision);
    const path = join(this.root, 'refs', ...revision.split('/'));
    if (existsSync(path) && readFileSync(path, 'utf8') === commit) return;
    writeFileAtomic(path, commit, { mkdir: true });
  }

  /** The cached file for a revision, `'missing'` if the cache knows it does not exist, else null. */
  lookup(revision: string, filename: string): string | 'missing' | null {
    const commit = this.commitFor(revision);
    if (!commit) return null;
    const pointer = this.pointerPath(commit, filename);
    if (existsSync(pointer)) return pointer; // existsSync follows the symlink: a dangling one is a miss
    if (existsSync(join(this.root, '.no_exist', commit, ...filename.split('/')))) return 'missing';
    return null;
  }

  markMissing(commit: string, filename: string): void {
    const path = join(this.root, '.no_exist', commit, ...filename.split('/'));
    writeFileAtomic(path, '', { mkdir: true });
  }

  /** Points snapshots/<commit>/<filename> at a blob: a relative symlink, or a copy where links fail. */
  link(commit: string, filename: string, blob: string): string {
    const pointer = this.pointerPath(commit, filename);
    mkdirSync(dirname(pointer), { recursive: true });
    try {
      lstatSync(pointer);
      rmSync(pointer, { force: true });
    } catch { /* no old pointer */ }
    try {
      symlinkSync(relative(dirname(pointer), blob), pointer);
    } catch {
      replaceAtomically(pointer, (temporary) => copyFileSync(blob, temporary));
    }
    return pointer;
  }

  /** Every file of a cached snapshot, as repo paths ('a/b.parquet'). */
  snapshotFiles(commit: string): string[] | null {
    const dir = join(this.root, 'snapshots', commit);
    if (!existsSync(dir)) return null;
    const out: string[] = [];
    const walk = (d: string, prefix: string): void => {
      for (const name of readdirSync(d).sort()) {
        if (isTemporaryName(name)) continue; // left by a crash mid-copy
        const full = join(d, name);
        if (statSync(full, { throwIfNoEntry: false })?.isDirectory()) walk(full, `${prefix}${name}/`);
        else if (existsSync(full)) out.push(`${prefix}${name}`);
      }
    };
    walk(dir, '');
    return out;
  }
}
