// Token-classification data, as run_ner.py and the Hugging Face course: word labels aligned
// to sub-word tokens through wordIds() (the first token of a word labelled, the others -100,
// or every token with labelAllTokens, B- turned into I-), and
// DataCollatorForTokenClassification, which pads the labels with -100.
import type { Tensor } from '../engine/tensor.js';
import { Callable } from '../tokenizers/callable.js';
import type { PaddingStrategy } from '../tokenizers/options.js';
import { getTorch } from '../tokenizers/tensors.js';
import { assertNotPromise } from '../tokenizers/not-awaited.js';
import { withAliases, type CollatorTokenizer, type PaddedBatch } from './collators.js';

/** run_ner.py's b_to_i_label: for each label id, the id of its I- label (itself when it has none). */
export function bToILabels(labelList: readonly string[]): number[] {
  return labelList.map((label, i) => {
    if (!label.startsWith('B-')) return i;
    const inside = labelList.indexOf(`I-${label.slice(2)}`);
    return inside >= 0 ? inside : i;
  });
}

export interface AlignLabelsOptions {
  /** Label every sub-token of a word (run_ner.py's label_all_tokens), not only the first. */
  labelAllTokens?: boolean;
  /** With labelAllTokens, the later sub-tokens get the I- label of a B- word: the label names, or bToILabels' map. */
  labelList?: readonly string[];
  bToI?: readonly number[];
}

/**
 * One example's word labels (ids) → token labels: special tokens -100, a word's first token
 * its label, the rest -100 (or, with labelAllTokens, its label with B- turned into I-).
 */
export function alignLabelsWithTokens(labels: readonly number[], wordIds: readonly (number | null)[], options: AlignLabelsOptions = {}): number[] {
  const bToI = options.bToI ?? (options.labelList ? bToILabels(options.labelList) : null);
  let previous: number | null = null;
  return wordIds.map((word) => {
    let label = -100;
    if (word !== null) {
      if (word >= labels.length) throw new RangeError(`alignLabelsWithTokens: token of word ${word} but the example has ${labels.length} labels`);
      if (word !== previous) label = labels[word];
      else if (options.labelAllTokens) label = bToI ? bToI[labels[word]] ?? labels[word] : labels[word];
    }
    previous = word;
    return label;
  });
}

/** The course's tokenize_and_align_labels for a batch: `labels` per tokenized example, from the BatchEncoding's wordIds(i). */
export function alignBatchLabels(encoding: { wordIds(i: number): (number | null)[] }, labels: readonly (readonly number[])[], options: AlignLabelsOptions = {}): number[][] {
  return labels.map((l, i) => alignLabelsWithTokens(l, encoding.wordIds(i), options));
}

export interface DataCollatorForTokenClassificationOptions {
  tokenizer: CollatorTokenizer & { paddingSide?: 'left' | 'right' };
  padding?: PaddingStrategy;
  maxLength?: number;
  padToMultipleOf?: number;
  /** The label given to padding (-100: ignored by the loss). */
  labelPadTokenId?: number;
  returnTensors?: 'pt';
}

export interface DataCollatorForTokenClassification {
  (features: Record<string, unknown>[]): PaddedBatch & { labels?: Tensor };
}

/** Pads the inputs as DataCollatorWithPadding does and the labels (`labels`, or `label`) with labelPadTokenId. */
export class DataCollatorForTokenClassification extends Callable<[Record<string, unknown>[]], PaddedBatch> {
  tokenizer!: DataCollatorForTokenClassificationOptions['tokenizer'];
  padding!: PaddingStrategy;
  maxLength?: number;
  padToMultipleOf?: number;
  labelPadTokenId!: number;

  constructor(options: DataCollatorForTokenClassificationOptions) {
    super();
    if (!options?.tokenizer) throw new TypeError('DataCollatorForTokenClassification: a tokenizer is required');
    this.tokenizer = options.tokenizer;
    this.padding = options.padding ?? true;
    this.maxLength = options.maxLength;
    this.padToMultipleOf = options.padToMultipleOf;
    this.labelPadTokenId = options.labelPadTokenId ?? -100;
  }

  protected _call(features: Record<string, unknown>[]): PaddedBatch {
    assertNotPromise(features, 'DataCollatorForTokenClassification');
    if (!Array.isArray(features) || features.length === 0) throw new Error('DataCollatorForTokenClassification: expected a non-empty list of examples');
    const labelName = 'label' in features[0] ? 'label' : 'labels';
    const labels = labelName in features[0] ? features.map((f, i) => toList(f[labelName], labelName, i)) : null;
    const rest = features.map((f) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== labelName)));
    const batch = this.tokenizer.pad(rest, { padding: this.padding, maxLength: this.maxLength, padToMultipleOf: this.padToMultipleOf, returnTensors: 'pt' }).toObject() as Record<string, Tensor>;
    if (labels) {
      const len = batch.input_ids.size(1);
      const left = this.tokenizer.paddingSide === 'left';
      const out = new BigInt64Array(labels.length * len).fill(BigInt(this.labelPadTokenId));
      labels.forEach((row, i) => {
        if (row.length > len) throw new Error(`DataCollatorForTokenClassification: example ${i} has ${row.length} labels but its input_ids have ${len} tokens after padding`);
        const at = i * len + (left ? len - row.length : 0);
        row.forEach((v, j) => { out[at + j] = BigInt(v); });
      });
      batch[labelName] = getTorch().tensor(out, { shape: [labels.length, len] });
    }
    return withAliases(batch) as PaddedBatch;
  }
}

function toList(value: unknown, key: string, i: number): number[] {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<number | bigint>, Number);
  throw new TypeError(`DataCollatorForTokenClassification: '${key}' of example ${i} must be a list of label ids (one per token), got ${value === null ? 'null' : typeof value}`);
}
