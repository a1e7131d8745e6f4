// POST /v1/chat/completions: the reply's content is what pipeline('text-generation') gives for
// the same messages (greedy), usage counts the prompt's and the new tokens, finish_reason is
// 'length' at max_tokens and 'stop' at an end token, and the stream (server-sent events)
// carries the same text in chat.completion.chunk events ending with [DONE].
import assert from 'node:assert/strict';
import { cpSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { logging, pipeline, torch, type TextGenerator } from '../../src/index.js';
import { serve, type ServeHandle } from '../../src/serve/index.js';
import { makeChatModel, request, tempDir } from './fixtures.js';

logging.setVerbosity('error');

const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'is the film good?' }];

interface Completion {
  object: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
interface Chunk { object: string; id: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: Completion['usage'] }

/** The `data:` payloads of a server-sent event stream. */
function events(text: string): string[] {
  assert.ok(text.endsWith('\n\n'), 'events end with a blank line');
  return text.trim().split('\n\n').map((e) => {
    assert.ok(e.startsWith('data: '), e);
    return e.slice(6);
  });
}

async function promptIds(generator: TextGenerator): Promise<number[]> {
  const prompt = generator.tokenizer.applyChatTemplate(messages, { tokenize: false, addGenerationPrompt: true }) as string;
  return generator.tokenizer.encode(prompt, null, { addSpecialTokens: false });
}

describe('serve: chat completions', () => {
  let dir: string;
  let server: ServeHandle;
  let generator: TextGenerator;
  before(async () => {
    dir = await makeChatModel(tempDir());
    server = await serve({ model: dir, port: 0 });
    generator = await pipeline('text-generation', dir);
  });
  after(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

  it("gives the pipeline's reply with usage and finish_reason 'length'", async () => {
    const r = await request(server.url, '/v1/chat/completions', { model: 'x', messages, max_tokens: 8, temperature: 0 });
    assert.equal(r.status, 200, r.text);
    const body = r.json as Completion;
    assert.equal(body.object, 'chat.completion');
    const [expected] = await generator(messages, { maxNewTokens: 8 });
    const conversation = expected.generated_text as { role: string; content: string }[];
    assert.deepEqual(body.choices[0].message, conversation.at(-1));
    assert.equal(body.choices[0].finish_reason, 'length');
    const prompt = (await promptIds(generator)).length;
    assert.deepEqual(body.usage, { prompt_tokens: prompt, completion_tokens: 8, total_tokens: prompt + 8 });
  });

  it('streams the same text as the plain reply, as chat.completion.chunk events then [DONE]', async () => {
    const plain = (await request(server.url, '/v1/chat/completions', { messages, max_tokens: 12 })).json as Completion;
    const r = await request(server.url, '/v1/chat/completions', { messages, max_tokens: 12, stream: true, stream_options: { include_usage: true } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const data = events(r.text);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    assert.equal(text, plain.choices[0].message.content);
    assert.ok(chunks.filter((c) => c.choices[0]?.delta.content).length > 1, 'the text comes in several chunks');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    assert.deepEqual(finish.map((c) => c.choices[0].finish_reason), ['length']);
    assert.deepEqual(chunks.at(-1)!.usage, plain.usage);
  });

  it('without max_tokens, generates up to the positions the prompt leaves (the model has 64, no max_new_tokens of its own)', async () => {
    const body = (await request(server.url, '/v1/chat/completions', { messages })).json as Completion;
    assert.equal(body.usage.total_tokens, 64);
    assert.equal(body.choices[0].finish_reason, 'length');
  });

  it('GET /v1/models lists the served model; /health says chat is offered', async () => {
    const models = (await request(server.url, '/v1/models')).json as { data: { id: string }[] };
    assert.deepEqual(models.data.map((m) => m.id), [(await request(server.url, '/health')).json].map((h) => (h as { model: string }).model));
    assert.equal(((await request(server.url, '/health')).json as { chat: boolean }).chat, true);
  });

  it('400 for bad messages and fields, 422 for a prompt over the limit; the server answers afterwards', async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{}, 400, /messages must be a non-empty list/],
      [{ messages: [] }, 400, /messages must be a non-empty list/],
      [{ messages: [{ role: 'user' }] }, 400, /messages\[0\]\.content must be a string/],
      [{ messages: [{ role: 'robot', content: 'x' }] }, 400, /messages\[0\]\.role must be one of/],
      [{ messages, max_tokens: 0 }, 400, /max_tokens must be ≥ 1/],
      [{ messages, temperature: 'hot' }, 400, /temperature must be a number/],
      [{ messages, stream: 'yes' }, 400, /stream must be true or false/],
      [{ messages, n: 2 }, 400, /n must be 1/],
      [{ messages, tools: [] }, 400, /tools is not supported/],
      [{ messages: [{ role: 'user', content: 'film '.repeat(80) }] }, 422, /messages has \d+ tokens, more than the limit of 64/],
      [{ messages, max_tokens: 60 }, 422, /more than the model's 64 positions/],
    ];
    for (const [body, status, message] of cases) {
      const r = await request(server.url, '/v1/chat/completions', body);
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.match((r.json as { error: string }).error, message);
    }
    assert.equal((await request(server.url, '/v1/chat/completions', { messages, max_tokens: 2 })).status, 200);
  });

  it("finish_reason 'stop' when the model produces its end token", async () => {
    // the end token is the one greedy decoding produces first, so the reply stops after one token
    const ids = await promptIds(generator);
    const out = generator.model.generate(torch.tensor([ids]), { maxNewTokens: 1 });
    const eos = (out.tolist() as number[][])[0].at(-1)!;
    out.dispose();
    const stopDir = tempDir();
    cpSync(dir, stopDir, { recursive: true });
    writeFileSync(join(stopDir, 'generation_config.json'), JSON.stringify({ eos_token_id: eos, pad_token_id: 0 }));
    const stopping = await serve({ model: stopDir, port: 0 });
    try {
      const body = (await request(stopping.url, '/v1/chat/completions', { messages, max_tokens: 10 })).json as Completion;
      assert.equal(body.choices[0].finish_reason, 'stop');
      assert.equal(body.usage.completion_tokens, 1);
    } finally {
      await stopping.close();
      rmSync(stopDir, { recursive: true, force: true });
    }
  });

  it('404 for chat completions when the tokenizer has no chat template', async () => {
    const plainDir = tempDir();
    cpSync(dir, plainDir, { recursive: true });
    unlinkSync(join(plainDir, 'chat_template.jinja'));
    const plain = await serve({ model: plainDir, port: 0 });
    try {
      const r = await request(plain.url, '/v1/chat/completions', { messages });
      assert.equal(r.status, 404);
      assert.match(r.text, /need a chat template/);
      assert.equal((await request(plain.url, '/', { inputs: 'still', parameters: { max_new_tokens: 2 } })).status, 200);
    } finally {
      await plain.close();
      rmSync(plainDir, { recursive: true, force: true });
    }
  });
});
