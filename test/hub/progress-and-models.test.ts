// The download progress display, and model weights fetched end to end through the Hub client
// (loadCheckpoint with a repo id) from the local stand-in Hub.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createProgress } from '../../src/hub/progress.js';
import { HubHttpClient } from '../../src/hub/client.js';
import { setHubClient } from '../../src/hub/resolve.js';
import { loadCheckpoint } from '../../src/models/checkpoint.js';
import { commitId, FakeHub } from './fake-hub.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 100, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

it('progress: a redrawn bar on a terminal, two plain lines otherwise, nothing when disabled', () => {
  const tty = fakeStream(true);
  const bar = createProgress('org/m/model.safetensors', 2_000_000, 'bar', tty);
  bar.update(1_000_000);
  bar.update(2_000_000); // within 100 ms of the last redraw: not drawn until done()
  bar.done();
  assert.equal(tty.text.split('\r').length, 3);
  assert.match(tty.text, /^\rorg\/m\/model\.safetensors \|█{12} {12}\|  50% 1\.0 MB\/2\.0 MB .*\/s\x1b\[K/);
  assert.ok(tty.text.endsWith('\n') && tty.text.includes('100%'));

  const pipe = fakeStream(false);
  const plain = createProgress('org/m/config.json', 1500, 'plain', pipe);
  plain.update(1500);
  plain.done();
  assert.match(pipe.text, /^Downloading org\/m\/config\.json \(1\.5 kB\)\nDownloaded org\/m\/config\.json: 1\.5 kB in \d+\.\d s\n$/);

  const previous = process.env.HF_HUB_DISABLE_PROGRESS_BARS;
  process.env.HF_HUB_DISABLE_PROGRESS_BARS = '1';
  const quiet = fakeStream(true);
  createProgress('x', 10, 'auto', quiet).update(5);
  assert.equal(quiet.text, '');
  if (previous === undefined) delete process.env.HF_HUB_DISABLE_PROGRESS_BARS;
  else process.env.HF_HUB_DISABLE_PROGRESS_BARS = previous;
});

const shards = fileURLToPath(new URL('../fixtures/checkpoints/sharded-bin/', import.meta.url));
const MAIN = commitId('weights');
const hub = new FakeHub().add('org/sharded', {
  refs: { main: MAIN },
  commits: { [MAIN]: Object.fromEntries(readdirSync(shards).map((f) => [f, { content: readFileSync(join(shards, f)), lfs: f.endsWith('.bin') }])) },
});

let home = '';
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'finetune-hf-home-'));
  await hub.start();
});
after(async () => {
  await hub.stop();
  rmSync(home, { recursive: true, force: true });
});

it('loadCheckpoint(repo id) downloads the index and every shard into one snapshot, then works offline', async () => {
  const client = new HubHttpClient({ endpoint: hub.endpoint, cacheDir: join(home, 'hub'), token: null, retryDelayMs: 0 });
  const previous = setHubClient(client);
  try {
    const loaded = await loadCheckpoint('org/sharded');
    assert.equal(loaded.format, 'pytorch-zip');
    assert.equal(loaded.file, join(home, 'hub', 'models--org--sharded', 'snapshots', MAIN, 'pytorch_model.bin.index.json'));
    assert.deepEqual(Object.keys(loaded.stateDict).sort(), ['a.bias', 'a.weight', 'b.weight']);
    // The missing safetensors candidates were remembered, so offline the same call needs nothing.
    setHubClient(new HubHttpClient({ ...client.options, offline: true }));
    hub.log.length = 0;
    const again = await loadCheckpoint('org/sharded');
    assert.deepEqual(Object.keys(again.stateDict).sort(), ['a.bias', 'a.weight', 'b.weight']);
    assert.equal(hub.log.length, 0);
    // Offline with an empty cache: the error says the weights are not cached, not that none exist.
    setHubClient(new HubHttpClient({ ...client.options, offline: true, cacheDir: join(home, 'empty') }));
    await assert.rejects(loadCheckpoint('org/sharded'), /org\/sharded: no weights file \(model\.safetensors, .*\) is in the local cache: .*offline mode is on/);
  } finally {
    setHubClient(previous);
  }
});
