// serve({ model, ... }): the model's pipeline behind an HTTP server (Node's http), with the
// lifecycle: listen, count requests in flight, and close() = stop accepting, let the queued
// and running requests finish and their replies go out, then close every connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';

import { Batcher } from './batcher.js';
import { Metrics } from './metrics.js';
import { handle, ROUTES, type ServerState } from './routes.js';
import { loadTask, type TaskHandler } from './tasks.js';
import { HttpError, sendError } from './http.js';

export interface ServeOptions {
  /** The model folder (config.json, weights, tokenizer). */
  model: string;
  /** The pipeline task; by default from config.json's architectures. */
  task?: string;
  host?: string;
  /** 0 for any free port (the handle's `port` says which). */
  port?: number;
  /** Most items in one pipeline call (32). */
  maxBatchSize?: number;
  /** How long the first request of a batch waits for others (5 ms). */
  maxWaitMs?: number;
  /** Requests that may wait for the model before new ones get 503 (256). */
  maxQueue?: number;
  /** Largest request body (1 MiB); larger is a 413. */
  maxBodyBytes?: number;
  /** Longest input in tokens (the model's own maximum); longer is a 422. */
  maxInputTokens?: number;
  /** From the request's arrival to its reply (60 s); later is a 504. */
  timeoutMs?: number;
  /** A body must have arrived within this time (10 s); else 408 and the socket is closed. */
  bodyTimeoutMs?: number;
  /** The model's name in replies (the folder's name). */
  modelName?: string;
}

export interface ServeHandle {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly task: string;
  readonly metrics: Metrics;
  /** Stop accepting, answer what was received, close the connections. */
  close(): Promise<void>;
}

/** An option's value or its default; integers (counts, bytes, milliseconds) except where a fraction is fine; Infinity allowed as "no limit". */
function setting(name: string, value: number | undefined, fallback: number, { min = 1, integer = true } = {}): number {
  const v = value ?? fallback;
  const ok = typeof v === 'number' && v >= min && (!integer || Number.isInteger(v) || v === Infinity);
  if (!ok) throw new RangeError(`serve: ${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${value}`);
  return v;
}

export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const maxBatchSize = setting('maxBatchSize', options.maxBatchSize, 32);
  const maxWaitMs = setting('maxWaitMs', options.maxWaitMs, 5, { min: 0, integer: false });
  const handler: TaskHandler = await loadTask(options.model, options.task, { maxBatchSize });
  let inFlight = 0;
  let metrics: Metrics | null = null;
  const batcher = new Batcher({
    maxBatchSize, maxWaitMs, maxQueue: setting('maxQueue', options.maxQueue, 256),
    timeoutMs: setting('timeoutMs', options.timeoutMs, 60_000), onBatch: (n) => metrics?.observeBatch(n),
  });
  metrics = new Metrics(() => batcher.depth, () => inFlight);
  const state: ServerState = {
    handler, batcher, metrics,
    limits: { maxBodyBytes: setting('maxBodyBytes', options.maxBodyBytes, 1 << 20), bodyTimeoutMs: setting('bodyTimeoutMs', options.bodyTimeoutMs, 10_000) },
    maxInputTokens: setting('maxInputTokens', options.maxInputTokens, handler.modelMaxTokens),
    modelName: options.modelName ?? basename(resolve(options.model)),
    chat: handler.task === 'text-generation' && handler.tokenizer.chatTemplate !== null,
    draining: false,
  };
  const server = createServer((req, res) => onRequest(state, req, res, () => inFlight++, () => inFlight--));
  // slow senders of headers are Node's to time out; bodies are timed in readBody (408 with a message)
  server.headersTimeout = state.limits.bodyTimeoutMs;
  server.requestTimeout = 0;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n{"error":"malformed HTTP request"}');
    else socket.destroy();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8080, host, () => { server.off('error', fail); ok(); });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => (closing ??= drain(state, server, () => inFlight));
  return { server, host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, task: handler.task, metrics, close };
}

function onRequest(state: ServerState, req: IncomingMessage, res: ServerResponse, enter: () => void, leave: () => void): void {
  const started = process.hrtime.bigint();
  const path = (req.url ?? '/').split('?')[0];
  const methods = ROUTES[path];
  const route = methods ? path : 'other';
  enter();
  // a client that goes away mid-request is not the server's error: the reply is simply dropped
  req.on('error', () => {});
  res.on('error', () => {});
  res.once('close', () => {
    leave();
    state.metrics.record(route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
  });
  if (!methods) {
    req.resume();
    return sendError(res, new HttpError(404, `no route ${path} (routes: ${Object.entries(ROUTES).map(([p, m]) => `${m.join('|')} ${p}`).join(', ')})`));
  }
  if (!methods.includes(req.method ?? '')) {
    req.resume();
    return sendError(res, new HttpError(405, `${req.method} is not allowed on ${path} (use ${methods.join(', ')})`, { Allow: methods.join(', ') }));
  }
  void handle(state, req, res, path);
}

/** Stop listening, wait for the queue and the requests in flight, then close the remaining (idle) connections. */
async function drain(state: ServerState, server: Server, inFlight: () => number): Promise<void> {
  state.draining = true;
  const closed = new Promise<void>((ok) => server.close(() => ok()));
  server.closeIdleConnections();
  await state.batcher.idle();
  while (inFlight() > 0) await new Promise((ok) => setTimeout(ok, 5));
  server.closeAllConnections();
  await closed;
}
