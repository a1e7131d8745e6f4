// `finetune serve` in a child process: SIGTERM while a request waits in the queue lets that
// request finish with its 200, then the process closes its port and exits 0.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { makeClassifier, request, tempDir } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('finetune serve: SIGTERM', () => {
  it('drains the queued request (without waiting for batch mates), answers it, and exits 0', async () => {
    const dir = await makeClassifier(tempDir());
    // a long batching wait keeps the request queued when SIGTERM arrives
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', dir, '--port', '0', '--max-wait-ms', '2000'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /on (http:\/\/\S+)/.exec(stderr);
          if (m) resolve(m[1]);
        });
        child.once('exit', () => reject(new Error(`serve exited before listening:\n${stderr}`)));
      });
      assert.equal((await request(url, '/health')).status, 200);
      const pending = request(url, '/', { inputs: 'the film is good' });
      await new Promise((ok) => setTimeout(ok, 300));
      const signalled = Date.now();
      child.kill('SIGTERM');
      const reply = await pending;
      // the drain runs the queued request at once instead of waiting out --max-wait-ms
      assert.ok(Date.now() - signalled < 1500, `answered ${Date.now() - signalled} ms after SIGTERM`);
      assert.equal(reply.status, 200, reply.text);
      assert.equal((reply.json as { label: string }[]).length, 1);
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /SIGTERM: draining/);
      await assert.rejects(fetch(`${url}/health`), 'the port is closed after the drain');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('finetune serve: command line', () => {
  it('exits 2 with a message naming the flag for a missing --model, a bad number or an unknown flag', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], { cwd: ROOT, encoding: 'utf8' });
    let r = run('--port', '8080');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /serve: --model DIR is required/);
    r = run('--model', '/nonexistent', '--max-batch-size', 'lots');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-batch-size must be an integer ≥ 1, got 'lots'/);
    r = run('--model', '/nonexistent', '--batch', '3');
    assert.match(r.stderr, /unknown flag --batch/);
    r = run('--model', '/nonexistent');
    assert.match(r.stderr, /\/nonexistent\/config\.json does not exist/);
    r = run('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--max-wait-ms/);
  });
});
