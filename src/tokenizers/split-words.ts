// is_split_into_words for the tokenizers binding, which takes strings only: each example's
// words are joined by single spaces and encoded, and every token is given back the index of
// the word its characters came from (wordIds()) and offsets within that word, as Hugging
// Face's pre-tokenized encoding gives them. For WordPiece (BERT) tokenizers the tokens are
// those of the pre-tokenized call; byte-level BPE (RoBERTa) treats the first word as not
// preceded by a space unless the tokenizer adds a prefix space.
import type { Encoding } from 'tokenizers';
import type { BatchEncoding } from './batch-encoding.js';

/** Each example's words joined, and where each word starts in the joined text. */
export interface JoinedWords {
  texts: string[];
  starts: number[][];
}

export function joinWords(value: unknown, what: string): JoinedWords {
  const examples = Array.isArray(value) && value.every((v) => Array.isArray(v)) ? value as unknown[][] : [value as unknown[]];
  if (!Array.isArray(value) || examples.length === 0) throw new TypeError(`tokenizer: with isSplitIntoWords, ${what} must be a list of words or a list of lists of words`);
  const texts: string[] = [];
  const starts: number[][] = [];
  examples.forEach((words, i) => {
    let at = 0;
    const s: number[] = [];
    words.forEach((w, j) => {
      if (typeof w !== 'string') throw new TypeError(`tokenizer: with isSplitIntoWords, ${what}[${i}][${j}] must be a string, got ${w === null ? 'null' : typeof w}`);
      s.push(at);
      at += w.length + 1;
    });
    texts.push((words as string[]).join(' '));
    starts.push(s);
  });
  return { texts, starts };
}

/** Whether the input is a batch (a list of lists of words) rather than one example's words. */
export function isBatchOfWords(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((v) => Array.isArray(v));
}

function wordOf(starts: number[], char: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= char) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Word ids (and word-relative offsets) for each encoded row; `sampleOf` maps a row to its example (overflowing rows). */
export function attachWordIds(batch: BatchEncoding, rows: Encoding[], sampleOf: (row: number) => number, text: JoinedWords, pair: JoinedWords | null): void {
  const wordIds: (number | null)[][] = [];
  const offsets: [number, number][][] = [];
  rows.forEach((e, r) => {
    const sample = sampleOf(r);
    const seqs = e.getSequenceIds();
    const ids: (number | null)[] = [];
    const offs: [number, number][] = [];
    e.getOffsets().forEach(([a, b], t) => {
      const seq = seqs[t];
      if (seq === null || seq === undefined) { ids.push(null); offs.push([0, 0]); return; }
      const starts = (seq === 1 && pair ? pair : text).starts[sample];
      const w = wordOf(starts, a);
      ids.push(w);
      offs.push([a - starts[w], b - starts[w]]);
    });
    wordIds.push(ids);
    offsets.push(offs);
  });
  Object.defineProperty(batch, 'splitWordIds', { value: wordIds, enumerable: false, configurable: true });
  if ('offset_mapping' in batch) batch.offset_mapping = batch.isBatched ? offsets : offsets[0];
}
