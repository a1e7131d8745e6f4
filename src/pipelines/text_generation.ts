// The text-generation pipeline of transformers (TextGenerationPipeline): prompts tokenized with
// left padding, model.generate, and the text decoded — the prompt and its continuation
// (returnFullText, the default) or the continuation alone. Chat messages are rendered with the
// tokenizer's applyChatTemplate when the tokenizer has one.
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { AutoCausalLMModel } from '../models/auto.js';
import type { GenerateOptions } from '../generation/utils.js';
import '../generation/index.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface TextGenerationOptions extends GenerateOptions {
  /** The prompt followed by the generated text (true, the default), or the generated text alone. */
  returnFullText?: boolean;
  skipSpecialTokens?: boolean;
}

export interface GeneratedText {
  /** For a chat, the conversation with the assistant's reply appended. */
  generated_text: string | ChatMessage[];
}

type ChatTemplating = { applyChatTemplate(messages: ChatMessage[], options: Record<string, unknown>): string | Promise<string> };

const isChat = (x: unknown): x is ChatMessage[] => Array.isArray(x) && x.length > 0 && typeof x[0] === 'object' && x[0] !== null && 'role' in x[0];

export class TextGenerationPipeline {
  constructor(readonly model: AutoCausalLMModel, readonly tokenizer: PreTrainedTokenizerFast, readonly defaults: TextGenerationOptions = {}) {
    this.model.eval();
  }

  /** A prompt (or chat) → [{ generated_text }]; several → one such list per prompt. */
  async run(inputs: string | ChatMessage[] | (string | ChatMessage[])[], options: TextGenerationOptions = {}): Promise<GeneratedText[] | GeneratedText[][]> {
    const single = typeof inputs === 'string' || isChat(inputs);
    const items = (single ? [inputs] : inputs) as (string | ChatMessage[])[];
    const { returnFullText = true, skipSpecialTokens = true, ...generateOptions } = { ...this.defaults, ...options };
    const prompts = await Promise.all(items.map((item) => this.promptOf(item)));
    // a chat template already holds the special tokens (as transformers: add_special_tokens=False)
    const chat = items.some(isChat);
    // left padding, so that every prompt ends where generation starts (set on the tokenizer: its
    // call does not yet honour a per-call paddingSide)
    const side = this.tokenizer.paddingSide;
    this.tokenizer.paddingSide = 'left';
    let encoded: Record<string, Tensor>;
    try {
      encoded = await this.tokenizer(prompts, { padding: true, returnTensors: 'pt', addSpecialTokens: !chat }) as unknown as Record<string, Tensor>;
    } finally {
      this.tokenizer.paddingSide = side;
    }
    const ids = encoded.input_ids;
    const mask = encoded.attention_mask;
    const padTokenId = (generateOptions.padTokenId ?? this.tokenizer.padTokenId ?? undefined) as number | undefined;
    const out = this.model.generate({ input_ids: ids, attention_mask: mask }, { ...generateOptions, ...(padTokenId !== undefined ? { padTokenId } : {}) });
    try {
      const rows = out.tolist() as number[][];
      const masks = mask.tolist() as number[][];
      const results = rows.map((row, i) => {
        const promptIds = row.slice(0, ids.size(1)).filter((_, j) => masks[i][j] === 1);
        const text = this.tokenizer.decode([...promptIds, ...row.slice(ids.size(1))], { skipSpecialTokens });
        const continuation = text.slice(this.tokenizer.decode(promptIds, { skipSpecialTokens }).length);
        const item = items[i];
        if (isChat(item)) return [{ generated_text: [...item, { role: 'assistant', content: continuation }] }];
        return [{ generated_text: returnFullText ? item + continuation : continuation }];
      });
      return single ? results[0] : results;
    } finally {
      torch.dispose([out, encoded]);
    }
  }

  private async promptOf(item: string | ChatMessage[]): Promise<string> {
    if (!isChat(item)) return item;
    const templating = this.tokenizer as unknown as Partial<ChatTemplating>;
    if (typeof templating.applyChatTemplate !== 'function') {
      throw new Error("pipeline('text-generation'): chat messages need tokenizer.applyChatTemplate, which this build of finetune's tokenizer does not have yet; pass the prompt as a string");
    }
    return templating.applyChatTemplate(item, { tokenize: false, addGenerationPrompt: true });
  }
}
