// The result of calling a tokenizer: Hugging Face's BatchEncoding, a dict of model inputs
// under the Hugging Face keys (`input_ids`, `token_type_ids`, `attention_mask`, ...), also
// readable in camelCase, plus the library's Encoding objects for word/char alignment.
import type { Encoding } from 'tokenizers';
import type { Tensor } from '../engine/tensor.js';
import { camelToSnake } from '../util/case.js';

/** Variable-length integer rows stored flat: row i is values[offsets[i] .. offsets[i+1]). */
export interface Ragged {
  values: Int32Array;
  offsets: Int32Array;
}

/** The value type of a BatchEncoding key: one row, a batch of rows, or a tensor. */
export type EncodedValue = number[] | number[][] | Tensor;

export function raggedRow(r: Ragged, i: number): Int32Array {
  return r.values.subarray(r.offsets[i], r.offsets[i + 1]);
}

export function raggedToArrays(r: Ragged): number[][] {
  const rows: number[][] = new Array(r.offsets.length - 1);
  for (let i = 0; i < rows.length; i++) rows[i] = Array.from(raggedRow(r, i));
  return rows;
}

/** The camelCase getters, each also readable by its Hugging Face name. */
const CAMEL_GETTERS = ['inputIds', 'tokenTypeIds', 'attentionMask', 'specialTokensMask', 'offsetMapping', 'overflowToSampleMapping'] as const;

export const snakeKey = camelToSnake;

export interface BatchEncodingInit {
  /** Plain values, stored as given (arrays or tensors). */
  data?: Record<string, unknown>;
  /** Integer columns kept flat until someone reads them as arrays (saves work in `map`). */
  ragged?: Record<string, Ragged>;
  encodings?: Encoding[] | null;
  /** False when the input was one text: values are then a single row, not a list of rows. */
  isBatched?: boolean;
}

export class BatchEncoding<V extends EncodedValue = EncodedValue> {
  [key: string]: unknown;
  // The fields every BERT-style tokenizer returns, typed (a Tensor under returnTensors: 'pt')
  declare input_ids: V;
  declare attention_mask: V;
  declare token_type_ids?: V;
  declare special_tokens_mask?: V;
  declare readonly encodings: Encoding[] | null;
  declare readonly isBatched: boolean;
  declare private readonly _ragged: Map<string, Ragged>;

  constructor(init: BatchEncodingInit = {}) {
    const hidden = (key: string, value: unknown): void => {
      Object.defineProperty(this, key, { value, enumerable: false, writable: false, configurable: true });
    };
    hidden('encodings', init.encodings ?? null);
    hidden('isBatched', init.isBatched ?? true);
    hidden('_ragged', new Map(Object.entries(init.ragged ?? {})));
    for (const [key, r] of this._ragged) {
      // Materialised as JavaScript arrays only when read: `Dataset.map` takes the flat form.
      Object.defineProperty(this, key, {
        enumerable: true,
        configurable: true,
        get: () => {
          const rows = raggedToArrays(r);
          const value = this.isBatched ? rows : rows[0];
          Object.defineProperty(this, key, { value, enumerable: true, writable: true, configurable: true });
          return value;
        },
      });
    }
    for (const [key, value] of Object.entries(init.data ?? {})) this[key] = value;
  }

  get inputIds(): V { return this.input_ids as V; }
  get tokenTypeIds(): V | undefined { return this.token_type_ids as V | undefined; }
  get attentionMask(): V { return this.attention_mask as V; }
  get specialTokensMask(): V | undefined { return this.special_tokens_mask as V | undefined; }
  get offsetMapping(): unknown { return this.offset_mapping; }
  get overflowToSampleMapping(): number[] | Tensor | undefined {
    return this.overflow_to_sample_mapping as number[] | Tensor | undefined;
  }

  /** Read a key by its Hugging Face or camelCase name. */
  get(key: string): unknown {
    return this[snakeKey(key)];
  }

  keys(): string[] {
    return Object.keys(this);
  }

  entries(): [string, unknown][] {
    return Object.keys(this).map((k) => [k, this[k]]);
  }

  /** A plain object of the values (what `{...encoding}` gives, as a method). */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.entries());
  }

  /**
   * Lets go of the library's Encoding objects. Their memory lives outside the JavaScript
   * heap, so the garbage collector does not hurry to free it; `Dataset.map` calls this once it
   * has copied a batch out, which keeps long runs at a steady memory footprint.
   */
  releaseEncodings(): void {
    Object.defineProperty(this, 'encodings', { value: null, enumerable: false, writable: false, configurable: true });
  }

  /** The flat form of an integer column, when the tokenizer produced one. */
  raggedColumn(key: string): Ragged | undefined {
    return this._ragged.get(key);
  }

  /** Number of encoded sequences. */
  get numSequences(): number {
    if (this.encodings) return this.encodings.length;
    const first = this._ragged.values().next().value as Ragged | undefined;
    return first ? first.offsets.length - 1 : 0;
  }

  private encoding(batchIndex: number): Encoding {
    if (!this.encodings) throw new Error('BatchEncoding: no Encoding objects are kept (this encoding was built by pad or a collator)');
    const e = this.encodings[batchIndex];
    if (!e) throw new RangeError(`BatchEncoding: batch index ${batchIndex} out of range (size ${this.encodings.length})`);
    return e;
  }

  tokens(batchIndex = 0): string[] { return this.encoding(batchIndex).getTokens(); }
  wordIds(batchIndex = 0): (number | null)[] {
    // with isSplitIntoWords, the words the caller gave (see split-words.ts)
    const split = (this as { splitWordIds?: (number | null)[][] }).splitWordIds;
    if (split) {
      this.encoding(batchIndex);
      return [...split[batchIndex]];
    }
    return this.encoding(batchIndex).getWordIds().map((w) => w ?? null);
  }
  sequenceIds(batchIndex = 0): (number | null)[] { return this.encoding(batchIndex).getSequenceIds().map((s) => s ?? null); }
  tokenToChars(batchIndex: number, tokenIndex: number): [number, number] | null {
    return this.encoding(batchIndex).tokenToChars(tokenIndex) ?? null;
  }
  charToToken(batchIndex: number, charIndex: number, sequenceIndex = 0): number | null {
    return this.encoding(batchIndex).charToToken(charIndex, sequenceIndex);
  }
  tokenToWord(batchIndex: number, tokenIndex: number): number | null {
    return this.encoding(batchIndex).tokenToWord(tokenIndex);
  }

  /** Moves tensor values to a device (`inputs.to('cuda')`), as in Hugging Face. */
  to(device: string): this {
    for (const key of Object.keys(this)) {
      const v = this[key] as { to?: (d: string) => unknown; shape?: unknown };
      if (v && typeof v === 'object' && typeof v.to === 'function' && 'shape' in v) this[key] = v.to(device);
    }
    return this;
  }
}

// Hugging Face names of the camelCase getters, so `inputs.input_ids` also reads.
export const HF_KEYS = CAMEL_GETTERS.map(camelToSnake);
