// Prints tensors the way PyTorch does (torch/_tensor_str.py with default print options:
// precision 4, summarise above 1000 elements showing 3 at each edge, lines of 80 columns).
import type { Tensor } from './tensor.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;

type Value = number | boolean;

/** True when |v|·10^p lies exactly halfway between two integers (exact arithmetic on v's binary value). */
function halfway(v: number, p: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075; // |v| = mantissa · 2^exponent
  let num = 2n * mantissa * (p > 0 ? 10n ** BigInt(p) : 1n);
  let den = p < 0 ? 10n ** BigInt(-p) : 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  return num % den === 0n && (num / den) % 2n === 1n;
}

/**
 * JavaScript rounds a tie away from zero, Python's format() to the even digit (0.03125 →
 * '0.0312'); a tie that went to an odd last digit steps back down. Python also keeps the
 * sign of -0, which toFixed and toExponential drop.
 */
function pythonRounding(s: string, v: number, p: number): string {
  const last = s.length - 1;
  if (halfway(v, p) && Number(s[last]) % 2 === 1) s = s.slice(0, last) + String(Number(s[last]) - 1);
  return Object.is(v, -0) ? '-' + s : s;
}

/** Python's '{:.Ne}': a two-digit exponent with its sign (1.0000e-05). */
function exponential(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = v.toExponential(digits).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${pythonRounding(mantissa, v, digits - Number(exponent))}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
}

/** Python's '{:.Nf}'. */
function fixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return pythonRounding(v.toFixed(digits), v, digits);
}

class Formatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(values: Value[], private readonly floating: boolean) {
    if (!floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
      return;
    }
    const finite = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    const abs = finite.map(Math.abs);
    const min = Math.min(...abs);
    const max = Math.max(...abs);
    this.intMode = finite.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, exponential(v, PRECISION).length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, fixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, exponential(v, PRECISION).length);
    } else {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, fixed(v, PRECISION).length);
    }
  }

  get width(): number {
    return this.maxWidth;
  }

  private plain(v: Value): string {
    return typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
  }

  format(v: Value): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (this.sciMode) s = exponential(v as number, PRECISION);
    else if (this.intMode) s = fixed(v as number, 0) + (Number.isFinite(v) ? '.' : '');
    else s = fixed(v as number, PRECISION);
    return s.padStart(this.maxWidth, ' ');
  }
}

export function formatTensor(t: Tensor): string {
  const shape = t.shape;
  const dtype = t.dtype;
  const floating = t.isFloatingPoint();
  const raw = t.data();
  const at = (i: number): Value =>
    raw instanceof BigInt64Array ? Number(raw[i]) : dtype === 'bool' ? raw[i] !== 0 : (raw[i] as number);
  const numel = raw.length;
  const summarize = numel > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

  // The indices printed along one dimension: all of them, or the edges around '...'.
  const indices = (size: number): (number | null)[] => {
    if (!summarize || size <= 2 * EDGE) return Array.from({ length: size }, (_, i) => i);
    return [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => size - EDGE + i)];
  };

  const visited: Value[] = [];
  const visit = (depth: number, offset: number): void => {
    if (depth === shape.length) {
      visited.push(at(offset));
      return;
    }
    for (const i of indices(shape[depth])) if (i !== null) visit(depth + 1, offset + i * strides[depth]);
  };
  if (numel > 0) visit(0, 0);
  const formatter = new Formatter(visited, floating);

  const render = (depth: number, offset: number, indent: number): string => {
    const dims = shape.length - depth;
    if (dims === 0) return formatter.format(at(offset));
    if (dims === 1) {
      const items = indices(shape[depth]).map((i) => (i === null ? ' ...' : formatter.format(at(offset + i * strides[depth]))));
      const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / (formatter.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
    }
    const slices = indices(shape[depth]).map((i) => (i === null ? '...' : render(depth + 1, offset + i * strides[depth], indent + 1)));
    return '[' + slices.join(',' + '\n'.repeat(dims - 1) + ' '.repeat(indent + 1)) + ']';
  };

  const prefix = 'tensor(';
  const body = numel === 0 ? '[]' : render(0, 0, prefix.length);
  const suffixes: string[] = [];
  if (numel === 0 && shape.length !== 1) suffixes.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  // An empty tensor has no values to show that it is not float32, so its dtype is printed.
  if (numel === 0 ? dtype !== 'float32' : !['float32', 'int64', 'bool'].includes(dtype)) suffixes.push(`dtype=torch.${dtype}`);
  const gradFn = t.gradFn;
  if (gradFn) suffixes.push(`grad_fn=<${gradFn}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  // As torch._tensor_str._add_suffixes: a suffix wraps when the line would pass the width.
  let out = prefix + body;
  let lastLine = out.length - out.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > LINEWIDTH) {
      out += ',\n' + ' '.repeat(prefix.length) + suffix;
      lastLine = prefix.length + suffix.length;
    } else {
      out += ', ' + suffix;
      lastLine += suffix.length + 2;
    }
  }
  return out + ')';
}
