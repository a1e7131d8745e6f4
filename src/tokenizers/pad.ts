// Hugging Face's `tokenizer.pad`: pads already-tokenized rows to a common length, the work
// behind DataCollatorWithPadding. Pure JavaScript over typed arrays (no library call).
import type { Tensor } from '../engine/tensor.js';
import { BatchEncoding } from './batch-encoding.js';
import { normalizeOptions } from '../util/options.js';
import { VERY_LARGE_INTEGER, type PaddingStrategy, type Side } from './options.js';
import { getTorch, isTensor, numbersToTensor } from './tensors.js';
import { assertNotPromise } from './not-awaited.js';

export interface PadOptions {
  padding?: PaddingStrategy;
  maxLength?: number;
  padToMultipleOf?: number;
  returnTensors?: 'pt' | null;
  returnAttentionMask?: boolean;
  paddingSide?: Side;
}

/** What padding needs to know about a tokenizer. */
export interface PaddingTokenizer {
  padTokenId: number | null;
  padTokenTypeId: number;
  paddingSide: Side;
  modelMaxLength: number;
  modelInputNames: string[];
}

const PAD_OPTIONS = new Set(['padding', 'maxLength', 'padToMultipleOf', 'returnTensors', 'returnAttentionMask', 'paddingSide']);

type Row = ArrayLike<number>;

function asRow(value: unknown, key: string, index: number): Row {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const row = value as ArrayLike<unknown>;
    if (row.length > 0 && typeof row[0] === 'bigint') return Array.from(row as ArrayLike<bigint>, Number);
    return row as Row;
  }
  if (isTensor(value)) return Array.from(value.data() as ArrayLike<number | bigint>, Number);
  throw new TypeError(`pad: '${key}' of example ${index} is ${value === null ? 'null' : typeof value}; expected a list of token ids`);
}

/** Column-wise view of either a list of examples or a dict of lists. */
function toColumns(inputs: Record<string, unknown>[] | Record<string, unknown>): { columns: Record<string, unknown[]>; n: number } {
  if (Array.isArray(inputs)) {
    if (inputs.length === 0) throw new Error('pad: got an empty list of examples');
    const keys = Object.keys(inputs[0]);
    const columns: Record<string, unknown[]> = Object.fromEntries(keys.map((k) => [k, new Array(inputs.length)]));
    inputs.forEach((row, i) => {
      if (row === null || typeof row !== 'object') throw new TypeError(`pad: example ${i} is not an object`);
      const rowKeys = Object.keys(row);
      if (rowKeys.length !== keys.length || rowKeys.some((k) => !(k in columns))) {
        throw new Error(`pad: example ${i} has keys [${rowKeys.join(', ')}] but example 0 has [${keys.join(', ')}]`);
      }
      for (const k of keys) columns[k][i] = row[k];
    });
    return { columns, n: inputs.length };
  }
  const source = inputs instanceof BatchEncoding ? inputs.toObject() : inputs;
  const columns: Record<string, unknown[]> = {};
  let n = -1;
  for (const [k, v] of Object.entries(source)) {
    const list = isTensor(v) ? (v.toArray() as unknown[]) : (v as unknown[]);
    if (!Array.isArray(list)) throw new TypeError(`pad: '${k}' must be a list (one entry per example)`);
    if (n >= 0 && list.length !== n) throw new Error(`pad: '${k}' has ${list.length} entries, others have ${n}`);
    n = list.length;
    columns[k] = list;
  }
  return { columns, n: Math.max(n, 0) };
}

export function padEncodings(tok: PaddingTokenizer, inputs: Record<string, unknown>[] | Record<string, unknown>, options: PadOptions = {}): BatchEncoding {
  assertNotPromise(inputs, 'pad');
  const o = normalizeOptions<PadOptions>(options, PAD_OPTIONS, 'pad');
  const { columns, n } = toColumns(inputs);
  const mainKey = tok.modelInputNames[0] ?? 'input_ids';
  if (!columns[mainKey]) {
    throw new Error(`pad: the examples must include '${mainKey}', but they have [${Object.keys(columns).join(', ')}]`);
  }
  const ids = columns[mainKey].map((v, i) => asRow(v, mainKey, i));
  const side = o.paddingSide ?? tok.paddingSide;
  const padding = o.padding ?? true;
  let target = 0;
  if (padding === true || padding === 'longest') for (const r of ids) target = Math.max(target, r.length);
  else if (padding === 'max_length') {
    target = o.maxLength ?? tok.modelMaxLength;
    if (target >= VERY_LARGE_INTEGER) throw new Error("pad: padding 'max_length' needs maxLength (the tokenizer has no modelMaxLength)");
  } else if (padding !== false && padding !== 'do_not_pad') {
    throw new TypeError(`pad: padding must be true, false, 'longest' or 'max_length', got ${JSON.stringify(padding)}`);
  }
  const doPad = padding !== false && padding !== 'do_not_pad';
  if (doPad && o.padToMultipleOf && target % o.padToMultipleOf !== 0) target = (Math.floor(target / o.padToMultipleOf) + 1) * o.padToMultipleOf;
  if (doPad && tok.padTokenId === null && ids.some((r) => r.length < target)) {
    throw new Error('Asking to pad but the tokenizer does not have a padding token; set tokenizer.padToken first.');
  }
  const wantMask = o.returnAttentionMask ?? tok.modelInputNames.includes('attention_mask');
  if (wantMask && !columns.attention_mask) columns.attention_mask = ids.map((r) => new Int32Array(r.length).fill(1));
  const padValues: Record<string, number> = {
    [mainKey]: tok.padTokenId ?? 0, token_type_ids: tok.padTokenTypeId, attention_mask: 0, special_tokens_mask: 1,
  };
  const data: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(columns)) {
    if (!(key in padValues)) {
      data[key] = o.returnTensors === 'pt' ? columnToTensor(key, values) : values;
      continue;
    }
    const rows = key === mainKey ? ids : values.map((v, i) => asRow(v, key, i));
    rows.forEach((r, i) => {
      if (r.length !== ids[i].length) throw new Error(`pad: '${key}' of example ${i} has length ${r.length} but '${mainKey}' has ${ids[i].length}`);
    });
    const width = doPad ? Math.max(target, ...rows.map((r) => r.length)) : 0;
    if (o.returnTensors === 'pt') {
      const len = doPad ? width : rows[0]?.length ?? 0;
      if (!doPad && rows.some((r) => r.length !== len)) {
        throw new Error(`Unable to create tensor for '${key}': examples have different lengths; use padding`);
      }
      const out = new BigInt64Array(n * len).fill(BigInt(padValues[key]));
      rows.forEach((r, i) => {
        const start = i * len + (side === 'left' ? len - r.length : 0);
        for (let j = 0; j < r.length; j++) out[start + j] = BigInt(r[j]);
      });
      data[key] = getTorch().tensor(out, { shape: [n, len] });
    } else {
      data[key] = rows.map((r) => {
        const extra = doPad ? Math.max(0, width - r.length) : 0;
        const fill = new Array<number>(extra).fill(padValues[key]);
        return side === 'left' ? [...fill, ...Array.from(r)] : [...Array.from(r), ...fill];
      });
    }
  }
  return new BatchEncoding({ data, isBatched: true });
}

/** A non-padded column (labels, ids, ...) as a tensor; strings are an error naming the column. */
export function columnToTensor(key: string, values: unknown[]): Tensor {
  const first = values[0];
  if (typeof first === 'number' || typeof first === 'boolean' || typeof first === 'bigint') {
    values.forEach((v, i) => {
      if (typeof v !== typeof first) throw new TypeError(`Unable to create tensor for '${key}': example ${i} is ${v === null ? 'null' : typeof v}, example 0 is ${typeof first}`);
    });
    if (typeof first === 'boolean') return getTorch().tensor(values as boolean[]);
    return numbersToTensor(values.map(Number));
  }
  if (isTensor(first)) return getTorch().stack(values as Tensor[], 0);
  if (Array.isArray(first) || ArrayBuffer.isView(first)) {
    const rows = values.map((v, i) => asRow(v, key, i));
    const len = rows[0].length;
    const other = rows.find((r) => r.length !== len);
    if (other) {
      throw new Error(
        `Unable to create tensor for '${key}': examples have different lengths (${len} and ${other.length}). Pad them: pass ` +
        "collateFn: new DataCollatorWithPadding({ tokenizer }) to the DataLoader (the Trainer pads by itself when given processingClass or tokenizer), or tokenize with padding: 'max_length'",
      );
    }
    const flat = new Array<number>(rows.length * len);
    rows.forEach((r, i) => { for (let j = 0; j < len; j++) flat[i * len + j] = Number(r[j]); });
    return numbersToTensor(flat).reshape([rows.length, len]);
  }
  throw new TypeError(
    `Unable to create tensor for '${key}': its values are ${first === null ? 'null' : typeof first}s. ` +
      `Remove non-numeric columns (e.g. dataset.removeColumns(['${key}'])) before batching.`);
}
