// transformers' TextStreamer: receives the tokens generate() produces and hands on the text as
// it forms, holding back what could still change (an incomplete UTF-8 character).
export interface Decoder {
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
}

/** What generate() calls: put() with each step's new token ids (the prompt first), end() once. */
export interface BaseStreamer {
  put(tokenIds: number[]): void;
  end(): void;
}

export interface TextStreamerOptions {
  /** Do not emit the prompt's text (transformers' skip_prompt). */
  skipPrompt?: boolean;
  skipSpecialTokens?: boolean;
  /** Receives each new piece of text; streamEnd is true on the last call. By default, process.stdout. */
  onText?: (text: string, streamEnd: boolean) => void;
}

export class TextStreamer implements BaseStreamer {
  private tokens: number[] = [];
  private printed = 0;
  private promptSeen = false;

  constructor(readonly tokenizer: Decoder, readonly options: TextStreamerOptions = {}) {}

  put(tokenIds: number[]): void {
    if (!this.promptSeen) {
      this.promptSeen = true;
      if (this.options.skipPrompt) return;
    }
    this.tokens.push(...tokenIds);
    const text = this.tokenizer.decode(this.tokens, { skipSpecialTokens: this.options.skipSpecialTokens });
    // a trailing U+FFFD is a character whose bytes have not all arrived yet
    const stable = text.endsWith('\uFFFD') ? text.slice(0, text.lastIndexOf('\uFFFD')) : text;
    if (stable.length > this.printed) {
      this.onFinalizedText(stable.slice(this.printed), false);
      this.printed = stable.length;
    }
  }

  end(): void {
    const text = this.tokens.length ? this.tokenizer.decode(this.tokens, { skipSpecialTokens: this.options.skipSpecialTokens }) : '';
    this.onFinalizedText(text.slice(this.printed), true);
    this.tokens = [];
    this.printed = 0;
    this.promptSeen = false;
  }

  protected onFinalizedText(text: string, streamEnd: boolean): void {
    if (this.options.onText) this.options.onText(text, streamEnd);
    else process.stdout.write(streamEnd ? `${text}\n` : text);
  }
}
