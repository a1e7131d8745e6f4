// Chat templates, as transformers' apply_chat_template renders them: a Jinja template (from
// tokenizer_config.json's `chat_template`, a named list of them, or chat_template.jinja) given
// the messages, tools, documents, add_generation_prompt, the special tokens and any extra
// variables. Rendering uses @huggingface/jinja (the renderer transformers.js uses), which
// compiles with transformers' trim_blocks/lstrip_blocks and has its tojson and strftime_now;
// its raise_exception throws the template's own message, which reaches the caller.
import { Template } from '@huggingface/jinja';

export type ChatMessage = { role: string; content?: unknown; [key: string]: unknown };
export type Conversation = ChatMessage[];
/** A tokenizer's templates: one, or several by name (tokenizer_config.json's list form). */
export type ChatTemplates = string | Record<string, string>;

/** A template raised (raise_exception) or failed to render. */
export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

/** transformers' get_chat_template: the template to use, by argument, name or default. */
export function selectChatTemplate(stored: ChatTemplates | null, chatTemplate: string | undefined, hasTools: boolean): string {
  if (stored !== null && typeof stored === 'object') {
    if (chatTemplate !== undefined && Object.hasOwn(stored, chatTemplate)) return stored[chatTemplate];
    if (chatTemplate !== undefined) return chatTemplate;
    if (hasTools && Object.hasOwn(stored, 'tool_use')) return stored.tool_use;
    if (Object.hasOwn(stored, 'default')) return stored.default;
    throw new ChatTemplateError(`this tokenizer has several chat templates and none is named 'default'; pass chatTemplate: one of ${Object.keys(stored).sort().join(', ')}`);
  }
  const template = chatTemplate ?? stored;
  if (template === null || template === undefined) {
    throw new ChatTemplateError('applyChatTemplate: the tokenizer has no chat_template (tokenizer_config.json or chat_template.jinja) and no chatTemplate was passed');
  }
  return template;
}

/** tokenizer_config.json's chat_template value (a string or [{name, template}]) as ChatTemplates. */
export function parseChatTemplateField(value: unknown, source: string): ChatTemplates | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const out: Record<string, string> = {};
    value.forEach((entry, i) => {
      const { name, template } = (entry ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw new Error(`${source}: chat_template[${i}] must be {"name": string, "template": string}`);
      }
      Object.defineProperty(out, name, { value: template, enumerable: true, writable: true, configurable: true });
    });
    return out;
  }
  throw new Error(`${source}: chat_template must be a string or a list of {"name", "template"}, got ${typeof value}`);
}

// ----- rendering -----------------------------------------------------------------------------

// Markers for {% generation %} spans: noncharacters, which no tokenizer vocabulary holds.
const GEN_START = '\uFDD0';
const GEN_END = '\uFDD1';
const GENERATION_TAG = /\{%(-?)\s*(end)?generation\s*(-?)%\}/g;

export function hasGenerationTags(template: string): boolean {
  return new RegExp(GENERATION_TAG.source).test(template);
}

const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let t = compiled.get(source);
  if (!t) {
    try {
      t = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`chat template does not parse: ${(e as Error).message}`);
    }
    if (compiled.size > 64) compiled.clear();
    compiled.set(source, t);
  }
  return t;
}

/**
 * The template with each {% generation %}/{% endgeneration %} written as an empty block that
 * outputs a marker, keeping the tag's whitespace control and trim/lstrip behaviour.
 */
function withGenerationMarkers(template: string): string {
  return template.replace(GENERATION_TAG, (_m, left: string, end: string | undefined, right: string) =>
    `{%${left} if true %}${end ? GEN_END : GEN_START}{% endif ${right}%}`);
}

export interface RenderOptions {
  tools?: unknown[] | null;
  documents?: unknown[] | null;
  addGenerationPrompt?: boolean;
  continueFinalMessage?: boolean | string;
  /** Variables the template sees besides messages/tools/documents/add_generation_prompt (special tokens, extra kwargs). */
  variables?: Record<string, unknown>;
}

export interface Rendered {
  text: string;
  /** [start, end) UTF-16 ranges of {% generation %} blocks; null when not tracked. */
  generationSpans: [number, number][] | null;
}

const REASONING_FIELDS = ['reasoning_content', 'thinking', 'reasoning'];
const CONTINUE_TAG = 'CONTINUE_FINAL_MESSAGE_TAG ';

/** Plain JSON data, as transformers' _plain_template_data leaves it (functions and class instances refused). */
function plainData(value: unknown, where: string): unknown {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v, i) => plainData(v, `${where}[${i}]`));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`applyChatTemplate: ${where} is a ${proto?.constructor?.name ?? 'object'}; chat templates take plain JSON data`);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plainData(v, `${where}.${k}`);
    return out;
  }
  throw new TypeError(`applyChatTemplate: ${where} is a ${typeof value}; chat templates take plain JSON data`);
}

/** transformers' _normalize_chat_messages + _alias_reasoning_fields: null keys dropped, reasoning under its names. */
function normalizeConversation(conversation: unknown, index: number): ChatMessage[] {
  if (!Array.isArray(conversation)) throw new TypeError(`applyChatTemplate: conversation ${index} must be a list of messages`);
  return conversation.map((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new TypeError(`applyChatTemplate: message ${i} must be an object like { role, content }, got ${JSON.stringify(m)}`);
    const message = plainData(Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null && v !== undefined)), `message ${i}`) as ChatMessage;
    const reasoning = REASONING_FIELDS.map((k) => message[k]).find((v) => v !== undefined);
    return reasoning === undefined ? message : { thinking: reasoning, ...message, reasoning_content: reasoning };
  });
}

/**
 * Renders one conversation as transformers' render_jinja_template does, including
 * continue_final_message's tag-and-cut. With `trackGeneration`, {% generation %} spans are
 * reported in the returned text's coordinates.
 */
export function renderConversation(template: string, conversation: unknown, options: RenderOptions = {}, trackGeneration = false): Rendered {
  let chat = normalizeConversation(conversation, 0);
  const cont = options.continueFinalMessage;
  let finalMessage: string | null = null;
  if (cont) {
    if (chat.length === 0) throw new ChatTemplateError('continueFinalMessage is set but the conversation is empty');
    const field = typeof cont === 'string' ? cont : 'content';
    const last = { ...chat[chat.length - 1] };
    const value = last[field];
    if (value === undefined) throw new ChatTemplateError(`continueFinalMessage is set but the final message has no "${field}" to continue`);
    const fields = REASONING_FIELDS.includes(field) ? REASONING_FIELDS.filter((f) => last[f] === value) : [field];
    if (!fields.some((f) => template.includes(f))) throw new ChatTemplateError(`continueFinalMessage is set to "${field}" but the chat template does not use that field`);
    if (Array.isArray(value)) {
      const blocks = value.map((b) => ({ ...(b as Record<string, unknown>) }));
      const block = [...blocks].reverse().find((b) => typeof b.text === 'string');
      if (!block) throw new ChatTemplateError('continueFinalMessage is set but the final message has no text block to continue');
      finalMessage = block.text as string;
      block.text = `${finalMessage}${CONTINUE_TAG}`;
      last[field] = blocks;
    } else {
      finalMessage = String(value);
      for (const f of fields) last[f] = `${String(last[f])}${CONTINUE_TAG}`;
    }
    chat = [...chat.slice(0, -1), last];
  }
  const track = trackGeneration && hasGenerationTags(template);
  const source = track ? withGenerationMarkers(template) : template;
  let text: string;
  try {
    text = compile(source).render({
      ...(plainData(options.variables ?? {}, 'template variables') as Record<string, unknown>),
      messages: chat,
      tools: plainData(options.tools ?? null, 'tools'),
      documents: plainData(options.documents ?? null, 'documents'),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  } catch (e) {
    throw new ChatTemplateError(`chat template failed to render: ${(e as Error).message}`);
  }
  let spans: [number, number][] | null = null;
  if (track) ({ text, spans } = extractMarkers(text));
  if (finalMessage !== null) {
    if (!text.includes(finalMessage.trim()) || !text.includes(CONTINUE_TAG.trim())) {
      throw new ChatTemplateError(`continueFinalMessage is set but the final message does not appear in the rendered chat (the template changes it)\nFinal message: ${finalMessage.trim()}\nRendered chat:\n${text}`);
    }
    const at = text.lastIndexOf(CONTINUE_TAG.trim());
    text = text.slice(at, at + CONTINUE_TAG.length) === CONTINUE_TAG ? text.slice(0, at) : text.slice(0, at).trimEnd();
  }
  return { text, generationSpans: trackGeneration ? spans ?? [] : null };
}

function extractMarkers(marked: string): { text: string; spans: [number, number][] } {
  let text = '';
  const spans: [number, number][] = [];
  let open: number | null = null;
  for (const ch of marked) {
    if (ch === GEN_START) open = text.length;
    else if (ch === GEN_END) {
      if (open !== null) spans.push([open, text.length]);
      open = null;
    } else text += ch;
  }
  return { text, spans };
}

// ----- assistant masks without {% generation %} -----------------------------------------------

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The special tokens among the template variables (bos_token, eos_token, additional_special_tokens, …). */
export function specialTokensOf(variables: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(variables)) {
    if (key.endsWith('_token') && typeof value === 'string' && value !== '') out.add(value);
    if (key.endsWith('_tokens') && Array.isArray(value)) for (const v of value) if (typeof v === 'string' && v !== '') out.add(v);
  }
  return [...out];
}

/** `end` moved back to the start of a special token of `text` that it would cut in two. */
function notInsideSpecialToken(text: string, end: number, specialTokens: readonly string[]): number {
  for (const token of specialTokens) {
    for (let at = text.indexOf(token); at !== -1 && at < end; at = text.indexOf(token, at + 1)) {
      if (at + token.length > end) return notInsideSpecialToken(text, at, specialTokens);
    }
  }
  return end;
}

/**
 * The character spans of the assistant messages in `full` (the render of the whole
 * conversation), found by rendering prefixes of it. A message's span starts where the render
 * of the conversation through it departs from the render up to it with the generation prompt,
 * and ends where the turn ends: where the render through it departs from what follows it (the
 * rest of the conversation, or a further user turn, which also tells the turn's end from what
 * a template writes after the last message, such as Phi-3's end-of-text); never inside a
 * special token, and without the whitespace the template puts around the turn.
 */
export function assistantSpansByPrefixes(template: string, conversation: ChatMessage[], full: string, options: RenderOptions): [number, number][] {
  const spans: [number, number][] = [];
  const render = (messages: ChatMessage[], addGenerationPrompt: boolean): string =>
    renderConversation(template, messages, { ...options, continueFinalMessage: false, addGenerationPrompt }).text;
  const specialTokens = specialTokensOf(options.variables ?? {});
  conversation.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    let before: string;
    try {
      before = render(conversation.slice(0, i), true);
    } catch (e) {
      if (i > 0) throw e;
      before = ''; // templates that cannot render an empty conversation
    }
    const through = render(conversation.slice(0, i + 1), false);
    let start = commonPrefixLength(before, through);
    // a space the template writes before the content (Llama-2's ' ' + content) is not the assistant's
    start += through.length - start - through.slice(start).trimStart().length;
    let end = commonPrefixLength(through, full);
    try {
      end = Math.min(end, commonPrefixLength(through, render([...conversation.slice(0, i + 1), { role: 'user', content: 'X' }], false)));
    } catch { /* a template that refuses a user turn here: the rest of the conversation decides alone */ }
    end = notInsideSpecialToken(through, end, specialTokens);
    end = start + through.slice(start, Math.max(start, end)).trimEnd().length;
    const content = typeof message.content === 'string' ? message.content.trim() : '';
    if (end <= start || !through.slice(start, end).includes(content) || full.slice(0, end) !== through.slice(0, end)) {
      throw new ChatTemplateError(`returnAssistantTokensMask: message ${i} renders differently when the conversation ends with it, so its tokens cannot be found by rendering prefixes; ` +
        'add {% generation %}...{% endgeneration %} around the assistant content in the template');
    }
    spans.push([start, end]);
  });
  return spans;
}

/** transformers' rule: a token is the assistant's when its characters overlap a span. */
export function maskFromSpans(offsets: [number, number][], spans: [number, number][]): number[] {
  const mask = new Array<number>(offsets.length).fill(0);
  let s = 0;
  offsets.forEach(([start, end], t) => {
    while (s < spans.length && start >= spans[s][1]) s++;
    if (s < spans.length && end > spans[s][0]) mask[t] = 1;
  });
  return mask;
}

/** Code-point offsets (what the tokenizers library reports) → UTF-16 offsets into `text`. */
export function codePointToUtf16(text: string): (offset: number) => number {
  const table: number[] = [];
  let i = 0;
  for (const ch of text) {
    table.push(i);
    i += ch.length;
  }
  table.push(i);
  return (offset) => table[Math.min(offset, table.length - 1)];
}
