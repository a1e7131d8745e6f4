// Options objects as Hugging Face's keyword arguments: snake_case keys accepted beside the
// camelCase ones, unknown keys an error naming the call. Shared by tokenizers and datasets.
import { snakeToCamel } from './case.js';

/** Accepts `max_length` as well as `maxLength`; unknown options are an error, not ignored; undefined values are dropped. */
export function normalizeOptions<T extends object>(options: object | undefined, known: ReadonlySet<string>, where: string): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    const k = snakeToCamel(key);
    if (!known.has(k)) throw new TypeError(`${where}: unknown option '${key}'; known options: ${[...known].join(', ')}`);
    if (value !== undefined) out[k] = value;
  }
  return out as T;
}
