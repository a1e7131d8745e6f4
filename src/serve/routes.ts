// The request handlers of `finetune serve`: the Inference API (POST /), chat completions
// (POST /v1/chat/completions, plain or streamed), /health, /metrics and /v1/models. Every
// failure becomes a JSON {"error": message} with its status; nothing here throws to the server.
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { TextGenerator } from '../pipelines/index.js';
import type { Batcher } from './batcher.js';
import { HttpError, parseJsonObject, readBody, sendError, sendJson, type BodyLimits } from './http.js';
import type { Metrics } from './metrics.js';
import { chunkEvent, completionBody, completionId, parseChatRequest, runChat, type ChatRequest, type ChatResult } from './openai.js';
import type { TaskHandler } from './tasks.js';

export interface ServerState {
  handler: TaskHandler;
  batcher: Batcher;
  metrics: Metrics;
  limits: BodyLimits;
  maxInputTokens: number;
  modelName: string;
  /** Whether chat completions are offered: a causal LM whose tokenizer has a chat template. */
  chat: boolean;
  draining: boolean;
}

/** The routes and the methods each takes (anything else: 404, or 405 with Allow). */
export const ROUTES: Record<string, string[]> = {
  '/': ['POST'], '/v1/chat/completions': ['POST'], '/health': ['GET'], '/metrics': ['GET'], '/v1/models': ['GET'],
};

/** Parameters in one canonical order, so that equal options give equal batch keys. */
const batchKey = (group: string | undefined, params: Record<string, unknown>): string =>
  JSON.stringify([group ?? '', Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))]);

export async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  try {
    if (state.draining) throw new HttpError(503, 'the server is shutting down', { Connection: 'close', 'Retry-After': '1' });
    if (path === '/health') return sendJson(res, 200, { status: 'ok', model: state.modelName, task: state.handler.task, chat: state.chat, queue_depth: state.batcher.depth });
    if (path === '/metrics') {
      const text = state.metrics.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (path === '/v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: state.modelName, object: 'model', created: 0, owned_by: 'finetune' }] });
    if (path === '/v1/chat/completions' && !state.chat) {
      req.resume();
      throw new HttpError(404, state.handler.task === 'text-generation'
        ? "chat completions need a chat template in the model's tokenizer (tokenizer_config.json chat_template or chat_template.jinja)"
        : `chat completions need a text-generation model; this one serves ${state.handler.task} at POST /`);
    }
    const body = parseJsonObject(await readBody(req, state.limits), req.headers['content-type']);
    if (path === '/') await inference(state, body, res);
    else await chat(state, body, res);
  } catch (error) {
    replyError(res, error);
  }
}

function replyError(res: ServerResponse, error: unknown): void {
  if (!(error instanceof HttpError)) process.stderr.write(`finetune serve: ${(error as Error).stack ?? String(error)}\n`);
  const e = error instanceof HttpError ? error : new HttpError(500, `the pipeline failed: ${(error as Error).message ?? String(error)}`);
  if (!res.headersSent) return sendError(res, e);
  // a stream already under way: say so in the stream and end it
  if (!res.writableEnded) res.end(`data: ${JSON.stringify({ error: e.message })}\n\ndata: [DONE]\n\n`);
}

async function inference(state: ServerState, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const { handler } = state;
  const job = handler.parse(body);
  // one request of many inputs would hold the model for all of them at once
  if (job.items.length > state.batcher.options.maxBatchSize) {
    throw new HttpError(422, `inputs has ${job.items.length} items, more than the limit of ${state.batcher.options.maxBatchSize} per request (--max-batch-size)`);
  }
  await handler.checkLength(job, state.maxInputTokens);
  const results = await state.batcher.submit({
    key: batchKey(job.group, job.params), items: job.items, batchable: handler.batchable,
    execute: (items) => handler.run(items, job.params),
  });
  sendJson(res, 200, handler.reply(results, job));
}

let chatCount = 0;

async function chat(state: ServerState, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const generator = state.handler.generator as TextGenerator;
  const request = await parseChatRequest(generator, body, state.maxInputTokens, state.modelName);
  const id = completionId();
  const [result] = await state.batcher.submit({
    key: `chat#${chatCount++}`, items: [request], batchable: false,
    execute: async () => [request.stream ? stream(generator, request, id, res) : runChat(generator, request)],
  }) as ChatResult[];
  if (!request.stream) sendJson(res, 200, completionBody(id, request, result));
}

/** The chunks of one streamed completion, each pushed to the socket as soon as it exists. */
function stream(generator: TextGenerator, request: ChatRequest, id: string, res: ServerResponse): ChatResult {
  const created = Math.floor(Date.now() / 1000);
  if (res.destroyed) return { content: '', finishReason: 'length', promptTokens: request.promptIds.length, completionTokens: 0 }; // the client left while queued
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  // generate() holds the event loop while it runs: Node's http corks each write until the next
  // tick, so each event is uncorked by hand to reach the client while later tokens are computed
  const send = (text: string) => {
    if (res.destroyed) return;
    res.write(text);
    res.socket?.uncork();
  };
  send(chunkEvent(id, request, created, { role: 'assistant', content: '' }));
  const result = runChat(generator, request, (text) => send(chunkEvent(id, request, created, { content: text })));
  send(chunkEvent(id, request, created, {}, result.finishReason));
  if (request.includeUsage) send(chunkEvent(id, request, created, null, null, result));
  res.end('data: [DONE]\n\n');
  return result;
}
