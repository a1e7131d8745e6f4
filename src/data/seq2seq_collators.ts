// transformers' DataCollatorForSeq2Seq (inputs padded by the tokenizer, labels padded with
// -100 so that padding never counts in the loss) and DataCollatorWithFlattening (padding-free:
// the batch's sequences concatenated into one row, position_ids restarting at 0 for each, the
// first label of every sequence -100 so that no token is predicted across a boundary).
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import { Callable } from '../tokenizers/callable.js';
import type { CollatorTokenizer } from './collators.js';

type Features = Record<string, unknown>[];

function idsOf(feature: Record<string, unknown>, key: string, index: number, where: string): number[] {
  const v = feature[key];
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`${where}: example ${index} has no list '${key}' (got ${v === undefined ? 'nothing' : typeof v})`);
  return Array.from(v as ArrayLike<number>, Number);
}

/** Rows of ids → an int64 [rows, longest] tensor, padded on `side` with `value` (to a multiple of padToMultipleOf). */
export function padRows(rows: number[][], value: number, options: { side?: 'left' | 'right'; padToMultipleOf?: number | null } = {}): Tensor {
  let width = Math.max(0, ...rows.map((r) => r.length));
  const m = options.padToMultipleOf;
  if (m) width = Math.ceil(width / m) * m;
  const flat = new BigInt64Array(rows.length * width).fill(BigInt(value));
  rows.forEach((r, i) => {
    const start = i * width + (options.side === 'left' ? width - r.length : 0);
    for (let j = 0; j < r.length; j++) flat[start + j] = BigInt(r[j]);
  });
  return torch.tensor(flat, { shape: [rows.length, width] });
}

export interface DataCollatorForSeq2SeqOptions {
  tokenizer: CollatorTokenizer & { paddingSide?: string };
  model?: unknown;
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  maxLength?: number;
  padToMultipleOf?: number;
  labelPadTokenId?: number;
}

export interface DataCollatorForSeq2Seq {
  (features: Features): Record<string, Tensor>;
}

/** transformers' DataCollatorForSeq2Seq: the tokenizer pads the inputs, labels are padded with labelPadTokenId (-100) on the tokenizer's side. */
export class DataCollatorForSeq2Seq extends Callable<[Features], Record<string, Tensor>> {
  tokenizer!: DataCollatorForSeq2SeqOptions['tokenizer'];
  labelPadTokenId!: number;
  padToMultipleOf?: number;
  padding!: NonNullable<DataCollatorForSeq2SeqOptions['padding']>;
  maxLength?: number;

  constructor(options: DataCollatorForSeq2SeqOptions) {
    super();
    if (!options?.tokenizer) throw new TypeError('DataCollatorForSeq2Seq: a tokenizer is required');
    this.tokenizer = options.tokenizer;
    this.labelPadTokenId = options.labelPadTokenId ?? -100;
    this.padToMultipleOf = options.padToMultipleOf;
    this.padding = options.padding ?? true;
    this.maxLength = options.maxLength;
  }

  protected _call(features: Features): Record<string, Tensor> {
    const hasLabels = features.length > 0 && features[0].labels != null;
    const labels = hasLabels ? features.map((f, i) => idsOf(f, 'labels', i, 'DataCollatorForSeq2Seq')) : null;
    const rest = features.map(({ labels: _, ...f }) => f);
    const batch = this.tokenizer.pad(rest, { padding: this.padding as never, maxLength: this.maxLength, padToMultipleOf: this.padToMultipleOf, returnTensors: 'pt' } as never) as unknown as Record<string, Tensor>;
    if (labels) {
      const side = this.tokenizer.paddingSide === 'left' ? 'left' : 'right';
      const width = this.padding === 'max_length' && this.maxLength ? this.maxLength : undefined;
      const rows = width ? labels.map((r) => r.concat(Array(Math.max(0, width - r.length)).fill(this.labelPadTokenId))) : labels;
      batch.labels = padRows(rows, this.labelPadTokenId, { side, padToMultipleOf: this.padToMultipleOf });
    }
    return { ...batch };
  }
}

export interface DataCollatorWithFlatteningOptions {
  returnPositionIds?: boolean;
  separatorId?: number;
  returnFlashAttnKwargs?: boolean;
  returnSeqIdx?: boolean;
}

export interface DataCollatorWithFlattening {
  (features: Features): Record<string, Tensor | number>;
}

/** transformers' DataCollatorWithFlattening: one row of all sequences, position_ids per sequence, separatorId (-100) as each sequence's first label. */
export class DataCollatorWithFlattening extends Callable<[Features], Record<string, Tensor | number>> {
  returnPositionIds!: boolean;
  separatorId!: number;
  returnFlashAttnKwargs!: boolean;
  returnSeqIdx!: boolean;

  constructor(options: DataCollatorWithFlatteningOptions = {}) {
    super();
    this.returnPositionIds = options.returnPositionIds ?? true;
    this.separatorId = options.separatorId ?? -100;
    this.returnFlashAttnKwargs = options.returnFlashAttnKwargs ?? false;
    this.returnSeqIdx = options.returnSeqIdx ?? false;
  }

  protected _call(features: Features): Record<string, Tensor | number> {
    const ids: number[] = [];
    const labels: number[] = [];
    const positions: number[] = [];
    const seqIdx: number[] = [];
    const cuSeqLens = [0];
    const hasLabels = features.length > 0 && 'labels' in features[0];
    features.forEach((f, i) => {
      const row = idsOf(f, 'input_ids', i, 'DataCollatorWithFlattening');
      ids.push(...row);
      const own = hasLabels ? idsOf(f, 'labels', i, 'DataCollatorWithFlattening') : row;
      labels.push(this.separatorId, ...own.slice(1));
      positions.push(...row.map((_, j) => j));
      seqIdx.push(...row.map(() => i));
      cuSeqLens.push(cuSeqLens[cuSeqLens.length - 1] + row.length);
    });
    const out: Record<string, Tensor | number> = { input_ids: padRows([ids], 0), labels: padRows([labels], 0) };
    if (this.returnPositionIds) out.position_ids = padRows([positions], 0);
    if (this.returnSeqIdx) out.seq_idx = padRows([seqIdx], 0).to('int32');
    if (this.returnFlashAttnKwargs) {
      const lens = torch.tensor(cuSeqLens, { dtype: 'int32' });
      out.cu_seq_lens_q = lens;
      out.cu_seq_lens_k = lens;
      const longest = Math.max(...cuSeqLens.slice(1).map((c, i) => c - cuSeqLens[i]));
      out.max_length_q = longest;
      out.max_length_k = longest;
    }
    return out;
  }
}
