// torch.utils.data.Dataset: the base class of a hand-written dataset. Python's __len__ and
// __getitem__ are `length` and `getItem(index)` here; the DataLoader and the Trainer take a
// subclass as they take a Hugging Face Dataset or an array of examples.
import type { Row } from '../datasets/dataset.js';

/**
 * class MovieReviews extends data.Dataset<{ input_ids: number[]; label: number }> {
 *   get length() { return this.rows.length; }
 *   getItem(i: number) { return this.rows[i]; }
 * }
 */
export abstract class Dataset<T = Row> {
  /** Python's __len__. */
  abstract readonly length: number;
  /** Python's __getitem__(index). */
  abstract getItem(index: number): T;
}

/** Python's names on a TypeScript class: the fix, for the DataLoader's and the Trainer's errors. */
export function pythonStyleDatasetError(where: string, dataset: unknown): TypeError | null {
  const o = dataset as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') return null;
  const python = ['__len__', '__getitem__'].filter((k) => typeof o[k] === 'function');
  if (python.length === 0) return null;
  return new TypeError(`${where}: the dataset defines ${python.join(' and ')}, Python's names; in TypeScript extend data.Dataset and define \`get length()\` and \`getItem(index)\``);
}

/** The number of examples of anything the DataLoader reads, or a TypeError saying what is missing. */
export function lengthOf(where: string, dataset: unknown): number {
  const n = (dataset as { length?: unknown; numRows?: unknown } | null)?.numRows ?? (dataset as { length?: unknown } | null)?.length;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  throw pythonStyleDatasetError(where, dataset) ?? new TypeError(
    `${where}: the dataset must have a length: a Dataset, an array of examples, or a data.Dataset subclass with \`get length()\` and \`getItem(index)\`${n instanceof Function ? ' (its `length` is a method; make it a getter: `get length()`)' : ''}`,
  );
}
