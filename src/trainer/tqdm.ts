// tqdm as tutorials use it: `const bar = tqdm(range(n))` or `tqdm(loader)`, iterated with
// for…of (or for await…of over async sources), with setDescription/setPostfix per step, or
// `tqdm({ total })` updated by hand. The drawing is ProgressBar's.
import { ProgressBar, type ProgressOptions } from './progress.js';

export class Tqdm<T = number> extends ProgressBar implements Iterable<T>, AsyncIterable<T> {
  constructor(private readonly source: Iterable<T> | AsyncIterable<T> | null, options: ProgressOptions = {}) {
    const length = (source as { length?: unknown } | null)?.length;
    super({ ...options, total: options.total ?? (typeof length === 'number' ? length : null) });
  }

  *[Symbol.iterator](): Iterator<T> {
    const src = this.source;
    if (!src) throw new TypeError('tqdm: nothing to iterate; this bar was made with tqdm({ total }) and is advanced by update()');
    if (!(Symbol.iterator in src)) throw new TypeError('tqdm: the source is async (a DataLoader with an async collator, a stream); iterate with `for await`');
    try {
      for (const item of src) {
        yield item;
        this.update();
      }
    } finally {
      this.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const src = this.source;
    if (!src) throw new TypeError('tqdm: nothing to iterate; this bar was made with tqdm({ total }) and is advanced by update()');
    try {
      for await (const item of src as AsyncIterable<T>) {
        yield item;
        this.update();
      }
    } finally {
      this.close();
    }
  }
}

/** tqdm(iterable, { desc, total }) or tqdm({ total, desc }) for a bar advanced with update(). */
export function tqdm<T>(iterable: Iterable<T> | AsyncIterable<T>, options?: ProgressOptions): Tqdm<T>;
export function tqdm(options: ProgressOptions): Tqdm<never>;
export function tqdm<T>(iterableOrOptions: Iterable<T> | AsyncIterable<T> | ProgressOptions, options: ProgressOptions = {}): Tqdm<T> {
  const isSource = iterableOrOptions !== null && typeof iterableOrOptions === 'object' && (Symbol.iterator in iterableOrOptions || Symbol.asyncIterator in iterableOrOptions);
  return isSource ? new Tqdm(iterableOrOptions as Iterable<T>, options) : new Tqdm<T>(null, iterableOrOptions as ProgressOptions);
}
