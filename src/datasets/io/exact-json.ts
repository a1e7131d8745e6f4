// JSON with exact integers. JSON.parse turns 12345678901234567891 into 12345678901234567000;
// Python's json (and pyarrow) keep it. Integer literals outside the safe range become bigints.
import { randomBytes } from 'node:crypto';

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/** JSON.parse, except that integers beyond ±(2^53 - 1) come back as bigint. */
export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text); // nothing long enough to lose precision
  // The marker string is written escaped (JSON forbids a raw NUL) and read back unescaped.
  const tag = `${randomBytes(6).toString('hex')}:`;
  const mark = `\u0000${tag}`;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // a string: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) continue;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) continue;
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(Number(m[0]))) {
      out += `${text.slice(last, i)}"\\u0000${tag}${m[0]}"`;
      last = i + m[0].length;
    }
    i += m[0].length - 1;
  }
  if (last === 0) return JSON.parse(text);
  return JSON.parse(out + text.slice(last), (_, v) => (typeof v === 'string' && v.startsWith(mark) ? BigInt(v.slice(mark.length)) : v));
}
