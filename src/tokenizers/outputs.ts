// From the library's Encoding objects to a BatchEncoding: ids copied once into flat typed
// arrays (ragged rows), skipping reads whose values are known (all-zero type ids for one
// sequence, all-one masks without padding), then tensors if asked.
import type { Encoding } from 'tokenizers';
import { BatchEncoding, type Ragged } from './batch-encoding.js';
import type { EncodeOptions, ResolvedSettings } from './options.js';
import { raggedToTensor } from './tensors.js';

export interface OutputInfo {
  modelInputNames: string[];
  /** Whether the post-processor gives type id 0 to every token of a single sequence. */
  singleTypeIdsZero: boolean;
}

export function encodingsToBatch(encs: Encoding[], o: EncodeOptions, s: ResolvedSettings, batched: boolean, isPair: boolean, info: OutputInfo): BatchEncoding {
  const data: Record<string, unknown> = {};
  let rows = encs;
  if (o.returnOverflowingTokens) {
    rows = [];
    const mapping: number[] = [];
    encs.forEach((e, i) => {
      for (const x of [e, ...e.getOverflowing()]) { rows.push(x); mapping.push(i); }
    });
    data.overflow_to_sample_mapping = mapping;
    batched = true;
  }
  const n = rows.length;
  const idLists: number[][] = new Array(n);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    idLists[i] = rows[i].getIds();
    offsets[i + 1] = offsets[i] + idLists[i].length;
  }
  const flat = (lists: ArrayLike<number>[] | null, fill: number): Int32Array => {
    const out = new Int32Array(offsets[n]);
    if (lists) for (let i = 0; i < n; i++) out.set(lists[i], offsets[i]);
    else if (fill !== 0) out.fill(fill);
    return out;
  };
  const ragged: Record<string, Ragged> = { input_ids: { values: flat(idLists, 0), offsets } };
  if (o.returnTokenTypeIds ?? info.modelInputNames.includes('token_type_ids')) {
    // Without a pair, type ids are all zero for BERT/RoBERTa-style post-processors: skip asking.
    const zeros = !isPair && info.singleTypeIdsZero;
    ragged.token_type_ids = { values: flat(zeros ? null : rows.map((e) => e.getTypeIds()), 0), offsets };
  }
  if (o.returnAttentionMask ?? info.modelInputNames.includes('attention_mask')) {
    // Without padding every position is attended.
    ragged.attention_mask = { values: flat(s.padding ? rows.map((e) => e.getAttentionMask()) : null, 1), offsets };
  }
  if (o.returnSpecialTokensMask) ragged.special_tokens_mask = { values: flat(rows.map((e) => e.getSpecialTokensMask()), 0), offsets };
  if (o.returnOffsetsMapping) data.offset_mapping = rows.map((e) => e.getOffsets().map(([a, b]) => [a, b]));
  if (o.returnLength) data.length = Array.from({ length: n }, (_, i) => offsets[i + 1] - offsets[i]);
  if (o.returnTensors === 'pt') {
    for (const [key, r] of Object.entries(ragged)) data[key] = raggedToTensor(r, key);
    if (!batched) {
      // Hugging Face gives a batch of one for a single text with return_tensors.
      batched = true;
    }
    return new BatchEncoding({ data, encodings: rows, isBatched: true });
  }
  if (o.returnTensors !== undefined && o.returnTensors !== null) {
    throw new TypeError(`tokenizer: returnTensors must be 'pt' or undefined, got ${JSON.stringify(o.returnTensors)}`);
  }
  if (!batched) {
    if (data.offset_mapping) data.offset_mapping = (data.offset_mapping as unknown[])[0];
    if (data.length) data.length = (data.length as number[])[0];
  }
  return new BatchEncoding({ data, ragged, encodings: rows, isBatched: batched });
}

export function checkTexts(value: unknown, what: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v !== 'string') {
        throw new TypeError(`tokenizer: ${what}[${i}] is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}; expected a string` +
          (Array.isArray(v) ? ' (pre-tokenized input is not supported by the tokenizers binding)' : ''));
      }
    });
    return value as string[];
  }
  throw new TypeError(`tokenizer: ${what} must be a string or a list of strings, got ${value === null ? 'null' : typeof value}`);
}
