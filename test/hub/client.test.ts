// The Hub client against a local stand-in Hub (fake-hub.ts): the Python cache layout, revisions,
// tokens, LFS redirects, errors, resumable downloads and offline mode. No other network.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { hfHubDownload, HubHttpClient, installDefaultHubClient, listRepoFiles } from '../../src/hub/client.js';
import { getHubClient, HubError, resolveHubFile, setHubClient } from '../../src/hub/resolve.js';
import { commitId, FakeHub, gitSha1, sha256 } from './fake-hub.js';

const MAIN = commitId('main');
const V1 = commitId('v1');
const config = Buffer.from('{"model_type": "bert"}\n');
const weights = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251));
const hub = new FakeHub()
  .add('org/tiny', {
    refs: { main: MAIN, v1: V1 },
    commits: {
      [MAIN]: { 'config.json': { content: config }, 'model.safetensors': { content: weights, lfs: true }, 'onnx/model.onnx': { content: Buffer.from('onnx'), lfs: true } },
      [V1]: { 'config.json': { content: Buffer.from('{"v": 1}') } },
    },
  })
  .add('org/private', { token: 'hf_secret', refs: { main: MAIN }, commits: { [MAIN]: { 'config.json': { content: config } } } })
  .add('org/gated', { token: 'hf_secret', gated: true, refs: { main: MAIN }, commits: { [MAIN]: {} } })
  .add('org/new-name', { renamedFrom: 'org/old-name', refs: { main: MAIN }, commits: { [MAIN]: { 'config.json': { content: config } } } })
  .add('org/data', { type: 'dataset', refs: { main: MAIN, 'refs/convert/parquet': V1 }, commits: { [MAIN]: { 'data/train-00000.parquet': { content: Buffer.from('PAR1') } }, [V1]: { 'default/train/0000.parquet': { content: Buffer.from('PAR1x') } } } });

let home = '';
/** A loopback port nothing listens on (one just released). */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
const cacheRoot = (): string => join(home, 'hub');
const fast = { retryDelayMs: 0, timeoutMs: 5000 };

before(async () => {
  await hub.start();
});
const homes: string[] = [];
after(async () => {
  await hub.stop();
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'finetune-hf-home-'));
  homes.push(home);
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_TOKEN_PATH']) delete process.env[k];
  process.env.HF_HOME = home;
  process.env.HF_ENDPOINT = hub.endpoint;
  hub.log.length = 0;
  hub.dropNext = null;
});

describe('downloads into the huggingface_hub cache layout', () => {
  it('a regular file: snapshots/<commit>/file → ../../blobs/<etag>, refs/main = commit', async () => {
    const path = await hfHubDownload('org/tiny', 'config.json', fast);
    const repo = join(cacheRoot(), 'models--org--tiny');
    assert.equal(path, join(repo, 'snapshots', MAIN, 'config.json'));
    assert.ok(lstatSync(path).isSymbolicLink());
    assert.equal(readlinkSync(path), join('..', '..', 'blobs', gitSha1(config)));
    assert.deepEqual(readFileSync(path), config);
    assert.equal(readFileSync(join(repo, 'refs', 'main'), 'utf8'), MAIN);
    // Cached: the next call asks the Hub for the metadata only (the revision may have moved).
    hub.log.length = 0;
    assert.equal(await hfHubDownload('org/tiny', 'config.json', fast), path);
    assert.deepEqual(hub.log.map((r) => r.method), ['HEAD']);
  });

  it('an LFS file follows the redirect to the CDN, is named by its sha256, and the token stays on the Hub', async () => {
    process.env.HF_TOKEN = 'hf_public_token';
    const path = await hfHubDownload('org/tiny', 'model.safetensors', fast);
    assert.deepEqual(readFileSync(path), weights);
    assert.equal(readlinkSync(path), join('..', '..', 'blobs', sha256(weights)));
    assert.equal(hub.requests({ server: 'hub' })[0].authorization, 'Bearer hf_public_token');
    assert.deepEqual(hub.requests({ server: 'cdn' }).map((r) => [r.method, r.authorization]), [['GET', undefined]]);
    const nested = await hfHubDownload('org/tiny', 'onnx/model.onnx', fast);
    assert.equal(readlinkSync(nested), join('..', '..', '..', 'blobs', sha256(Buffer.from('onnx'))));
  });

  it('revisions: a tag gets its own snapshot and ref; a cached commit hash needs no request at all', async () => {
    const tagged = await hfHubDownload('org/tiny', 'config.json', { ...fast, revision: 'v1' });
    assert.equal(readFileSync(tagged, 'utf8'), '{"v": 1}');
    assert.equal(readFileSync(join(cacheRoot(), 'models--org--tiny', 'refs', 'v1'), 'utf8'), V1);
    hub.log.length = 0;
    assert.equal(await hfHubDownload('org/tiny', 'config.json', { ...fast, revision: V1 }), tagged);
    assert.equal(hub.log.length, 0);
  });

  it('datasets live under /datasets/ and datasets--org--name; revisions with slashes are encoded', async () => {
    const path = await hfHubDownload('org/data', 'default/train/0000.parquet', { ...fast, repoType: 'dataset', revision: 'refs/convert/parquet' });
    assert.equal(path, join(cacheRoot(), 'datasets--org--data', 'snapshots', V1, 'default', 'train', '0000.parquet'));
    assert.equal(hub.log[0].url, '/datasets/org/data/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet');
    assert.equal(readFileSync(join(cacheRoot(), 'datasets--org--data', 'refs', 'refs', 'convert', 'parquet'), 'utf8'), V1);
    assert.deepEqual(await listRepoFiles('org/data', { ...fast, repoType: 'dataset' }), ['data/train-00000.parquet']);
    assert.equal(hub.log.at(-1)!.url, '/api/datasets/org/data/revision/main');
  });

  it('HF_HUB_CACHE takes precedence over HF_HOME; a renamed repo (relative redirect) is followed', async () => {
    process.env.HF_HUB_CACHE = join(home, 'elsewhere');
    const path = await hfHubDownload('org/old-name', 'config.json', fast);
    assert.equal(path, join(home, 'elsewhere', 'models--org--old-name', 'snapshots', MAIN, 'config.json'));
    assert.deepEqual(hub.requests({ method: 'HEAD' }).map((r) => r.url), ['/org/old-name/resolve/main/config.json', '/org/new-name/resolve/main/config.json']);
  });
});

describe('errors', () => {
  const failure = async (p: Promise<unknown>): Promise<HubError> => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof HubError, String(e));
      return e;
    }
    throw new Error('expected a HubError');
  };

  it('401 RepoNotFound for a private repo mentions HF_TOKEN; with the token it downloads', async () => {
    const e = await failure(hfHubDownload('org/private', 'config.json', fast));
    assert.equal(e.code, 'REPO_NOT_FOUND');
    assert.equal(e.status, 401);
    assert.match(e.message, /repo 'org\/private' not found .*HTTP 401.*set HF_TOKEN/);
    process.env.HF_TOKEN = 'hf_wrong';
    assert.match((await failure(hfHubDownload('org/private', 'config.json', fast))).message, /the token from HF_TOKEN .* does not give access/);
    process.env.HF_TOKEN = 'hf_secret';
    assert.deepEqual(readFileSync(await hfHubDownload('org/private', 'config.json', fast)), config);
  });

  it('a gated repo says to accept its conditions and set HF_TOKEN; the token file of `huggingface-cli login` is used', async () => {
    const e = await failure(hfHubDownload('org/gated', 'config.json', fast));
    assert.equal(e.code, 'UNAUTHORIZED');
    assert.match(e.message, /gated: accept its conditions at .*\/org\/gated, then set HF_TOKEN/);
    writeFileSync(join(home, 'token'), 'hf_secret\n');
    assert.equal((await failure(hfHubDownload('org/gated', 'config.json', fast))).code, 'ENTRY_NOT_FOUND'); // through the gate now
  });

  it('404 EntryNotFound vs RevisionNotFound vs an unknown repo; a missing file is remembered in .no_exist', async () => {
    const missing = await failure(hfHubDownload('org/tiny', 'tokenizer.json', fast));
    assert.equal(missing.code, 'ENTRY_NOT_FOUND');
    assert.match(missing.message, /org\/tiny: file 'tokenizer\.json' does not exist at revision 'main'/);
    assert.ok(existsSync(join(cacheRoot(), 'models--org--tiny', '.no_exist', MAIN, 'tokenizer.json')));
    assert.equal((await failure(hfHubDownload('org/tiny', 'config.json', { ...fast, revision: 'nope' }))).code, 'REVISION_NOT_FOUND');
    assert.equal((await failure(hfHubDownload('org/absent', 'config.json', fast))).code, 'REPO_NOT_FOUND');
    assert.equal((await failure(listRepoFiles('org/absent', fast))).code, 'REPO_NOT_FOUND');
    process.env.HF_HUB_OFFLINE = '1'; // offline, the cache still knows the file does not exist
    assert.match((await failure(hfHubDownload('org/tiny', 'tokenizer.json', fast))).message, /does not exist at revision 'main' \(known from the cache\)/);
  });

  it('a server that is not a Hub (no X-Repo-Commit) is named; bad repo ids and paths are refused', async () => {
    hub.bare = true;
    try {
      assert.match((await failure(hfHubDownload('org/tiny', 'config.json', fast))).message, /sent no X-Repo-Commit header; is http:\/\/127\.0\.0\.1:\d+ a Hugging Face Hub/);
    } finally {
      hub.bare = false;
    }
    await assert.rejects(hfHubDownload('../etc', 'passwd', fast), /not a valid Hub repo id/);
    await assert.rejects(hfHubDownload('org/tiny', '../../escape', fast), /not a relative path inside the repo/);
  });
});

describe('resumable, atomic downloads', () => {
  it('a connection dropped mid-file is resumed with a Range request in the same call', async () => {
    hub.dropNext = { count: 1, bytes: 30_000 };
    const path = await hfHubDownload('org/tiny', 'model.safetensors', { ...fast, retries: 2 });
    assert.deepEqual(readFileSync(path), weights);
    // It resumes from what reached the disk (all 30000 bytes, unless the socket error overtook some).
    const ranges = hub.requests({ server: 'cdn' }).map((r) => r.range);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], undefined);
    const from = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
    assert.ok(from > 0 && from <= 30_000, `resumed from ${ranges[1]}`);
  });

  it('without retries the partial .incomplete file is kept, no blob appears, and the next call resumes', async () => {
    hub.dropNext = { count: 1, bytes: 40_000 };
    const e = await hfHubDownload('org/tiny', 'model.safetensors', { ...fast, retries: 0 }).catch((x: HubError) => x);
    assert.ok(e instanceof HubError && e.code === 'NETWORK', String(e));
    const kept = Number(/broke off.*; (\d+) of 100000 bytes .* are kept in .*\.incomplete, and the next attempt resumes/.exec(e.message)?.[1]);
    assert.ok(kept > 0 && kept <= 40_000, e.message);
    const blob = join(cacheRoot(), 'models--org--tiny', 'blobs', sha256(weights));
    assert.equal(statSync(`${blob}.incomplete`).size, kept);
    assert.equal(existsSync(blob), false);
    assert.equal(existsSync(join(cacheRoot(), 'models--org--tiny', 'snapshots', MAIN, 'model.safetensors')), false);
    hub.log.length = 0;
    const path = await hfHubDownload('org/tiny', 'model.safetensors', fast);
    assert.deepEqual(readFileSync(path), weights);
    assert.deepEqual(hub.requests({ server: 'cdn' }).map((r) => r.range), [`bytes=${kept}-`]);
    assert.equal(existsSync(`${blob}.incomplete`), false);
  });
});

describe('offline and unreachable', () => {
  it('HF_HUB_OFFLINE=1: cached files resolve with no request; others fail saying they are not cached', async () => {
    const path = await hfHubDownload('org/tiny', 'config.json', fast);
    process.env.HF_HUB_OFFLINE = '1';
    hub.log.length = 0;
    assert.equal(await hfHubDownload('org/tiny', 'config.json', fast), path);
    const e = await hfHubDownload('org/tiny', 'model.safetensors', fast).catch((x: HubError) => x);
    assert.ok(e instanceof HubError && e.code === 'ENTRY_NOT_FOUND' && e.notCached);
    assert.match(e.message, /'model\.safetensors' of org\/tiny@main is not in the local cache .* offline mode is on \(HF_HUB_OFFLINE=1\)/);
    assert.deepEqual(await listRepoFiles('org/tiny', fast), ['config.json']); // what the snapshot holds
    assert.equal(hub.log.length, 0);
  });

  it('an unreachable endpoint falls back to the cache, else says the Hub cannot be reached', async () => {
    const path = await hfHubDownload('org/tiny', 'config.json', fast);
    process.env.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
    assert.equal(await hfHubDownload('org/tiny', 'config.json', fast), path);
    const e = await hfHubDownload('org/tiny', 'vocab.txt', fast).catch((x: HubError) => x);
    assert.ok(e instanceof HubError && e.notCached, String(e));
    assert.match(e.message, /not in the local cache .* the Hub cannot be reached: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('a cache written by Python huggingface_hub (built by hand, per its layout) is used as is', async () => {
    const repo = join(cacheRoot(), 'models--google-bert--bert-base-uncased');
    const etag = gitSha1(config);
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'refs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', MAIN), { recursive: true });
    writeFileSync(join(repo, 'blobs', etag), config);
    writeFileSync(join(repo, 'refs', 'main'), MAIN);
    symlinkSync(join('..', '..', 'blobs', etag), join(repo, 'snapshots', MAIN, 'config.json'));
    process.env.HF_HUB_OFFLINE = '1';
    const path = await hfHubDownload('google-bert/bert-base-uncased', 'config.json');
    assert.equal(path, join(repo, 'snapshots', MAIN, 'config.json'));
    assert.deepEqual(readFileSync(path), config);
    // Online, with the Hub reporting that same commit, nothing is downloaded again.
    delete process.env.HF_HUB_OFFLINE;
    hub.add('google-bert/bert-base-uncased', { refs: { main: MAIN }, commits: { [MAIN]: { 'config.json': { content: config } } } });
    assert.equal(await hfHubDownload('google-bert/bert-base-uncased', 'config.json', fast), path);
    assert.deepEqual(hub.log.map((r) => r.method), ['HEAD']);
  });
});

describe('the seam used by tokenizers, datasets and models', () => {
  it('installDefaultHubClient keeps an installed client; HubHttpClient serves resolveHubFile', async () => {
    const previous = setHubClient(null);
    try {
      installDefaultHubClient();
      assert.ok(getHubClient() instanceof HubHttpClient);
      const stand = { resolveFile: async () => '/x', listFiles: async () => [] };
      setHubClient(stand);
      installDefaultHubClient();
      assert.equal(getHubClient(), stand);
      setHubClient(new HubHttpClient(fast));
      const path = await resolveHubFile('org/tiny', 'config.json', { revision: 'v1' });
      assert.equal(readFileSync(path, 'utf8'), '{"v": 1}');
    } finally {
      setHubClient(previous);
    }
  });
});
