// Random request bodies (seeded): every reply is a 200 or a 4xx with an {"error"} message, never
// a 500 or a dropped connection, and the server answers normally afterwards.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';

import { logging } from '../../src/index.js';
import { serve } from '../../src/serve/index.js';
import { makeChatModel, makeClassifier, request, tempDir } from './fixtures.js';

logging.setVerbosity('error');

/** mulberry32: a small seeded generator, so that a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function value(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor(r() * 200) - 100;
    case 3: return r() * 3 - 1;
    case 4: return ['', 'the film', '[MASK]', 'film '.repeat(Math.floor(r() * 80)), '\u{1F600} \uFFFD', 'user', 'softmax'][Math.floor(r() * 7)];
    case 5: return 'x'.repeat(Math.floor(r() * 5));
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: return Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [
      ['text', 'text_pair', 'top_k', 'function_to_apply', 'max_new_tokens', 'temperature', 'role', 'content', 'inputs'][Math.floor(r() * 9)], value(r, depth + 1)]));
  }
}

/** Good values of each field, mixed with random ones so that many requests get through to the model. */
const GOOD: Record<string, unknown[]> = {
  inputs: ['the film', ['a', 'the film is good'], { text: 'a', text_pair: 'b' }, [{ text: 'a', text_pair: 'b' }]],
  top_k: [1, 2, null], function_to_apply: ['sigmoid', 'none'],
  messages: [[{ role: 'user', content: 'hi' }], [{ role: 'system', content: 'x' }, { role: 'user', content: 'the film' }]],
  max_tokens: [1, 3], temperature: [0, 0.7], stream: [true, false], top_p: [0.9],
};
const field = (r: () => number, name: string): unknown => (r() < 0.6 ? GOOD[name][Math.floor(r() * GOOD[name].length)] : value(r));

function body(r: () => number, chat: boolean): unknown {
  if (r() < 0.1) return JSON.stringify(value(r)).slice(0, Math.floor(r() * 20)); // cut short: invalid JSON
  if (r() < 0.1) return value(r);
  const maybe = (name: string) => (r() < 0.5 ? { [name]: field(r, name) } : {});
  if (chat) return { messages: field(r, 'messages'), ...maybe('max_tokens'), ...maybe('temperature'), ...maybe('stream'), ...maybe('top_p') };
  return { inputs: field(r, 'inputs'), ...(r() < 0.7 ? { parameters: r() < 0.2 ? value(r) : { ...maybe('top_k'), ...maybe('function_to_apply') } } : {}) };
}

describe('serve: random bodies', () => {
  for (const kind of ['classifier', 'chat'] as const) {
    it(`${kind}: 200 or a 4xx with a message, and still answering`, async () => {
      const dir = kind === 'chat' ? await makeChatModel(tempDir()) : await makeClassifier(tempDir());
      const server = await serve({ model: dir, port: 0 });
      const r = rng(kind === 'chat' ? 17 : 42);
      try {
        for (let i = 0; i < 150; i++) {
          const path = kind === 'chat' && r() < 0.7 ? '/v1/chat/completions' : '/';
          const b = body(r, path !== '/');
          const reply = await request(server.url, path, b);
          assert.ok(reply.status === 200 || (reply.status >= 400 && reply.status < 500), `${path} ${JSON.stringify(b)} → ${reply.status} ${reply.text}`);
          if (reply.status !== 200) assert.equal(typeof (reply.json as { error?: unknown })?.error, 'string', reply.text);
        }
        assert.equal((await request(server.url, '/health')).status, 200);
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
