// JSON as Python's json module writes and reads it, for files Hugging Face tools share with us
// (trainer_state.json, training_args.json): json.dumps(indent=2, sort_keys=…) with
// ensure_ascii, repr() floats ('5e-05', '1.0') and NaN/Infinity, which JSON.parse refuses.
import { pyFloatRepr } from '../metrics/format.js';

export interface PyJsonOptions {
  indent?: number | null;
  sortKeys?: boolean;
  /** Whether an integral number is a Python float (written '3.0'); `key` is the nearest object key. */
  isFloat?: (key: string | null, value: number) => boolean;
}

function escapeString(s: string): string {
  // ensure_ascii: everything outside ' '..'~' is escaped, astral characters as surrogate pairs
  return `"${s.replace(/[\\"]|[^ -~]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\b': return '\\b';
      case '\f': return '\\f';
      default: return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  })}"`;
}

function number(v: number, key: string | null, opts: PyJsonOptions): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(v) && !(opts.isFloat?.(key, v) ?? false) && Math.abs(v) < 2 ** 63) return BigInt(v).toString();
  return pyFloatRepr(v);
}

/** Python's json.dumps(value, indent=…, sort_keys=…). */
export function pyJsonDumps(value: unknown, opts: PyJsonOptions = {}): string {
  const indent = opts.indent ?? null;
  const itemSep = indent === null ? ', ' : ',';
  const write = (v: unknown, level: number, key: string | null): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return number(v, key, opts);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return escapeString(v);
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return write((v as { toJSON(): unknown }).toJSON(), level, key);
    const inner = indent === null ? '' : `\n${' '.repeat(indent * (level + 1))}`;
    const outer = indent === null ? '' : `\n${' '.repeat(indent * level)}`;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${inner}${v.map((x) => write(x, level + 1, key)).join(itemSep + inner)}${outer}]`;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    if (opts.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${inner}${entries.map(([k, x]) => `${escapeString(k)}: ${write(x, level + 1, k)}`).join(itemSep + inner)}${outer}}`;
  };
  return write(value, 0, null);
}

const SPECIAL = '\u0000py:';

/** JSON.parse that also reads Python's NaN, Infinity and -Infinity. */
export function pyJsonLoads(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    const word = text.startsWith('NaN', i) ? 'NaN' : text.startsWith('-Infinity', i) ? '-Infinity' : text.startsWith('Infinity', i) ? 'Infinity' : null;
    if (word) {
      out += JSON.stringify(SPECIAL + word);
      i += word.length - 1;
      continue;
    }
    out += c;
  }
  return JSON.parse(out, (_k, v) => (typeof v === 'string' && v.startsWith(SPECIAL) ? Number(v.slice(SPECIAL.length)) : v));
}
