// A stand-in for the Hugging Face Hub on 127.0.0.1 (an ephemeral port), answering the requests
// huggingface_hub makes, with the Hub's headers: HEAD/GET /{datasets/}{repo}/resolve/{rev}/{file}
// (X-Repo-Commit, ETag, X-Linked-Etag/-Size and a redirect to a separate "CDN" server for LFS
// files), GET /api/{models|datasets}/{repo}/revision/{rev}, X-Error-Code errors, Range requests,
// and injected faults (a connection dropped mid-file). Servers stop themselves after 60 s.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  content: Buffer;
  /** Stored with LFS: served by a redirect to the CDN, ETag = sha256. */
  lfs?: boolean;
}

export interface FakeRepo {
  type?: 'model' | 'dataset';
  /** revision (branch/tag) → commit. */
  refs: Record<string, string>;
  /** commit → path → file. */
  commits: Record<string, Record<string, FakeFile>>;
  /** Needs `Authorization: Bearer <token>`; without it the Hub answers 401 RepoNotFound. */
  token?: string;
  gated?: boolean;
  /** Old name that redirects here (a renamed repo). */
  renamedFrom?: string;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export const gitSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
export const commitId = (seed: string): string => createHash('sha1').update(seed).digest('hex');

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly log: LoggedRequest[] = [];
  /** The next `count` GETs of file bodies send `bytes` bytes, then drop the connection. */
  dropNext: { count: number; bytes: number } | null = null;
  /** Omit X-Repo-Commit (a server that is not a Hub). */
  bare = false;
  private hub!: Server;
  private cdn!: Server;
  private blobs = new Map<string, Buffer>();
  endpoint = '';
  cdnUrl = '';

  add(id: string, repo: FakeRepo): this {
    this.repos.set(`${repo.type ?? 'model'}:${id}`, repo);
    for (const files of Object.values(repo.commits)) for (const f of Object.values(files)) if (f.lfs) this.blobs.set(sha256(f.content), f.content);
    return this;
  }

  async start(): Promise<void> {
    this.hub = await listen((req, res) => this.serveHub(req, res));
    this.cdn = await listen((req, res) => this.serveCdn(req, res));
    this.endpoint = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.cdnUrl = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  requests(filter: Partial<LoggedRequest> = {}): LoggedRequest[] {
    return this.log.filter((r) => Object.entries(filter).every(([k, v]) => r[k as keyof LoggedRequest] === v));
  }

  private record(server: 'hub' | 'cdn', req: IncomingMessage): void {
    this.log.push({ server, method: req.method!, url: req.url!, range: req.headers.range, authorization: req.headers.authorization });
  }

  private serveHub(req: IncomingMessage, res: ServerResponse): void {
    this.record('hub', req);
    const url = decodeURI(req.url!.split('?')[0]);
    const api = /^\/api\/(models|datasets)\/(.+)\/revision\/([^/]+)$/.exec(req.url!.split('?')[0]);
    if (api) return this.serveApi(req, res, api[1] === 'models' ? 'model' : 'dataset', decodeURIComponent(api[2]), decodeURIComponent(api[3]));
    const m = /^\/(datasets\/)?([^/]+(?:\/[^/]+)?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url!.split('?')[0]);
    if (!m) return error(res, 404, undefined, `no route ${url}`);
    const type = m[1] ? 'dataset' : 'model';
    const [id, revision, path] = [decodeURIComponent(m[2]), decodeURIComponent(m[3]), m[4].split('/').map(decodeURIComponent).join('/')];
    const renamed = [...this.repos.entries()].find(([, r]) => r.renamedFrom === id);
    if (renamed) {
      res.writeHead(307, { location: req.url!.replace(`/${id}/`, `/${renamed[0].split(':')[1]}/`) });
      return void res.end();
    }
    const repo = this.access(req, res, type, id);
    if (!repo) return;
    const commit = repo.refs[revision] ?? (repo.commits[revision] ? revision : undefined);
    if (!commit) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    const file = repo.commits[commit][path];
    if (!file) return error(res, 404, 'EntryNotFound', `${path} does not exist on "${revision}"`, { 'x-repo-commit': commit });
    const common: Record<string, string> = this.bare ? {} : { 'x-repo-commit': commit };
    if (file.lfs) {
      res.writeHead(302, { ...common, location: `${this.cdnUrl}/blobs/${sha256(file.content)}`, 'x-linked-etag': `"${sha256(file.content)}"`, 'x-linked-size': file.content.length, etag: `"${gitSha1(Buffer.from('pointer'))}"` });
      return void res.end();
    }
    this.sendBody(req, res, file.content, { ...common, etag: `"${gitSha1(file.content)}"` });
  }

  private access(req: IncomingMessage, res: ServerResponse, type: string, id: string): FakeRepo | null {
    const repo = this.repos.get(`${type}:${id}`);
    const authorized = repo && (!repo.token || req.headers.authorization === `Bearer ${repo.token}`);
    if (!repo || (!authorized && !repo.gated)) {
      error(res, 401, 'RepoNotFound', 'Repository not found');
      return null;
    }
    if (!authorized) {
      error(res, 401, 'GatedRepo', 'Access to this repo is restricted');
      return null;
    }
    return repo;
  }

  private serveApi(req: IncomingMessage, res: ServerResponse, type: 'model' | 'dataset', id: string, revision: string): void {
    const repo = this.access(req, res, type, id);
    if (!repo) return;
    const commit = repo.refs[revision] ?? (repo.commits[revision] ? revision : undefined);
    if (!commit) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, sha: commit, siblings: Object.keys(repo.commits[commit]).map((rfilename) => ({ rfilename })) }));
  }

  private serveCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record('cdn', req);
    const blob = this.blobs.get(req.url!.replace('/blobs/', ''));
    if (!blob) return error(res, 404, undefined, 'no such blob');
    this.sendBody(req, res, blob, { etag: `"${sha256(blob)}"` });
  }

  /** 200, or 206 for `Range: bytes=N-`; honours dropNext for GETs. */
  private sendBody(req: IncomingMessage, res: ServerResponse, content: Buffer, headers: Record<string, string>): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start > content.length) return error(res, 416, undefined, 'range not satisfiable');
    const body = content.subarray(start);
    res.writeHead(range ? 206 : 200, { ...headers, 'content-length': body.length, ...(range ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}) });
    if (req.method === 'HEAD') return void res.end();
    if (this.dropNext && this.dropNext.count > 0) {
      this.dropNext.count--;
      // Give the client time to read what was sent before the connection drops.
      res.write(body.subarray(0, this.dropNext.bytes), () => setTimeout(() => res.destroy(), 50));
      return;
    }
    res.end(body);
  }
}

function error(res: ServerResponse, status: number, code: string | undefined, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...extra, ...(code ? { 'x-error-code': code } : {}), 'x-error-message': message, 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message }));
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  // Bounded: whatever a test does, the server goes away, and never keeps the process alive.
  setTimeout(() => { server.closeAllConnections(); server.close(); }, 60_000).unref();
  server.unref();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
