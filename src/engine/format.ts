// Prints tensors the way PyTorch does (torch/_tensor_str.py with default print options:
// precision 4, summarise above 1000 elements showing 3 at each edge, lines of 80 columns).
import type { Tensor } from './tensor.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;

type Value = number | boolean;

/** Python's '{:.Ne}': a two-digit exponent with its sign (1.0000e-05). */
function exponential(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const [mantissa, exponent] = v.toExponential(digits).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
}

function fixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return v.toFixed(digits);
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
  if (!['float32', 'int64', 'bool'].includes(dtype)) suffixes.push(`dtype=torch.${dtype}`);
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
