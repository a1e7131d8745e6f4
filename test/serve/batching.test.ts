// Dynamic batching: concurrent requests run as one pipeline call (the batch-size histogram in
// /metrics counts a call of more than one item), each request still gets its own results, and
// requests with different parameters are not mixed into one call.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { logging, pipeline } from '../../src/index.js';
import { Batcher, serve, type ServeHandle } from '../../src/serve/index.js';
import { makeClassifier, metric, request, tempDir } from './fixtures.js';

logging.setVerbosity('error');

describe('serve: dynamic batching', () => {
  let dir: string;
  let server: ServeHandle;
  before(async () => {
    dir = await makeClassifier(tempDir());
    server = await serve({ model: dir, port: 0, maxWaitMs: 100, maxBatchSize: 8 });
  });
  after(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

  it('concurrent requests share pipeline calls of up to max-batch-size items, each with its own answer', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `the film number ${i} is ${i % 2 ? 'good' : 'bad'}`);
    const replies = await Promise.all(texts.map((t) => request(server.url, '/', { inputs: t })));
    const clf = await pipeline('text-classification', dir);
    for (const [i, r] of replies.entries()) {
      assert.equal(r.status, 200);
      const [want] = await clf(texts[i]);
      const [got] = r.json as { label: string; score: number }[];
      assert.equal(got.label, want.label, texts[i]);
      assert.ok(Math.abs(got.score - want.score) < 1e-6, `${texts[i]}: ${got.score} vs ${want.score}`);
    }
    const text = (await request(server.url, '/metrics')).text;
    const calls = metric(text, 'finetune_serve_batch_size_count');
    const items = metric(text, 'finetune_serve_batch_size_sum');
    assert.equal(items, 12);
    assert.ok(calls < 12, `12 concurrent requests ran in ${calls} pipeline calls`);
    // no call above max-batch-size (8)
    assert.equal(metric(text, 'finetune_serve_batch_size_bucket{le="8"}'), calls);
    assert.ok(metric(text, 'finetune_serve_batch_size_bucket{le="1"}') < calls, 'some call had more than one item');
    assert.match(text, /# TYPE finetune_serve_request_duration_seconds histogram/);
    assert.match(text, /finetune_serve_request_duration_seconds_count\{route="\/"\} 12/);
    assert.match(text, /finetune_serve_queue_depth 0/);
  });
});

describe('Batcher', () => {
  it('groups by key and splits results back; one failing request does not fail its batch mates', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher({ maxBatchSize: 10, maxWaitMs: 20, maxQueue: 10, timeoutMs: 1000, onBatch: (n) => sizes.push(n) });
    const double = async (items: unknown[]) => {
      if (items.includes('boom')) throw new Error('boom');
      return items.map((x) => `${x}${x}`);
    };
    const results = await Promise.allSettled([
      batcher.submit({ key: 'a', items: ['x', 'y'], batchable: true, execute: double }),
      batcher.submit({ key: 'b', items: ['z'], batchable: true, execute: double }),
      batcher.submit({ key: 'a', items: ['w'], batchable: true, execute: double }),
      batcher.submit({ key: 'a', items: ['boom'], batchable: true, execute: double }),
    ]);
    assert.deepEqual(results.slice(0, 3).map((r) => (r as PromiseFulfilledResult<unknown>).value), [['xx', 'yy'], ['zz'], ['ww']]);
    assert.equal(results[3].status, 'rejected');
    // key a: one call of 4 items (failed), then each alone; key b: one call
    assert.deepEqual(sizes, [4, 2, 1, 1, 1]);
    await batcher.idle();
  });
});
