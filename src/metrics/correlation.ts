// Pearson and Spearman correlation as scipy.stats 1.10 computes them (same centring/scaling
// steps, average ranks for ties, NaN for constant input), with their two-sided p-values from
// the regularized incomplete beta function.
import { asNumbers, checkConsistentLength } from './validation.js';

export interface CorrelationResult {
  statistic: number;
  pvalue: number;
}

const warned = new Set<string>();
function warnOnce(message: string, type: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, type);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function betainc(a: number, b: number, x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // the continued fraction converges fast on the side of the mean; use the symmetry otherwise
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function inputs(x: unknown, y: unknown): [number[], number[]] {
  const a = asNumbers(x, 'x');
  const b = asNumbers(y, 'y');
  if (a.length !== b.length) throw new Error('x and y must have the same length.');
  return [a, b];
}

/** scipy.stats.pearsonr with the two-sided p-value. */
export function pearsonr(x: unknown, y: unknown): CorrelationResult {
  const [a, b] = inputs(x, y);
  const n = a.length;
  if (n < 2) throw new Error('x and y must have length at least 2.');
  if (a.every((v) => v === a[0]) || b.every((v) => v === b[0])) {
    warnOnce('An input array is constant; the correlation coefficient is not defined.', 'ConstantInputWarning');
    return { statistic: NaN, pvalue: NaN };
  }
  if (n === 2) return { statistic: Math.sign(a[1] - a[0]) * Math.sign(b[1] - b[0]), pvalue: 1 };
  // scipy's steps: centre, scale by the largest deviation (avoids overflow), normalise, dot
  const [ma, mb] = [mean(a), mean(b)];
  const am = a.map((v) => v - ma);
  const bm = b.map((v) => v - mb);
  const amax = Math.max(...am.map(Math.abs));
  const bmax = Math.max(...bm.map(Math.abs));
  const as = am.map((v) => v / amax);
  const bs = bm.map((v) => v / bmax);
  const na = Math.sqrt(dot(as, as));
  const nb = Math.sqrt(dot(bs, bs));
  const r = Math.max(Math.min(dot(as.map((v) => v / na), bs.map((v) => v / nb)), 1), -1);
  // r follows a Beta(n/2 - 1, n/2 - 1) law on [-1, 1] under independence
  const ab = n / 2 - 1;
  return { statistic: r, pvalue: 2 * betainc(ab, ab, (1 - Math.abs(r)) / 2) };
}

/** scipy.stats.rankdata(method='average'): ties share the mean of their ranks (1-based). */
export function rankdata(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = 0.5 * (start + 1 + end); // mean of start+1 … end, exact in binary
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** scipy.stats.spearmanr of two 1-D samples, with the two-sided p-value (t test on n - 2 dof). */
export function spearmanr(x: unknown, y: unknown): CorrelationResult {
  const [a, b] = inputs(x, y);
  checkConsistentLength(a, b);
  if (a.length <= 1) return { statistic: NaN, pvalue: NaN };
  if (a.every((v) => v === a[0]) || b.every((v) => v === b[0])) {
    warnOnce('An input array is constant; the correlation coefficient is not defined.', 'ConstantInputWarning');
    return { statistic: NaN, pvalue: NaN };
  }
  // numpy.corrcoef of the ranks: covariance / (n - 1), then divided by each standard deviation
  const ra = rankdata(a);
  const rb = rankdata(b);
  const [ma, mb] = [mean(ra), mean(rb)];
  const am = ra.map((v) => v - ma);
  const bm = rb.map((v) => v - mb);
  const f = 1 / (a.length - 1);
  const rs = Math.max(-1, Math.min(1, (dot(am, bm) * f) / Math.sqrt(dot(bm, bm) * f) / Math.sqrt(dot(am, am) * f)));
  const dof = a.length - 2;
  const t = rs * Math.sqrt(Math.max(dof / ((rs + 1) * (1 - rs)), 0));
  const pvalue = Number.isNaN(t) ? NaN : !Number.isFinite(t) ? 0 : betainc(dof / 2, 0.5, dof / (dof + t * t));
  return { statistic: rs, pvalue };
}
