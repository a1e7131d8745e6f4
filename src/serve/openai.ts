// OpenAI-compatible chat completions (POST /v1/chat/completions) for a causal LM whose
// tokenizer has a chat template: the messages rendered by applyChatTemplate, generate() over
// the prompt, and the reply as `chat.completion`, or with `stream: true` as server-sent
// `chat.completion.chunk` events ending in `data: [DONE]`. The text is decoded as the
// text-generation pipeline decodes it (the whole sequence, less the prompt's text), so that a
// reply equals what pipeline('text-generation') gives for the same messages.
import { randomUUID } from 'node:crypto';

import * as torch from '../engine/torch.js';
import type { BaseStreamer } from '../generation/streamers.js';
import { modelGenerationConfig } from '../generation/utils.js';
import type { TextGenerator } from '../pipelines/index.js';
import type { ChatMessage } from '../pipelines/text_generation.js';
import { HttpError } from './http.js';
import { bad, check } from './params.js';
import { checkGenerationLength } from './task_generation.js';

export interface ChatRequest {
  messages: ChatMessage[];
  promptIds: number[];
  options: { maxNewTokens: number; doSample?: boolean; temperature?: number; topP?: number };
  stream: boolean;
  includeUsage: boolean;
  model: string;
}

export interface ChatResult { content: string; finishReason: 'stop' | 'length'; promptTokens: number; completionTokens: number }

/** The request fields understood here (`model` and `user` are accepted and change nothing); any other is a 400. */
const KNOWN = new Set(['model', 'user', 'n', 'stream_options', 'max_completion_tokens', 'max_tokens', 'messages', 'temperature', 'top_p', 'stream']);

function readMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw bad('messages must be a non-empty list of {"role", "content"}');
  return value.map((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw bad(`messages[${i}] must be an object with role and content`);
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !['system', 'user', 'assistant', 'developer'].includes(role)) throw bad(`messages[${i}].role must be one of system, user, assistant, developer`);
    if (typeof content !== 'string') throw bad(`messages[${i}].content must be a string`);
    return { role, content };
  });
}

/** The request body checked and the prompt tokenized (400 / 422 before anything is queued). */
export async function parseChatRequest(generator: TextGenerator, body: Record<string, unknown>, maxTokens: number, modelName: string): Promise<ChatRequest> {
  for (const key of Object.keys(body)) if (!KNOWN.has(key)) throw bad(`${key} is not supported by this server (supported: messages, max_tokens, temperature, top_p, stream, stream_options)`);
  const messages = readMessages(body.messages);
  if (body.n !== undefined && body.n !== 1) throw bad('n must be 1 (one choice per request)');
  if (body.model !== undefined) check('model', body.model, 'string');
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const field = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const maxNew = limit === undefined || limit === null ? undefined : check(field, limit, 'integer', { min: 1 }) as number;
  const temperature = body.temperature === undefined || body.temperature === null ? undefined : check('temperature', body.temperature, 'number', { min: 0, max: 2 }) as number;
  const topP = body.top_p === undefined || body.top_p === null ? undefined : check('top_p', body.top_p, 'number', { gt: 0, max: 1 }) as number;
  const stream = body.stream === undefined || body.stream === null ? false : check('stream', body.stream, 'boolean') as boolean;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (typeof body.stream_options !== 'object' || Array.isArray(body.stream_options)) throw bad('stream_options must be an object');
    const v = (body.stream_options as Record<string, unknown>).include_usage;
    includeUsage = v === undefined ? false : check('stream_options.include_usage', v, 'boolean') as boolean;
  }
  const tokenizer = generator.tokenizer;
  if (tokenizer.chatTemplate === null) throw new HttpError(400, 'this model\'s tokenizer has no chat template; use POST / with "inputs"');
  let prompt: string;
  try {
    prompt = tokenizer.applyChatTemplate(messages as unknown as Parameters<typeof tokenizer.applyChatTemplate>[0], { tokenize: false, addGenerationPrompt: true }) as string;
  } catch (e) {
    throw bad(`messages could not be rendered by the chat template: ${(e as Error).message}`);
  }
  // the template holds the special tokens already (as the pipeline: add_special_tokens=False)
  const promptIds = await tokenizer.encode(prompt, null, { addSpecialTokens: false });
  const maxNewTokens = checkGenerationLength(generator, 'messages', promptIds.length, maxNew ?? defaultMaxTokens(generator, promptIds.length), maxTokens);
  const options: ChatRequest['options'] = { maxNewTokens };
  // OpenAI's temperature 0 is greedy; left out, the model's generation config decides
  if (temperature !== undefined) Object.assign(options, temperature === 0 ? { doSample: false } : { doSample: true, temperature });
  if (topP !== undefined) options.topP = topP;
  return { messages, promptIds, options, stream, includeUsage, model: typeof body.model === 'string' ? body.model : modelName };
}

/** Without max_tokens: the generation config's max_new_tokens, else up to DEFAULT_MAX_TOKENS within the positions left (not max_length's 20 in all, which a chat prompt alone may exceed). */
export const DEFAULT_MAX_TOKENS = 256;
function defaultMaxTokens(generator: TextGenerator, promptTokens: number): number {
  const own = modelGenerationConfig(generator.model).maxNewTokens;
  if (own !== null) return own;
  const positions = (generator.model.config as unknown as { maxPositionEmbeddings?: number }).maxPositionEmbeddings ?? Infinity;
  return Math.max(1, Math.min(DEFAULT_MAX_TOKENS, positions - promptTokens));
}

/** The continuation's text as the pipeline decodes it, handed on as it grows (an unfinished UTF-8 character held back). */
class ContinuationStreamer implements BaseStreamer {
  private ids: number[] = [];
  private promptText = '';
  private printed = 0;
  private started = false;
  constructor(private readonly generator: TextGenerator, private readonly onDelta: (text: string) => void) {}
  private text(): string {
    return this.generator.tokenizer.decode(this.ids, { skipSpecialTokens: true }).slice(this.promptText.length);
  }
  put(tokenIds: number[]): void {
    this.ids.push(...tokenIds);
    if (!this.started) {
      this.started = true;
      this.promptText = this.generator.tokenizer.decode(this.ids, { skipSpecialTokens: true });
      return;
    }
    const text = this.text();
    const stable = text.endsWith('\uFFFD') ? text.slice(0, text.lastIndexOf('\uFFFD')) : text;
    if (stable.length > this.printed) {
      this.onDelta(stable.slice(this.printed));
      this.printed = stable.length;
    }
  }
  end(): void {
    const text = this.started ? this.text() : '';
    if (text.length > this.printed) this.onDelta(text.slice(this.printed));
    this.printed = text.length;
  }
}

/** generate() over the chat's prompt; onDelta (for a stream) receives the text as it is produced. */
export function runChat(generator: TextGenerator, request: ChatRequest, onDelta?: (text: string) => void): ChatResult {
  const { tokenizer, model } = generator;
  const prompt = request.promptIds;
  const padTokenId = tokenizer.padTokenId ?? undefined;
  const streamer = onDelta ? new ContinuationStreamer(generator, onDelta) : null;
  const out = torch.tidy(() => model.generate({ input_ids: torch.tensor([prompt], { dtype: 'int64' }), attention_mask: torch.ones([1, prompt.length], { dtype: 'int64' }) },
    { ...request.options, ...(padTokenId !== undefined ? { padTokenId } : {}), streamer }));
  let row: number[];
  try {
    row = (out.tolist() as number[][])[0];
  } finally {
    out.dispose();
  }
  const generated = row.slice(prompt.length);
  const content = tokenizer.decode(row, { skipSpecialTokens: true }).slice(tokenizer.decode(prompt, { skipSpecialTokens: true }).length);
  const eos = modelGenerationConfig(model).eosIds();
  const last = generated.at(-1);
  const finishReason = last !== undefined && eos.includes(last) ? 'stop' : 'length';
  return { content, finishReason, promptTokens: prompt.length, completionTokens: generated.length };
}

export function completionId(): string {
  return `chatcmpl-${randomUUID().replace(/-/g, '')}`;
}

export function completionBody(id: string, request: ChatRequest, result: ChatResult): unknown {
  return {
    id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: result.content }, logprobs: null, finish_reason: result.finishReason }],
    usage: usage(result),
  };
}

const usage = (r: ChatResult) => ({ prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, total_tokens: r.promptTokens + r.completionTokens });

/** One `data:` line of the stream. */
export function chunkEvent(id: string, request: ChatRequest, created: number, delta: Record<string, unknown> | null, finishReason: string | null = null, result?: ChatResult): string {
  const choices = delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finishReason }];
  const chunk: Record<string, unknown> = { id, object: 'chat.completion.chunk', created, model: request.model, choices };
  if (result) chunk.usage = usage(result);
  return `data: ${JSON.stringify(chunk)}\n\n`;
}
