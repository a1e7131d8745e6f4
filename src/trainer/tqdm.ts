// tqdm as tutorials use it: `const bar = tqdm(range(n))` or `tqdm(loader)`, iterated with
// for…of (or for await…of over async sources), with setDescription/setPostfix per step, or
// `tqdm({ total })` updated by hand. The bar is progress.ts's Tqdm.
import { Tqdm, type ProgressOptions } from './progress.js';

export { Tqdm };

/** tqdm(iterable, { desc, total }) or tqdm({ total, desc }) for a bar advanced with update(). */
export function tqdm<T>(iterable: Iterable<T> | AsyncIterable<T>, options?: ProgressOptions): Tqdm<T>;
export function tqdm(options: ProgressOptions): Tqdm<never>;
export function tqdm<T>(iterableOrOptions: Iterable<T> | AsyncIterable<T> | ProgressOptions, options: ProgressOptions = {}): Tqdm<T> {
  const isSource = iterableOrOptions !== null && typeof iterableOrOptions === 'object' && (Symbol.iterator in iterableOrOptions || Symbol.asyncIterator in iterableOrOptions);
  return isSource ? new Tqdm(iterableOrOptions as Iterable<T>, options) : new Tqdm<T>(null, iterableOrOptions as ProgressOptions);
}
