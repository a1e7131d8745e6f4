// The curve file written at the end of training: a self-contained SVG (no scripts, fonts or
// external files) with the training and evaluation loss against the step and, beside it, the
// evaluation metrics — read straight from trainer_state's log_history.
import { writeFileAtomic } from '../util/atomic.js';
import type { LogEntry } from './trainer_state.js';

export interface Series {
  name: string;
  points: [number, number][];
}

export interface LossPlotOptions {
  title?: string;
  width?: number;
  height?: number;
}

// eval_* keys that are timings, not metrics
const NOT_METRICS = new Set(['eval_loss', 'eval_runtime', 'eval_samples_per_second', 'eval_steps_per_second']);
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The series a loss plot shows: train loss and eval loss, then one per eval metric. */
export function lossPlotSeries(logHistory: readonly LogEntry[]): { loss: Series[]; metrics: Series[] } {
  const collect = (key: string): [number, number][] =>
    logHistory.filter((e) => typeof e[key] === 'number' && Number.isFinite(e[key]) && typeof e.step === 'number').map((e) => [e.step, e[key]]);
  const loss = [{ name: 'train loss', points: collect('loss') }, { name: 'eval loss', points: collect('eval_loss') }].filter((s) => s.points.length);
  const keys = new Set<string>();
  for (const e of logHistory) for (const k of Object.keys(e)) if (k.startsWith('eval_') && !NOT_METRICS.has(k)) keys.add(k);
  const metrics = [...keys].map((k) => ({ name: k.slice(5), points: collect(k) })).filter((s) => s.points.length);
  return { loss, metrics };
}

/** 1-2-5 "nice" ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (lo === hi) [lo, hi] = lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

function panel(series: Series[], title: string, x0: number, y0: number, w: number, h: number): string {
  const m = { left: 56, right: 12, top: 28, bottom: 40 };
  const [pw, ph] = [w - m.left - m.right, h - m.top - m.bottom];
  const all = series.flatMap((s) => s.points);
  // reduce, not Math.min(...): a long run has more points than a call can take arguments
  const range = (i: 0 | 1) => all.reduce(([lo, hi], p) => [Math.min(lo, p[i]), Math.max(hi, p[i])], [Infinity, -Infinity]);
  const xt = niceTicks(...range(0));
  const yt = niceTicks(...range(1));
  const [xmin, xmax, ymin, ymax] = [xt[0], xt[xt.length - 1], yt[0], yt[yt.length - 1]];
  const sx = (v: number) => x0 + m.left + ((v - xmin) / (xmax - xmin)) * pw;
  const sy = (v: number) => y0 + m.top + ph - ((v - ymin) / (ymax - ymin)) * ph;
  const r = (v: number) => v.toFixed(2);
  const out: string[] = [`<text class="title" x="${r(x0 + m.left + pw / 2)}" y="${r(y0 + 18)}">${esc(title)}</text>`];
  for (const t of yt) out.push(`<line class="grid" x1="${r(sx(xmin))}" x2="${r(sx(xmax))}" y1="${r(sy(t))}" y2="${r(sy(t))}"/><text class="ytick" x="${r(sx(xmin) - 6)}" y="${r(sy(t) + 4)}">${fmt(t)}</text>`);
  for (const t of xt) out.push(`<line class="grid" x1="${r(sx(t))}" x2="${r(sx(t))}" y1="${r(sy(ymin))}" y2="${r(sy(ymax))}"/><text class="xtick" x="${r(sx(t))}" y="${r(sy(ymin) + 16)}">${fmt(t)}</text>`);
  out.push(`<rect class="frame" x="${r(sx(xmin))}" y="${r(sy(ymax))}" width="${r(pw)}" height="${r(ph)}"/>`);
  out.push(`<text class="xlabel" x="${r(x0 + m.left + pw / 2)}" y="${r(y0 + h - 6)}">step</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map(([x, y]) => `${r(sx(x))},${r(sy(y))}`).join(' ');
    out.push(`<polyline class="series" data-name="${esc(s.name)}" stroke="${color}" points="${pts}"/>`);
    if (s.points.length <= 60) for (const [x, y] of s.points) out.push(`<circle cx="${r(sx(x))}" cy="${r(sy(y))}" r="2.5" fill="${color}"/>`);
    const ly = y0 + m.top + 8 + i * 16;
    out.push(`<line x1="${r(x0 + w - m.right - 130)}" x2="${r(x0 + w - m.right - 112)}" y1="${r(ly)}" y2="${r(ly)}" stroke="${color}" stroke-width="2"/><text class="legend" x="${r(x0 + w - m.right - 106)}" y="${r(ly + 4)}">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

/** The SVG text: the loss panel, and a metrics panel when there were evaluations with metrics. */
export function lossPlotSvg(logHistory: readonly LogEntry[], options: LossPlotOptions = {}): string {
  const { loss, metrics } = lossPlotSeries(logHistory);
  const width = options.width ?? (metrics.length ? 1000 : 560);
  const height = options.height ?? 380;
  const top = options.title ? 24 : 0;
  const panels = [loss.length ? { series: loss, title: 'Loss' } : null, metrics.length ? { series: metrics, title: 'Evaluation metrics' } : null].filter((p) => p !== null);
  const pw = width / Math.max(panels.length, 1);
  const body = panels.map((p, i) => panel(p.series, p.title, i * pw, top, pw, height - top));
  if (!panels.length) body.push(`<text class="title" x="${width / 2}" y="${height / 2}">No loss or metric was logged</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<style>text{font-family:sans-serif;font-size:11px;fill:#333}.title{font-size:13px;font-weight:bold;text-anchor:middle}.ytick{text-anchor:end}.xtick,.xlabel{text-anchor:middle}.grid{stroke:#e5e5e5}.frame{fill:none;stroke:#999}.series{fill:none;stroke-width:1.8}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    options.title ? `<text class="title" x="${width / 2}" y="16">${esc(options.title)}</text>` : '',
    ...body,
    '</svg>',
    '',
  ].filter((l) => l !== '').join('\n') + '\n';
}

/** Writes lossPlotSvg(logHistory) to outPath (e.g. `${outputDir}/loss_curve.svg`). */
export function writeLossPlot(logHistory: readonly LogEntry[], outPath: string, options: LossPlotOptions = {}): string {
  const svg = lossPlotSvg(logHistory, options);
  writeFileAtomic(outPath, svg, { mkdir: true });
  return outPath;
}
