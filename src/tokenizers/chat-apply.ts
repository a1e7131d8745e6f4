// tokenizer.applyChatTemplate: transformers' apply_chat_template on top of the renderer in
// chat_template.ts: options split from template variables, the special tokens passed to the
// template, the rendered text encoded without added special tokens, assistant masks from the
// spans the renderer found mapped onto token offsets.
import type { Tensor } from '../engine/tensor.js';
import type { BatchEncoding } from './batch-encoding.js';
import {
  assistantSpansByPrefixes, ChatTemplateError, codePointToUtf16, hasGenerationTags, maskFromSpans, renderConversation,
  selectChatTemplate, type ChatTemplates, type Conversation, type RenderOptions,
} from './chat_template.js';
import { raggedToTensor } from './tensors.js';
import type { PreTrainedTokenizerFast } from './tokenizer.js';

export interface ApplyChatTemplateOptions {
  /** Encode the rendered text (default true); false returns the text. */
  tokenize?: boolean;
  addGenerationPrompt?: boolean;
  /** Leave the final message open (no end-of-turn) so the model continues it; a string names the field to continue. */
  continueFinalMessage?: boolean | string;
  /** With tokenize: a BatchEncoding (default, as transformers 5) or, when false, the input ids. */
  returnDict?: boolean;
  returnAssistantTokensMask?: boolean;
  tools?: Record<string, unknown>[] | null;
  documents?: Record<string, unknown>[] | null;
  /** A template, or the name of one of the tokenizer's templates. */
  chatTemplate?: string;
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  truncation?: boolean;
  maxLength?: number;
  returnTensors?: 'pt' | null;
  tokenizerKwargs?: Record<string, unknown>;
  /** Any other key is a template variable, passed as spelled (e.g. enable_thinking, date_string). */
  [templateVariable: string]: unknown;
}

const CHAT_OPTIONS: ReadonlySet<string> = new Set([
  'tokenize', 'addGenerationPrompt', 'continueFinalMessage', 'returnDict', 'returnAssistantTokensMask', 'tools', 'documents',
  'chatTemplate', 'padding', 'truncation', 'maxLength', 'returnTensors', 'tokenizerKwargs',
]);

/** Splits options into ours (camelCase or snake_case) and the template's variables. */
export function splitChatOptions(options: Record<string, unknown>): { own: ApplyChatTemplateOptions; variables: Record<string, unknown> } {
  const own: Record<string, unknown> = {};
  const variables: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const camel = key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (CHAT_OPTIONS.has(camel)) { if (value !== undefined) own[camel] = value; } else variables[key] = value;
  }
  return { own: own as ApplyChatTemplateOptions, variables };
}

/** Whether `conversation` is a batch of conversations (a list of lists). */
export function isBatchOfConversations(conversation: unknown): conversation is unknown[][] {
  if (!Array.isArray(conversation)) throw new TypeError('applyChatTemplate: expected a list of messages or a list of conversations');
  if (conversation.length === 0) throw new ChatTemplateError('applyChatTemplate: the conversation is empty; give at least one message');
  return Array.isArray(conversation[0]);
}

export interface RenderedBatch {
  texts: string[];
  /** Per conversation, the assistant spans when asked for. */
  spans: [number, number][][] | null;
}

/** Renders each conversation, with assistant spans ({% generation %} or prefix diffs) when asked. */
export function renderConversations(template: string, conversations: unknown[][], own: ApplyChatTemplateOptions, variables: Record<string, unknown>): RenderedBatch {
  if (own.continueFinalMessage && own.addGenerationPrompt) {
    throw new ChatTemplateError('continueFinalMessage and addGenerationPrompt are not compatible: continue the final message, or prompt for a new one');
  }
  if (own.continueFinalMessage && own.returnAssistantTokensMask) throw new ChatTemplateError('continueFinalMessage is not compatible with returnAssistantTokensMask');
  const options: RenderOptions = { tools: own.tools, documents: own.documents, addGenerationPrompt: own.addGenerationPrompt, continueFinalMessage: own.continueFinalMessage, variables };
  const tagged = hasGenerationTags(template);
  const texts: string[] = [];
  const spans: [number, number][][] = [];
  conversations.forEach((conversation, i) => {
    const rendered = renderConversation(template, conversation, options, Boolean(own.returnAssistantTokensMask));
    texts.push(rendered.text);
    if (!own.returnAssistantTokensMask) return;
    spans.push(tagged ? rendered.generationSpans ?? [] : assistantSpansByPrefixes(template, conversation as Conversation, rendered.text, options));
  });
  return { texts, spans: own.returnAssistantTokensMask ? spans : null };
}

export type ChatTemplateResult = BatchEncoding | number[] | number[][] | Tensor;

/** The variables every template sees: the special tokens by role (bos_token, eos_token, ...). */
function specialTokenVariables(tok: PreTrainedTokenizerFast): Record<string, unknown> {
  return { ...tok.specialTokensMap };
}

export function applyChatTemplate(
  tok: PreTrainedTokenizerFast,
  conversation: unknown,
  options: ApplyChatTemplateOptions,
): string | string[] | Promise<ChatTemplateResult> {
  const { own, variables } = splitChatOptions(options as Record<string, unknown>);
  const tokenize = own.tokenize ?? true;
  const returnDict = tokenize ? own.returnDict ?? true : false;
  if (own.returnAssistantTokensMask && !(returnDict && tokenize)) {
    throw new ChatTemplateError('returnAssistantTokensMask needs tokenize: true and returnDict: true');
  }
  const template = selectChatTemplate(tok.chatTemplate, own.chatTemplate, own.tools !== undefined && own.tools !== null);
  const batched = isBatchOfConversations(conversation);
  const conversations = batched ? conversation : [conversation as unknown[]];
  const { texts, spans } = renderConversations(template, conversations, own, { ...specialTokenVariables(tok), ...variables });
  if (!tokenize) return batched ? texts : texts[0];
  return encodeRendered(tok, texts, spans, own, batched, returnDict);
}

async function encodeRendered(
  tok: PreTrainedTokenizerFast, texts: string[], spans: [number, number][][] | null,
  own: ApplyChatTemplateOptions, batched: boolean, returnDict: boolean,
): Promise<ChatTemplateResult> {
  const encodeOptions = {
    ...(own.tokenizerKwargs ?? {}),
    addSpecialTokens: false,
    ...(own.padding !== undefined ? { padding: own.padding } : {}),
    ...(own.truncation !== undefined ? { truncation: own.truncation } : {}),
    ...(own.maxLength !== undefined ? { maxLength: own.maxLength } : {}),
  };
  const wantTensors = own.returnTensors === 'pt';
  if (wantTensors) (encodeOptions as Record<string, unknown>).returnTensors = 'pt';
  const out = await tok(batched ? texts : texts[0], encodeOptions as never) as BatchEncoding;
  if (spans) {
    const masks = (out.encodings ?? []).map((e, i) => {
      const toUtf16 = codePointToUtf16(texts[i]);
      const offsets = e.getOffsets().map(([a, b]) => [toUtf16(a), toUtf16(b)] as [number, number]);
      const attention = e.getAttentionMask();
      // Padding carries (0, 0) offsets and is never the assistant's.
      return maskFromSpans(offsets, spans[i]).map((m, t) => (attention[t] ? m : 0));
    });
    if (wantTensors) {
      const offsets = Int32Array.from({ length: masks.length + 1 }, (_, i) => i * (masks[0]?.length ?? 0));
      if (masks.some((m) => m.length !== masks[0].length)) throw new ChatTemplateError("returnTensors: 'pt' needs rows of one length; pass padding: true");
      out.assistant_masks = raggedToTensor({ values: Int32Array.from(masks.flat()), offsets }, 'assistant_masks');
    } else out.assistant_masks = batched ? masks : masks[0];
  }
  if (returnDict) return out;
  return out.input_ids as number[] | number[][] | Tensor;
}
