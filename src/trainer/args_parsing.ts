// Values for TrainingArguments fields from anywhere (code, JSON/YAML files, command-line flags):
// type coercion as Hugging Face's HfArgumentParser does it, and errors that name the field and
// suggest the closest real names for a misspelt one.
import type { FieldName, FieldSpec, TrainingArgumentsFields } from './training_args_fields.js';
import { camelToSnake, snakeToCamel } from '../util/case.js';
import { FIELDS, FIELD_NAMES, isField } from './training_args_fields.js';

/** transformers.hf_argparser.string_to_bool. */
export function stringToBool(v: string | boolean): boolean {
  if (typeof v === 'boolean') return v;
  const s = v.toLowerCase();
  if (['yes', 'true', 't', 'y', '1'].includes(s)) return true;
  if (['no', 'false', 'f', 'n', '0'].includes(s)) return false;
  throw new Error(`Truthy value expected: got ${v} but expected one of yes/no, true/false, t/f, y/n, 1/0 (case insensitive).`);
}

/** Edit distance, for suggesting the option a misspelt name meant. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

/** Up to three field names close to `key`, spelt in the key's style (snake_case or camelCase). */
export function closeFieldNames(key: string): string[] {
  const snakeStyle = /[_-]/.test(key) || key === key.toLowerCase();
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const target = norm(key);
  return FIELD_NAMES.map((name) => ({ name: snakeStyle ? camelToSnake(name) : name, d: levenshtein(target, norm(name)) }))
    .filter(({ d, name }) => d <= Math.max(2, Math.floor(name.length / 4)) || (norm(name).includes(target) && target.length >= 4))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map(({ name }) => name);
}

export function unknownKeyError(key: string, context: string): Error {
  const close = closeFieldNames(key);
  const hint = close.length ? ` Did you mean ${close.join(', ')}?` : ' TrainingArguments.FIELDS lists them all.';
  return new Error(`${context}: unknown argument '${key}'.${hint}`);
}

/** A field's value from a JS value or a string, checked against the field's kind. */
export function coerceField(name: FieldName, value: unknown, context: string): unknown {
  const spec = FIELDS[name] as FieldSpec;
  const label = `${context}: ${camelToSnake(name)}${camelToSnake(name) !== name ? ` (${name})` : ''}`;
  const bad = (what: string): never => {
    throw new TypeError(`${label} must be ${what}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  };
  if (value === null || (typeof value === 'string' && (value === 'None' || value === 'null') && spec.kind !== 'str')) {
    return spec.default === null || spec.kind === 'any' ? null : bad(`${spec.kind === 'int' ? 'an integer' : `a ${spec.kind}`} (it cannot be null)`);
  }
  switch (spec.kind) {
    case 'int': {
      const n = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) ? n : bad('an integer');
    }
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && !Number.isNaN(n) ? n : bad('a number');
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') return stringToBool(value);
      if (value === 0 || value === 1) return value === 1;
      return bad('a boolean');
    case 'str':
      if (typeof value === 'string') return value;
      return typeof value === 'number' ? String(value) : bad('a string');
    case 'list':
      if (typeof value === 'string') return [value];
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : bad('a list of strings');
    case 'dict':
      if (typeof value === 'string' && value.trim().startsWith('{')) return JSON.parse(value);
      return typeof value === 'object' && !Array.isArray(value) ? { ...(value as object) } : bad('an object');
    default:
      return value;
  }
}

export interface ParsedFlags {
  /** The TrainingArguments fields given, camelCase, typed. */
  args: Partial<TrainingArgumentsFields>;
  /** Flags (with their values) that are not TrainingArguments fields, in order. */
  unknown: string[];
}

const isFlag = (s: string | undefined) => s !== undefined && s.startsWith('--') && s.length > 2;

function fieldFor(flag: string): { name: FieldName; negated: boolean } | null {
  const direct = (n: string): FieldName | null => {
    const camel = /[_-]/.test(n) ? snakeToCamel(n) : n;
    return isField(camel) ? camel : null;
  };
  const name = direct(flag);
  if (name) return { name, negated: false };
  // HfArgumentParser adds --no_<field> for booleans that default to True
  const m = /^no[_-](.+)$/.exec(flag);
  const positive = m ? direct(m[1]) : null;
  if (positive && FIELDS[positive].kind === 'bool' && FIELDS[positive].default === true) return { name: positive, negated: true };
  return null;
}

/**
 * Command-line flags → TrainingArguments fields, like HfArgumentParser: `--learning_rate 2e-5`,
 * `--learningRate=2e-5`, `--learning-rate 2e-5`, `--do_train` (a bare boolean flag is true),
 * `--do_train false`, `--no_remove_unused_columns`, `--report_to tensorboard jsonl`.
 * Other flags are errors (with suggestions) unless `allowUnknown`, which returns them.
 */
export function parseArgsFlags(argv: readonly string[], options: { allowUnknown?: boolean } = {}): ParsedFlags {
  const args: Record<string, unknown> = {};
  const unknown: string[] = [];
  let i = 0;
  const takeValues = (): string[] => {
    const out: string[] = [];
    while (i < argv.length && !isFlag(argv[i])) out.push(argv[i++]);
    return out;
  };
  while (i < argv.length) {
    const token = argv[i++];
    if (!isFlag(token)) {
      if (!options.allowUnknown) throw new Error(`unrecognized argument: ${token}`);
      unknown.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const flag = token.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    const field = fieldFor(flag);
    if (!field) {
      if (!options.allowUnknown) {
        const close = closeFieldNames(flag);
        throw new Error(`unrecognized argument: --${flag}.${close.length ? ` Did you mean ${close.map((c) => `--${c}`).join(', ')}?` : ''}`);
      }
      unknown.push(token, ...(inline === undefined ? takeValues() : []));
      continue;
    }
    const { name, negated } = field;
    const spec = FIELDS[name] as FieldSpec;
    if (name in args) throw new Error(`--${flag} is given more than once`);
    let value: unknown;
    if (negated) {
      if (inline !== undefined) throw new Error(`--${flag} takes no value`);
      value = false;
    } else if (spec.kind === 'bool') {
      const next = inline ?? (argv[i] !== undefined && !isFlag(argv[i]) ? argv[i++] : undefined);
      value = next === undefined ? true : stringToBool(next);
    } else {
      const values = inline !== undefined ? [inline] : takeValues();
      if (values.length === 0) throw new Error(`--${flag} expects a value`);
      if (spec.kind === 'list' || (spec.kind === 'any' && values.length > 1)) value = values;
      else if (values.length > 1) throw new Error(`--${flag} expects one value, got ${values.length}: ${values.join(' ')}`);
      else value = values[0];
    }
    args[name] = coerceField(name, value, `--${flag}`);
  }
  return { args: args as Partial<TrainingArgumentsFields>, unknown };
}
