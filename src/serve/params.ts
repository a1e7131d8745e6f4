// Checking the fields of a request body: each check names the field and what it should have
// been (a 400), and `parameters` in snake_case (as the Inference API sends them) or camelCase
// become the pipelines' camelCase options; a parameter the task does not know is an error.
import { snakeToCamel } from '../util/case.js';
import { HttpError } from './http.js';

export type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'string[]' | 'nullable-integer';

export const bad = (message: string): HttpError => new HttpError(400, message);

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** value checked against kind; `field` names it in the error. */
export function check(field: string, value: unknown, kind: Kind, range?: { min?: number; max?: number; gt?: number }): unknown {
  const fail = (want: string) => bad(`${field} must be ${want}, got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)}`);
  if (kind === 'string') {
    if (typeof value !== 'string') throw fail('a string');
    return value;
  }
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw fail('true or false');
    return value;
  }
  if (kind === 'string[]') {
    if (typeof value === 'string') return value;
    if (!Array.isArray(value) || value.length === 0 || value.some((x) => typeof x !== 'string')) throw fail('a string or a non-empty list of strings');
    return value;
  }
  if (kind === 'nullable-integer' && value === null) return null;
  const integer = kind !== 'number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) throw fail(integer ? 'an integer' : 'a number');
  if (range?.min !== undefined && value < range.min) throw fail(`≥ ${range.min}`);
  if (range?.max !== undefined && value > range.max) throw fail(`≤ ${range.max}`);
  if (range?.gt !== undefined && value <= range.gt) throw fail(`> ${range.gt}`);
  return value;
}

export interface ParamSpec { kind: Kind; min?: number; max?: number; gt?: number; choices?: readonly string[] }

/**
 * `parameters` (absent, or an object) → camelCase options, each checked by its spec.
 * `where` is the prefix of field names in errors ("parameters").
 */
export function readParameters(value: unknown, specs: Record<string, ParamSpec>, where = 'parameters'): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${where} must be an object, got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const name = snakeToCamel(key);
    const spec = specs[name];
    if (!spec) throw bad(`${where}.${key} is not a parameter of this task (known: ${Object.keys(specs).map(snake).join(', ') || 'none'})`);
    if (raw === undefined) continue;
    const v = check(`${where}.${key}`, raw, spec.kind, spec);
    if (spec.choices && !spec.choices.includes(v as string)) throw bad(`${where}.${key} must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(v)}`);
    if (name in out) throw bad(`${where}.${key} is given twice (snake_case and camelCase)`);
    out[name] = v;
  }
  return out;
}

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A non-empty string, or a non-empty list of them: the `inputs` of most tasks. */
export function readTexts(value: unknown, field = 'inputs'): { texts: string[]; single: boolean } {
  if (value === undefined) throw bad(`${field} is required`);
  if (typeof value === 'string') {
    if (value.trim() === '') throw bad(`${field} must not be empty`);
    return { texts: [value], single: true };
  }
  if (!Array.isArray(value)) throw bad(`${field} must be a string or a list of strings, got ${describe(value)}`);
  if (value.length === 0) throw bad(`${field} must not be an empty list`);
  value.forEach((x, i) => {
    if (typeof x !== 'string') throw bad(`${field}[${i}] must be a string, got ${describe(x)}`);
    if (x.trim() === '') throw bad(`${field}[${i}] must not be empty`);
  });
  return { texts: value as string[], single: false };
}
