// `finetune serve --model DIR [--task T] [--host H] [--port P] ...`: the model's pipeline over
// HTTP until SIGTERM or SIGINT, which stop accepting, answer what was received, and exit 0.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { flagsHelp, parseFlags } from './flags.js';
import { UsageError } from './options.js';

export const SERVE_FLAGS = {
  model: { kind: 'str', default: null, help: 'the model folder (config.json, weights, tokenizer)' },
  task: { kind: 'str', default: null, help: "text-classification | token-classification | question-answering | fill-mask | text-generation (default: from config.json's architectures)" },
  host: { kind: 'str', default: '127.0.0.1', help: 'address to listen on' },
  port: { kind: 'int', default: 8080, help: 'port to listen on (0: any free port)', min: 0 },
  max_batch_size: { kind: 'int', default: 32, help: 'most inputs in one pipeline call', min: 1 },
  max_wait_ms: { kind: 'num', default: 5, help: 'how long a request waits for others to batch with', min: 0 },
  max_queue: { kind: 'int', default: 256, help: 'requests that may wait before new ones get 503', min: 1 },
  max_body_bytes: { kind: 'int', default: 1 << 20, help: 'largest request body (413 beyond)', min: 1 },
  max_input_tokens: { kind: 'int', default: null, help: "longest input in tokens, 422 beyond (default: the model's maximum)", min: 1 },
  timeout_ms: { kind: 'int', default: 60_000, help: 'per-request time limit (504 beyond)', min: 1 },
  body_timeout_ms: { kind: 'int', default: 10_000, help: 'time to send the request body (408 beyond)', min: 1 },
} as const;

export const SERVE_USAGE = `usage: finetune serve --model DIR [options]

Routes: POST / (Inference API: {"inputs", "parameters"}), POST /v1/chat/completions (causal LMs
with a chat template), GET /health, GET /metrics (Prometheus), GET /v1/models.

${flagsHelp(SERVE_FLAGS)}
`;

export async function runServe(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  let args;
  try {
    args = parseFlags('serve', SERVE_FLAGS, argv);
    if (args.model === null) throw new UsageError('serve: --model DIR is required');
    if (!existsSync(join(args.model, 'config.json'))) throw new UsageError(`serve: ${join(args.model, 'config.json')} does not exist`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`finetune ${e.message}\n`);
    return 2;
  }
  const { serve } = await import('../serve/server.js');
  let handle;
  try {
    handle = await serve({
      model: args.model, task: args.task ?? undefined, host: args.host, port: args.port, maxBatchSize: args.max_batch_size,
      maxWaitMs: args.max_wait_ms, maxQueue: args.max_queue, maxBodyBytes: args.max_body_bytes, maxInputTokens: args.max_input_tokens ?? undefined,
      timeoutMs: args.timeout_ms, bodyTimeoutMs: args.body_timeout_ms,
    });
  } catch (e) {
    process.stderr.write(`finetune serve: failed: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`finetune serve: ${handle.task} on ${handle.url} (POST /, GET /health, GET /metrics)\n`);
  const server = handle;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`finetune serve: ${signal}: draining\n`);
      void server.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.stderr.write('finetune serve: stopped\n');
  return 0;
}
