// The HTTP plumbing of `finetune serve`: an error that carries its status, reading a request
// body under a size limit (413) and a time limit (408, for clients that stop sending), JSON
// parsing that names what is wrong (400), and the JSON / error responses.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A deliberate HTTP error: its status, a message for the client, and extra headers. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface BodyLimits {
  maxBodyBytes: number;
  /** The whole body must have arrived within this many milliseconds. */
  bodyTimeoutMs: number;
}

/**
 * The request body as a Buffer. A declared or actual size over the limit is a 413, a body that
 * has not finished arriving in time a 408; in both cases the socket is closed once the reply is
 * sent (the rest of the body is not worth reading).
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
      reject(new HttpError(413, `request body of ${declared} bytes is over the limit of ${limits.maxBodyBytes} bytes (--max-body-bytes)`, { Connection: 'close' }));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: HttpError | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) finish(new HttpError(413, `request body is over the limit of ${limits.maxBodyBytes} bytes (--max-body-bytes)`, { Connection: 'close' }));
      else chunks.push(chunk);
    };
    const timer = setTimeout(() => finish(new HttpError(408, `request body not received within ${limits.bodyTimeoutMs} ms`, { Connection: 'close' })), limits.bodyTimeoutMs);
    req.on('data', onData);
    req.once('end', () => finish(null));
    req.once('error', () => finish(new HttpError(400, 'the request body could not be read', { Connection: 'close' })));
    req.once('aborted', () => finish(new HttpError(400, 'the client aborted the request', { Connection: 'close' })));
  });
}

/** The body parsed as a JSON object; anything else is a 400 that says what was wrong. */
export function parseJsonObject(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (contentType && !/^application\/(.+\+)?json\b|^text\/plain\b/i.test(contentType)) {
    throw new HttpError(415, `Content-Type must be application/json, got '${contentType}'`);
  }
  if (body.length === 0) throw new HttpError(400, 'the request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `the request body must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An error reply in the Inference API's shape ({"error": message}); "Connection: close" also closes the socket. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.message }, error.headers);
  if (error.headers.Connection === 'close') res.once('finish', () => res.socket?.destroy());
}
