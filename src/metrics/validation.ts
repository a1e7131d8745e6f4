// Input handling shared by the metrics: turning arrays/typed arrays/Tensors into plain JS values
// and scikit-learn's target-type rules (type_of_target, _check_targets, unique_labels), so that
// the same inputs are accepted or refused, with the same messages, as in sklearn 1.2.
import type { Tensor } from '../engine/tensor.js';

export type Label = number | string;

/** What the metrics accept: JS arrays (nested for 2-D), typed arrays, or finetune Tensors. */
export type ArrayInput = Tensor | ArrayLike<unknown>;

export type TargetType =
  | 'binary' | 'multiclass' | 'multilabel-indicator' | 'continuous'
  | 'multiclass-multioutput' | 'continuous-multioutput' | 'unknown';

/** A 1-D label vector or a 2-D matrix (multilabel indicators, per-class scores). */
export type Values = { ndim: 1; data: Label[] } | { ndim: 2; data: number[][]; cols: number };

function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).toArray === 'function' && Array.isArray((x as Tensor).shape);
}

function scalar(v: unknown, name: string): Label {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0; // numpy compares True == 1
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`${name}: expected numbers or strings, got ${v === null ? 'null' : typeof v}`);
}

/** Plain nested JS array from any accepted input (Tensors are copied to the CPU first). */
export function toPlain(input: unknown, name: string): unknown[] {
  let x = input;
  if (isTensorLike(x)) {
    const t = x.device !== 'cpu' ? x.to('cpu') : x;
    const arr = t.toArray();
    return Array.isArray(arr) ? arr : [arr];
  }
  if (x === null || x === undefined) throw new TypeError(`${name} is required`);
  if (typeof x === 'string' || typeof (x as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${name}: expected an array, a typed array or a Tensor, got ${typeof x}`);
  }
  return Array.from(x as ArrayLike<unknown>, (v) => (ArrayBuffer.isView(v) || Array.isArray(v) || isTensorLike(v) ? toPlain(v, name) : v));
}

/** 1-D labels or a 2-D numeric matrix; a single column is flattened, as sklearn's column_or_1d. */
export function asValues(input: unknown, name: string): Values {
  const plain = toPlain(input, name);
  if (plain.length === 0 || !Array.isArray(plain[0])) return { ndim: 1, data: plain.map((v) => scalar(v, name)) };
  const cols = (plain[0] as unknown[]).length;
  const rows = plain.map((row, i) => {
    if (!Array.isArray(row) || row.length !== cols) throw new Error(`${name}: rows have different lengths (row 0 has ${cols}, row ${i} has ${Array.isArray(row) ? row.length : 'no'} columns)`);
    if (row.some(Array.isArray)) throw new Error(`${name}: expected at most 2 dimensions`);
    return row.map((v) => {
      const s = scalar(v, name);
      if (typeof s !== 'number') throw new TypeError(`${name}: a 2-D input must be numeric`);
      return s;
    });
  });
  if (cols === 1) return { ndim: 1, data: rows.map((r) => r[0]) };
  return { ndim: 2, data: rows, cols };
}

export function as1d(input: unknown, name: string): Label[] {
  const v = asValues(input, name);
  if (v.ndim === 2) throw new Error(`y should be a 1d array, got an array of shape (${v.data.length}, ${v.cols}) instead.`);
  return v.data;
}

export function asNumbers(input: unknown, name: string): number[] {
  return as1d(input, name).map((v) => {
    if (typeof v !== 'number') throw new TypeError(`${name}: expected numbers, got the string ${JSON.stringify(v)}`);
    return v;
  });
}

function checkFinite(values: number[], name: string): void {
  if (values.some(Number.isNaN)) throw new Error(`Input ${name} contains NaN.`);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`Input ${name} contains infinity or a value too large for dtype('float64').`);
}

/** sklearn.utils.multiclass.type_of_target. */
export function typeOfTarget(y: Values, name = 'y'): TargetType {
  if (y.ndim === 2) {
    const flat = y.data.flat();
    const distinct = new Set(flat);
    if (distinct.size < 3 && flat.every(Number.isInteger)) return 'multilabel-indicator';
    if (flat.some((v) => !Number.isInteger(v))) {
      checkFinite(flat, name);
      return 'continuous-multioutput';
    }
    return 'multiclass-multioutput';
  }
  const values = y.data;
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size > 1) throw new Error('Mix of label input types (string and number)');
  if (kinds.has('number') && (values as number[]).some((v) => !Number.isInteger(v))) {
    checkFinite(values as number[], name);
    return 'continuous';
  }
  return new Set(values).size > 2 ? 'multiclass' : 'binary';
}

/** Python's repr of a label list, for messages that quote sklearn's. */
export function pyList(values: readonly (Label | null)[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? `'${v}'` : v === null ? 'None' : String(v))).join(', ')}]`;
}

export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted distinct labels of 1-D vectors (sklearn's unique_labels, which refuses mixed types). */
export function uniqueLabels(...ys: Label[][]): Label[] {
  const set = new Set<Label>();
  for (const y of ys) for (const v of y) set.add(v);
  const labels = [...set];
  if (new Set(labels.map((v) => typeof v)).size > 1) throw new Error('Mix of label input types (string and number)');
  return labels.sort(compareLabels);
}

export function checkConsistentLength(...arrays: ({ length: number } | null | undefined)[]): void {
  const lengths = arrays.filter((a): a is { length: number } => a != null).map((a) => a.length);
  if (new Set(lengths).size > 1) throw new Error(`Found input variables with inconsistent numbers of samples: ${pyList(lengths)}`);
}

export type Targets =
  | { type: 'binary' | 'multiclass'; yTrue: Label[]; yPred: Label[] }
  | { type: 'multilabel-indicator'; yTrue: number[][]; yPred: number[][]; cols: number };

/** sklearn.metrics._classification._check_targets. */
export function checkTargets(yTrueIn: unknown, yPredIn: unknown): Targets {
  const yTrue = asValues(yTrueIn, 'y_true');
  const yPred = asValues(yPredIn, 'y_pred');
  checkConsistentLength(yTrue.data, yPred.data);
  const typeTrue = typeOfTarget(yTrue, 'y_true');
  const typePred = typeOfTarget(yPred, 'y_pred');
  const types = new Set([typeTrue, typePred]);
  if (types.size === 2 && types.has('binary') && types.has('multiclass')) types.delete('binary');
  if (types.size > 1) {
    const hint = types.has('continuous') ? ' (if these are scores or logits, take the argmax first: predictions.argmax(-1))' : '';
    throw new Error(`Classification metrics can't handle a mix of ${typeTrue} and ${typePred} targets${hint}`);
  }
  let type = [...types][0];
  if (type !== 'binary' && type !== 'multiclass' && type !== 'multilabel-indicator') throw new Error(`${type} is not supported`);
  if (type === 'multilabel-indicator') {
    const a = yTrue as Extract<Values, { ndim: 2 }>;
    const b = yPred as Extract<Values, { ndim: 2 }>;
    if (a.cols !== b.cols) throw new Error('Multi-label binary indicator input with different numbers of labels');
    return { type, yTrue: a.data, yPred: b.data, cols: a.cols };
  }
  const t = yTrue.data as Label[];
  const p = yPred.data as Label[];
  if (type === 'binary' && uniqueLabels(t, p).length > 2) type = 'multiclass';
  return { type, yTrue: t, yPred: p };
}

/** Optional per-sample weights as numbers, checked against the number of samples. */
export function sampleWeights(input: unknown, n: number): number[] | null {
  if (input === undefined || input === null) return null;
  const w = asNumbers(input, 'sample_weight');
  if (w.length !== n) throw new Error(`sample_weight.shape == (${w.length},), expected (${n},)!`);
  return w;
}

/** numpy.average: the plain mean, or sum(a·w)/sum(w). */
export function average(a: readonly number[], weights?: readonly number[] | null): number {
  if (!weights) return a.reduce((s, v) => s + v, 0) / a.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += a[i] * weights[i];
    den += weights[i];
  }
  if (den === 0) throw new Error('Weights sum to zero, can\'t be normalized');
  return num / den;
}
