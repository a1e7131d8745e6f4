// Python's number formatting, for output that must read exactly as Hugging Face's/sklearn's:
// '{:.2f}' (round-half-even on the exact binary value, where JS's toFixed rounds ties up) and
// repr(float) ('5e-05', '1.0', 'nan'), plus repr of a flat dict as the Trainer prints its logs.

/** Python's format(x, '.Nf'). */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  // toFixed(100) is the exact decimal expansion for every value whose rounding can tie
  const [intPart, frac] = Math.abs(x).toFixed(100).split('.');
  let digitsStr = intPart + frac.slice(0, digits);
  const rest = frac.slice(digits);
  const first = rest.charCodeAt(0) - 48;
  const tail = /[1-9]/.test(rest.slice(1));
  const last = digitsStr.charCodeAt(digitsStr.length - 1) - 48;
  if (first > 5 || (first === 5 && (tail || last % 2 === 1))) digitsStr = (BigInt(digitsStr) + 1n).toString().padStart(digitsStr.length, '0');
  const cut = digitsStr.length - digits;
  const body = digits > 0 ? `${digitsStr.slice(0, cut) || '0'}.${digitsStr.slice(cut)}` : digitsStr;
  return `${negative ? '-' : ''}${body}`;
}

/** Python's repr(float): shortest round-trip digits, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = x.toString(); // JS writes plain decimals for all of 1e-7 ≤ |x| < 1e21
  return s.includes('.') ? s : `${s}.0`;
}

/** A value as Python's repr shows it: integers bare, other numbers as floats, strings quoted. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : pyFloatRepr(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** Python's len(): code points, not UTF-16 units. */
export function pyLen(s: string): number {
  return [...s].length;
}

export function padLeft(s: string, width: number): string {
  const n = pyLen(s);
  return n >= width ? s : ' '.repeat(width - n) + s;
}
