// `finetune serve` in a child process: SIGTERM while a request waits in the queue lets that
// request finish with its 200, then the process closes its port and exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { makeClassifier, request, tempDir } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('finetune serve: SIGTERM', () => {
  it('drains the request in flight, answers it, and exits 0', async () => {
    const dir = await makeClassifier(tempDir());
    // a long batching wait keeps the request queued when SIGTERM arrives
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', dir, '--port', '0', '--max-wait-ms', '800'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
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
      await new Promise((ok) => setTimeout(ok, 200));
      child.kill('SIGTERM');
      const reply = await pending;
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
