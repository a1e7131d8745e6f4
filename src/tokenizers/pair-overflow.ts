// Overflowing windows of a text pair truncated 'only_second' (or 'only_first') with a stride,
// as Hugging Face's Rust library makes them for run_qa.py: the truncated sequence is cut into
// windows of max_length minus the other sequence and the special tokens, each starting
// max_length - stride tokens after the last, and every window gets the other sequence and the
// special tokens around it. The Node binding (0.23) returns a single, shorter overflow for
// pairs, so the windows are built here from the untruncated encoding.
import type { Encoding, PaddingOptions } from 'tokenizers';

/** The parts of an Encoding that finetune reads, for one window. */
export class WindowEncoding {
  /** The windows after this one (Encoding.overflowing). */
  overflowing: WindowEncoding[] = [];

  constructor(
    private ids: number[], private typeIds: number[], private tokens: string[], private offsets: [number, number][],
    private specialMask: number[], private wordIds: (number | null)[], private sequenceIds: (number | null)[], private attention: number[],
  ) {}

  getLength(): number { return this.ids.length; }
  getIds(): number[] { return [...this.ids]; }
  getTypeIds(): number[] { return [...this.typeIds]; }
  getTokens(): string[] { return [...this.tokens]; }
  getOffsets(): [number, number][] { return this.offsets.map(([a, b]) => [a, b]); }
  getSpecialTokensMask(): number[] { return [...this.specialMask]; }
  getWordIds(): (number | null)[] { return [...this.wordIds]; }
  getSequenceIds(): (number | null)[] { return [...this.sequenceIds]; }
  getAttentionMask(): number[] { return [...this.attention]; }
  getOverflowing(): WindowEncoding[] { return [...this.overflowing]; }
  tokenToChars(token: number): [number, number] | null {
    return this.sequenceIds[token] === null || this.sequenceIds[token] === undefined ? null : this.offsets[token];
  }
  tokenToWord(token: number): number | null { return this.wordIds[token] ?? null; }
  tokenToSequence(token: number): number | null { return this.sequenceIds[token] ?? null; }
  charToToken(pos: number, seqId = 0): number | null {
    const i = this.offsets.findIndex(([a, b], t) => this.sequenceIds[t] === seqId && a <= pos && pos < b);
    return i < 0 ? null : i;
  }

  /** Encoding.pad: pad tokens on the padding side up to `length`. */
  pad(length: number, o: PaddingOptions = {}): void {
    for (const w of this.overflowing) w.pad(length, o);
    const n = length - this.ids.length;
    if (n <= 0) return;
    const fill = <T>(list: T[], v: T): T[] => (o.direction === 'left' ? [...new Array<T>(n).fill(v), ...list] : [...list, ...new Array<T>(n).fill(v)]);
    this.ids = fill(this.ids, o.padId ?? 0);
    this.typeIds = fill(this.typeIds, o.padTypeId ?? 0);
    this.tokens = fill(this.tokens, o.padToken ?? '[PAD]');
    this.offsets = fill(this.offsets, [0, 0]);
    this.specialMask = fill(this.specialMask, 1);
    this.wordIds = fill(this.wordIds, null);
    this.sequenceIds = fill(this.sequenceIds, null);
    this.attention = fill(this.attention, 0);
  }
}

/** Encoding.truncate's windows over `length` tokens: [start, stop) ranges, the first kept, the rest overflowing. */
export function windowRanges(length: number, window: number, stride: number, side: 'left' | 'right'): [number, number][] {
  if (window >= length) return [[0, length]];
  if (stride >= window) {
    throw new Error(`tokenizer: stride (${stride}) must be strictly less than the room left for the truncated sequence (${window} tokens: maxLength minus the other sequence and the special tokens)`);
  }
  const step = window - stride;
  const out: [number, number][] = [];
  if (side === 'right') {
    for (let start = 0; ; start += step) {
      const stop = Math.min(start + window, length);
      out.push([start, stop]);
      if (stop === length) break;
    }
  } else {
    for (let stop = length; ; stop -= step) {
      const start = Math.max(0, stop - window);
      out.push([start, stop]);
      if (start === 0) break;
    }
  }
  return out;
}

/**
 * The windows of an untruncated pair encoding `full`: sequence `truncated` (0 or 1) cut to fit
 * maxLength, the rest of the encoding (the other sequence, the special tokens) around each.
 */
export function pairWindows(full: Encoding, maxLength: number, stride: number, truncated: 0 | 1, side: 'left' | 'right'): WindowEncoding {
  const seq = full.getSequenceIds();
  const positions = seq.flatMap((s, i) => (s === truncated ? [i] : []));
  const [first, last] = [positions[0] ?? seq.length, (positions.at(-1) ?? seq.length - 1) + 1];
  const [ids, types, tokens, offsets, special, words, mask] = [full.getIds(), full.getTypeIds(), full.getTokens(),
    full.getOffsets() as [number, number][], full.getSpecialTokensMask(), full.getWordIds(), full.getAttentionMask()];
  const sequenceIds = seq.map((s) => s ?? null);
  const wordIds = words.map((w) => w ?? null);
  const room = maxLength - (full.getLength() - positions.length);
  if (positions.length > 0 && room <= 0) {
    throw new Error(`tokenizer: the other sequence and the special tokens take ${full.getLength() - positions.length} tokens, leaving no room in maxLength ${maxLength} for the sequence being truncated`);
  }
  const ranges = full.getLength() <= maxLength || positions.length === 0 ? [[0, positions.length] as [number, number]] : windowRanges(positions.length, room, stride, side);
  const [main, ...rest] = ranges.map(([a, b]) => {
    const keep = (i: number) => i < first || i >= last || (i >= first + a && i < first + b);
    const pick = <T>(list: T[]): T[] => list.filter((_, i) => keep(i));
    return new WindowEncoding(pick(ids), pick(types), pick(tokens), pick(offsets).map(([x, y]) => [x, y]), pick(special), pick(wordIds), pick(sequenceIds), pick(mask));
  });
  main.overflowing = rest;
  return main;
}
