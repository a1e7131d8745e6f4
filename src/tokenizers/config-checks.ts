// Types of the tokenizer_config.json / special_tokens_map.json fields this library acts on.
// transformers would fail on most of these later and far away (or, for model_max_length,
// silently stop truncating); here a wrong value is an error naming the file and the key.
import { SPECIAL_ROLES } from './special-tokens.js';

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v === 'object' ? 'an object' : String(v));

const isToken = (v: unknown): boolean =>
  typeof v === 'string' || (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { content?: unknown }).content === 'string');

type Check = (v: unknown) => string | null; // what was expected, or null when fine

const TOKEN: Check = (v) => (v === null || isToken(v) ? null : 'a token string, an AddedToken object ({"content": "..."}) or null');
const BOOLEAN: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const SIDE: Check = (v) => (v === 'left' || v === 'right' ? null : '"left" or "right"');

const CHECKS: Record<string, Check> = {
  ...Object.fromEntries(SPECIAL_ROLES.map((role) => [`${role}_token`, TOKEN])),
  additional_special_tokens: (v) => (v === null || (Array.isArray(v) && v.every(isToken)) ? null : 'a list of token strings or AddedToken objects'),
  // int(1e30), transformers' "no limit", is written as a float: any integer >= 1 is accepted.
  model_max_length: (v) => (v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1) ? null : 'a positive integer (or null for no limit)'),
  padding_side: SIDE,
  truncation_side: SIDE,
  do_lower_case: BOOLEAN,
  tokenize_chinese_chars: BOOLEAN,
  clean_up_tokenization_spaces: BOOLEAN,
  strip_accents: (v) => (v === null || typeof v === 'boolean' ? null : 'true, false or null'),
  model_input_names: (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'a list of strings'),
};

/** Throws `${source}: "key" must be …, got …` for the first field of the wrong type. */
export function checkTokenizerConfig(values: Record<string, unknown>, source: string): void {
  for (const [key, check] of Object.entries(CHECKS)) {
    if (!Object.hasOwn(values, key)) continue;
    const expected = check(values[key]);
    if (expected) throw new TypeError(`${source}: "${key}" must be ${expected}, got ${describe(values[key])}`);
  }
}
