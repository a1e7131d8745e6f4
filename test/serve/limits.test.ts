// Bad requests each get their 4xx with a message that names the field or limit, and the server
// answers normally afterwards: invalid JSON, wrong types, empty inputs, unknown parameters,
// bodies over the size limit (413), inputs over the token limit (422), unknown routes (404),
// wrong methods (405), per-request timeouts (504) and clients too slow to send their body (408).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { logging } from '../../src/index.js';
import { serve, type ServeHandle } from '../../src/serve/index.js';
import { makeClassifier, request, tempDir } from './fixtures.js';

logging.setVerbosity('error');

/** Writes raw bytes on a socket, and gives what comes back until the server closes it. */
function raw(port: number, chunks: string[], gapMs = 0): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => { text += d.toString(); });
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closed: true }));
    void (async () => {
      for (const c of chunks) {
        if (socket.destroyed) break;
        socket.write(c);
        if (gapMs) await new Promise((ok) => setTimeout(ok, gapMs));
      }
    })();
  });
}

describe('serve: bad requests', () => {
  let dir: string;
  let server: ServeHandle;
  before(async () => {
    dir = await makeClassifier(tempDir());
    server = await serve({ model: dir, port: 0, maxBodyBytes: 2000, bodyTimeoutMs: 300 });
  });
  after(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

  const healthy = async () => {
    const r = await request(server.url, '/', { inputs: 'still here' });
    assert.equal(r.status, 200, `after a bad request: ${r.text}`);
  };

  it('400 for invalid JSON, wrong types, empty inputs and unknown parameters, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      ['{"inputs": ', /not valid JSON/],
      ['[1, 2]', /must be a JSON object, got an array/],
      ['', /body is empty/],
      [{}, /inputs is required/],
      [{ inputs: 42 }, /inputs must be a string or \{"text", "text_pair"\}, got number/],
      [{ inputs: '' }, /inputs must not be empty/],
      [{ inputs: [] }, /inputs must not be an empty list/],
      [{ inputs: ['ok', 7] }, /inputs\[1\] must be a string/],
      [{ inputs: 'ok', parameters: 'fast' }, /parameters must be an object, got string/],
      [{ inputs: 'ok', parameters: { top_k: 'two' } }, /parameters\.top_k must be an integer, got "two"/],
      [{ inputs: 'ok', parameters: { top_k: 0 } }, /parameters\.top_k must be ≥ 1/],
      [{ inputs: 'ok', parameters: { temperature: 1 } }, /parameters\.temperature is not a parameter of this task \(known: top_k, function_to_apply\)/],
      [{ inputs: 'ok', parameters: { function_to_apply: 'tanh' } }, /function_to_apply must be one of softmax, sigmoid, none/],
      [{ inputs: 'ok', extra: 1 }, /extra is not a field of the request/],
      [{ inputs: [{ text: 'a', text_pair: 'b' }, 'c'] }, /all text pairs or all texts/],
    ];
    for (const [body, message] of cases) {
      const r = await request(server.url, '/', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.match((r.json as { error: string }).error, message);
    }
    await healthy();
  });

  it('413 for a body over --max-body-bytes (declared or streamed), 422 for an input over the token limit', async () => {
    let r = await request(server.url, '/', { inputs: 'word '.repeat(1000) });
    assert.equal(r.status, 413);
    assert.match(r.text, /over the limit of 2000 bytes/);
    // no Content-Length: the limit applies to what arrives
    const chunked = await raw(server.port, ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', `bb8\r\n${'x'.repeat(3000)}\r\n`]);
    assert.match(chunked.text, /^HTTP\/1\.1 413/);
    r = await request(server.url, '/', { inputs: 'film '.repeat(100) });
    assert.equal(r.status, 422);
    assert.match(r.text, /inputs has 102 tokens, more than the limit of 64 \(--max-input-tokens\)/);
    r = await request(server.url, '/', { inputs: ['short', 'film '.repeat(100)] });
    assert.match(r.text, /inputs\[1\] has 102 tokens/);
    r = await request(server.url, '/', { inputs: Array.from({ length: 40 }, () => 'a') });
    assert.equal(r.status, 422);
    assert.match(r.text, /inputs has 40 items, more than the limit of 32 per request \(--max-batch-size\)/);
    await healthy();
  });

  it('404 for an unknown route, 405 with Allow for a wrong method, 415 for a non-JSON content type', async () => {
    let r = await request(server.url, '/predict', { inputs: 'x' });
    assert.equal(r.status, 404);
    assert.match(r.text, /no route \/predict/);
    r = await request(server.url, '/', undefined);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
    r = await request(server.url, '/health', { inputs: 'x' });
    assert.equal(r.status, 405);
    r = await request(server.url, '/v1/chat/completions', { messages: [] });
    assert.equal(r.status, 404);
    assert.match(r.text, /chat completions need a text-generation model/);
    r = await request(server.url, '/', 'inputs=x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 415);
    await healthy();
  });

  it('408 and a closed socket for a client that does not finish its body in time; malformed HTTP is a 400', async () => {
    const started = Date.now();
    const slow = await raw(server.port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inp']);
    assert.match(slow.text, /^HTTP\/1\.1 408/);
    assert.match(slow.text, /not received within 300 ms/);
    assert.ok(slow.closed);
    assert.ok(Date.now() - started < 5000);
    const garbage = await raw(server.port, ['NOT HTTP AT ALL\r\n\r\n']);
    assert.match(garbage.text, /^HTTP\/1\.1 400/);
    await healthy();
  });

  it('survives clients that hang up mid-body or right after sending a request', async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(i % 2 ? 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"in' : 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n{"inputs": "hi"}');
          setTimeout(() => { socket.destroy(); resolve(); }, i * 5);
        });
      });
    }
    await healthy();
  });

  it('GET /health names the model and task', async () => {
    const r = await request(server.url, '/health');
    assert.equal(r.status, 200);
    assert.equal((r.json as { task: string }).task, 'text-classification');
  });
});

describe('serve: queue and timeouts', () => {
  it('503 with Retry-After when the queue is full, 504 past --timeout-ms, and both leave the server answering', async () => {
    const dir = await makeClassifier(tempDir());
    // a long wait for company keeps requests queued, so that the queue's bound is reached
    const server = await serve({ model: dir, port: 0, maxQueue: 2, maxWaitMs: 1500, maxBatchSize: 64 });
    try {
      const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => request(server.url, '/', { inputs: `text ${i}` })));
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 503, 503, 503]);
      const refused = replies.find((r) => r.status === 503)!;
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.match(refused.text, /queue is full \(2 requests waiting, --max-queue\)/);
      const metrics = (await request(server.url, '/metrics')).text;
      assert.match(metrics, /finetune_serve_requests_total\{route="\/",status="503"\} 3/);
    } finally {
      await server.close();
    }
    const slow = await serve({ model: dir, port: 0, maxWaitMs: 500, timeoutMs: 100 });
    try {
      const r = await request(slow.url, '/', { inputs: 'late' });
      assert.equal(r.status, 504);
      assert.match(r.text, /no answer within 100 ms \(--timeout-ms\)/);
      assert.equal((await request(slow.url, '/health')).status, 200);
    } finally {
      await slow.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve(): options', () => {
  it('rejects a bad option or task by name before listening', async () => {
    const dir = await makeClassifier(tempDir());
    try {
      await assert.rejects(serve({ model: dir, port: 0, maxBatchSize: 0 }), /maxBatchSize must be an integer ≥ 1, got 0/);
      await assert.rejects(serve({ model: dir, port: 0, maxWaitMs: -1 }), /maxWaitMs must be a number ≥ 0/);
      await assert.rejects(serve({ model: dir, port: 0, task: 'summarization' }), /unknown task 'summarization'/);
      await assert.rejects(serve({ model: '/nonexistent', port: 0 }), /cannot read \/nonexistent\/config\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
