// Inferring a feature from JavaScript values, as pyarrow does for Hugging Face: integers give
// int64, other numbers float64, strings string, lists Sequence. Tokenizer outputs get
// Hugging Face's compact types (int32 ids, int8 masks).
import { Sequence, Value, type Feature } from './features.js';

/** Columns Hugging Face stores with smaller integer types. */
export const OPTIMIZED_COLUMNS: Record<string, Feature> = {
  input_ids: new Sequence(new Value('int32')),
  token_type_ids: new Sequence(new Value('int8')),
  attention_mask: new Sequence(new Value('int8')),
  special_tokens_mask: new Sequence(new Value('int8')),
};

type Kind = 'null' | 'bool' | 'int' | 'float' | 'string' | 'list';

function kindOf(v: unknown): Kind | 'other' {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint': return 'int';
    case 'string': return 'string';
    default: return Array.isArray(v) || ArrayBuffer.isView(v) ? 'list' : 'other';
  }
}

/** The feature of a column of values; mixed types are an error naming the column and row. */
export function inferFeature(values: readonly unknown[], name: string, locate?: (row: number) => string): Feature {
  if (name in OPTIMIZED_COLUMNS && values.every((v) => v === null || Array.isArray(v) || ArrayBuffer.isView(v))) {
    const ok = values.every((v) => v === null || Array.from(v as ArrayLike<unknown>).every((x) => Number.isInteger(x)));
    if (ok) return OPTIMIZED_COLUMNS[name];
  }
  let kind: Kind = 'null';
  let firstRow = -1;
  for (let i = 0; i < values.length; i++) {
    const k = kindOf(values[i]);
    if (k === 'null') continue;
    if (k === 'other') {
      const where = locate ? locate(i) : `column '${name}', row ${i}`;
      throw new TypeError(`${where}: cannot store ${Object.prototype.toString.call(values[i])} in a dataset column`);
    }
    if (kind === 'null') { kind = k; firstRow = i; continue; }
    if (kind === k) continue;
    if ((kind === 'int' && k === 'float') || (kind === 'float' && k === 'int')) { kind = 'float'; continue; }
    const where = locate ? locate(i) : `column '${name}', row ${i}`;
    throw new TypeError(`${where}: found a ${k} in column '${name}', whose earlier values (from row ${firstRow}) are ${kind}s`);
  }
  switch (kind) {
    case 'null': return new Value('null');
    case 'bool': return new Value('bool');
    case 'int': return new Value('int64');
    case 'float': return new Value('float64');
    case 'string': return new Value('string');
    case 'list': {
      const flat: unknown[] = [];
      for (const v of values) if (v !== null && v !== undefined) for (const x of Array.from(v as ArrayLike<unknown>)) flat.push(x);
      const item = inferFeature(flat, `${name}[]`);
      return new Sequence(item instanceof Value && item.dtype === 'null' ? new Value('int64') : item);
    }
  }
}
