// Classification metrics with scikit-learn 1.2's definitions and edge cases: accuracy,
// precision/recall/F-beta (every `average`, `labels`, `pos_label`, `zero_division`), Matthews
// correlation and the confusion matrices. Comments name the sklearn function each one follows.
import type { Label, Targets } from './validation.js';
import { average, checkTargets, pyList, sampleWeights, uniqueLabels } from './validation.js';

export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | 'samples' | null;
/** sklearn's zero_division: the value of a 0/0 ratio ('warn' gives 0 and warns). */
export type ZeroDivision = 'warn' | 0 | 1;

export interface WeightOptions {
  sampleWeight?: unknown;
}

export interface PrfOptions extends WeightOptions {
  labels?: Label[] | null;
  posLabel?: Label | null;
  average?: Average;
  zeroDivision?: ZeroDivision;
}

const warned = new Set<string>();
/** sklearn warns (UndefinedMetricWarning) once per message in a session; so do we. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, 'UndefinedMetricWarning');
}

/** accuracy_score */
export function accuracyScore(yTrue: unknown, yPred: unknown, options: WeightOptions & { normalize?: boolean } = {}): number {
  const t = checkTargets(yTrue, yPred);
  const w = sampleWeights(options.sampleWeight, t.yTrue.length);
  const score = t.type === 'multilabel-indicator'
    ? t.yTrue.map((row, i) => (row.every((v, j) => v === t.yPred[i][j]) ? 1 : 0))
    : t.yTrue.map((v, i) => (v === t.yPred[i] ? 1 : 0));
  if (options.normalize ?? true) return average(score, w);
  return score.reduce((s: number, v, i) => s + (w ? v * w[i] : v), 0);
}

export interface Counts {
  tp: number[];
  fp: number[];
  fn: number[];
  tn: number[];
}

function encodeLabels(y: Label[], labels: Label[]): number[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return y.map((v) => index.get(v) ?? -1);
}

/** multilabel_confusion_matrix's sufficient statistics: per label (or per sample) tp/fp/fn/tn. */
export function countStatistics(t: Targets, w: number[] | null, labels: Label[] | null, samplewise = false): Counts {
  let tp: number[];
  let pred: number[];
  let truth: number[];
  let total: number;
  if (t.type !== 'multilabel-indicator') {
    if (samplewise) throw new Error('Samplewise metrics are not available outside of multilabel classification.');
    const present = uniqueLabels(t.yTrue, t.yPred);
    const selected = labels ?? present;
    const all = [...selected, ...present.filter((l) => !selected.includes(l))];
    const yt = encodeLabels(t.yTrue, all);
    const yp = encodeLabels(t.yPred, all);
    tp = new Array(all.length).fill(0);
    pred = new Array(all.length).fill(0);
    truth = new Array(all.length).fill(0);
    // sums in sample order, as numpy's bincount
    for (let i = 0; i < yt.length; i++) {
      const wi = w ? w[i] : 1;
      if (yt[i] === yp[i]) tp[yt[i]] += wi;
      pred[yp[i]] += wi;
      truth[yt[i]] += wi;
    }
    const n = selected.length;
    [tp, pred, truth] = [tp.slice(0, n), pred.slice(0, n), truth.slice(0, n)];
    total = w ? w.reduce((s, v) => s + v, 0) : yt.length;
  } else {
    let cols = Array.from({ length: t.cols }, (_, j) => j);
    if (labels) {
      const nums = labels as number[];
      if (Math.max(...nums) >= t.cols) throw new Error(`All labels must be in [0, n labels) for multilabel targets. Got ${Math.max(...nums)} > ${t.cols - 1}`);
      if (Math.min(...nums) < 0) throw new Error(`All labels must be in [0, n labels) for multilabel targets. Got ${Math.min(...nums)} < 0`);
      cols = nums;
    }
    const size = samplewise ? t.yTrue.length : cols.length;
    tp = new Array(size).fill(0);
    pred = new Array(size).fill(0);
    truth = new Array(size).fill(0);
    t.yTrue.forEach((row, i) => {
      const wi = w ? w[i] : 1;
      cols.forEach((c, k) => {
        const slot = samplewise ? i : k;
        const a = row[c] !== 0;
        const b = t.yPred[i][c] !== 0;
        if (a && b) tp[slot] += wi;
        if (b) pred[slot] += wi;
        if (a) truth[slot] += wi;
      });
    });
    if (samplewise) total = t.cols;
    else total = w ? w.reduce((s, v) => s + v, 0) : t.yTrue.length;
  }
  const fp = pred.map((p, i) => p - tp[i]);
  const fn = truth.map((v, i) => v - tp[i]);
  const tn = tp.map((v, i) => (samplewise && w ? w[i] * total : total) - v - fp[i] - fn[i]);
  return { tp, fp, fn, tn };
}

/** multilabel_confusion_matrix: one [[tn, fp], [fn, tp]] per label (or per sample). */
export function multilabelConfusionMatrix(yTrue: unknown, yPred: unknown, options: WeightOptions & { labels?: Label[]; samplewise?: boolean } = {}): number[][][] {
  const t = checkTargets(yTrue, yPred);
  const w = sampleWeights(options.sampleWeight, t.yTrue.length);
  const c = countStatistics(t, w, options.labels ?? null, options.samplewise ?? false);
  return c.tp.map((tp, i) => [[c.tn[i], c.fp[i]], [c.fn[i], tp]]);
}

const AVERAGES: Average[] = [null, 'micro', 'macro', 'weighted', 'samples'];

/** _check_set_wise_labels: which labels an average looks at, and its argument checks. */
function setWiseLabels(t: Targets, average: Average, labels: Label[] | null, posLabel: Label | null): Label[] | null {
  if (!AVERAGES.includes(average) && average !== 'binary') {
    throw new Error("average has to be one of (None, 'micro', 'macro', 'weighted', 'samples')");
  }
  if (average !== 'binary') return labels;
  if (t.type === 'binary') {
    const present = uniqueLabels(t.yTrue, t.yPred);
    if (!present.includes(posLabel as Label) && present.length >= 2) {
      throw new Error(`pos_label=${posLabel} is not a valid label. It should be one of ${pyList(present)}`);
    }
    return [posLabel as Label];
  }
  const options = t.type === 'multiclass' ? AVERAGES.slice(0, 4) : AVERAGES;
  throw new Error(`Target is ${t.type} but average='binary'. Please choose another average setting, one of ${pyList(options)}.`);
}

/** sklearn's _warn_prf wording. */
function warnPrf(average: Average, modifier: string, start: string, size: number): void {
  const [axis0, axis1] = average === 'samples' ? ['label', 'sample'] : ['sample', 'label'];
  const where = size === 1 ? 'due to' : `in ${axis1}s with`;
  warnOnce(`${start} ill-defined and being set to 0.0 ${where} no ${modifier} ${axis0}s. Use \`zero_division\` parameter to control this behavior.`);
}

function prfDivide(num: number[], den: number[], metric: string, modifier: string, average: Average, warnFor: string[], zeroDivision: ZeroDivision): number[] {
  let undefinedCount = 0;
  const out = num.map((v, i) => {
    if (den[i] !== 0) return v / den[i];
    undefinedCount++;
    return zeroDivision === 1 ? 1 : 0;
  });
  if (undefinedCount && zeroDivision === 'warn' && warnFor.includes(metric)) {
    warnPrf(average, modifier, `${metric[0].toUpperCase()}${metric.slice(1)} is`, out.length);
  }
  return out;
}

export interface PrfResult {
  precision: number | number[];
  recall: number | number[];
  fbeta: number | number[];
  /** Per-label support (weighted counts of true samples); null when averaged. */
  support: number[] | null;
}

/** precision_recall_fscore_support */
export function precisionRecallFscoreSupport(yTrue: unknown, yPred: unknown, options: PrfOptions & { beta?: number; warnFor?: string[] } = {}): PrfResult {
  const beta = options.beta ?? 1;
  if (beta < 0) throw new Error('beta should be >=0 in the F-beta score');
  const avg = options.average === undefined ? null : options.average;
  const zeroDivision = options.zeroDivision ?? 'warn';
  if (zeroDivision !== 'warn' && zeroDivision !== 0 && zeroDivision !== 1) throw new Error(`zero_division must be "warn", 0 or 1, got ${String(zeroDivision)}`);
  const warnFor = options.warnFor ?? ['precision', 'recall', 'f-score'];
  const t = checkTargets(yTrue, yPred);
  const w = sampleWeights(options.sampleWeight, t.yTrue.length);
  const labels = setWiseLabels(t, avg, options.labels ?? null, options.posLabel === undefined ? 1 : options.posLabel);
  let { tp, fp, fn } = countStatistics(t, w, labels, avg === 'samples');
  let predSum = tp.map((v, i) => v + fp[i]);
  let trueSum = tp.map((v, i) => v + fn[i]);
  if (avg === 'micro') {
    const sum = (a: number[]) => [a.reduce((s, v) => s + v, 0)];
    [tp, predSum, trueSum] = [sum(tp), sum(predSum), sum(trueSum)];
  }
  const precision = prfDivide(tp, predSum, 'precision', 'predicted', avg, warnFor, zeroDivision);
  const recall = prfDivide(tp, trueSum, 'recall', 'true', avg, warnFor, zeroDivision);
  if (zeroDivision === 'warn' && warnFor.length === 1 && warnFor[0] === 'f-score' && predSum.some((p, i) => p === 0 && trueSum[i] === 0)) {
    warnPrf(avg, 'true nor predicted', 'F-score is', trueSum.length);
  }
  const beta2 = beta * beta;
  const fbeta = beta === Infinity ? recall : precision.map((p, i) => {
    const denom = beta2 * p + recall[i];
    return ((1 + beta2) * p * recall[i]) / (denom === 0 ? 1 : denom);
  });
  let weights: number[] | null = null;
  if (avg === 'weighted') {
    weights = trueSum;
    if (weights.reduce((s, v) => s + v, 0) === 0) {
      const z = zeroDivision === 1 ? 1 : 0;
      if (predSum.reduce((s, v) => s + v, 0) === 0) return { precision: z, recall: z, fbeta: z, support: null };
      return { precision: 0, recall: z, fbeta: 0, support: null };
    }
  } else if (avg === 'samples') {
    weights = w;
  }
  if (avg === null) return { precision, recall, fbeta, support: trueSum };
  return { precision: average(precision, weights), recall: average(recall, weights), fbeta: average(fbeta, weights), support: null };
}

/** precision_score */
export function precisionScore(yTrue: unknown, yPred: unknown, options: PrfOptions = {}): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, { average: 'binary', ...options, warnFor: ['precision'] }).precision;
}

/** recall_score */
export function recallScore(yTrue: unknown, yPred: unknown, options: PrfOptions = {}): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, { average: 'binary', ...options, warnFor: ['recall'] }).recall;
}

/** fbeta_score */
export function fbetaScore(yTrue: unknown, yPred: unknown, options: PrfOptions & { beta: number }): number | number[] {
  return precisionRecallFscoreSupport(yTrue, yPred, { average: 'binary', ...options, warnFor: ['f-score'] }).fbeta;
}

/** f1_score */
export function f1Score(yTrue: unknown, yPred: unknown, options: PrfOptions = {}): number | number[] {
  return fbetaScore(yTrue, yPred, { ...options, beta: 1 });
}

/** confusion_matrix: rows are true labels, columns predicted ones, in `labels` order. */
export function confusionMatrix(yTrue: unknown, yPred: unknown, options: WeightOptions & { labels?: Label[]; normalize?: 'true' | 'pred' | 'all' | null } = {}): number[][] {
  const t = checkTargets(yTrue, yPred);
  if (t.type === 'multilabel-indicator') throw new Error(`${t.type} is not supported`);
  const w = sampleWeights(options.sampleWeight, t.yTrue.length);
  let labels: Label[];
  if (options.labels == null) {
    labels = uniqueLabels(t.yTrue, t.yPred);
  } else {
    labels = options.labels;
    if (labels.length === 0) throw new Error("'labels' should contains at least one label.");
    if (t.yTrue.length === 0) return labels.map(() => labels.map(() => 0));
    if (!t.yTrue.some((v) => labels.includes(v))) throw new Error('At least one label specified must be in y_true');
  }
  const normalize = options.normalize ?? null;
  if (!['true', 'pred', 'all', null].includes(normalize)) throw new Error("normalize must be one of {'true', 'pred', 'all', None}");
  const n = labels.length;
  const yt = encodeLabels(t.yTrue, labels);
  const yp = encodeLabels(t.yPred, labels);
  const cm = labels.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < yt.length; i++) if (yt[i] >= 0 && yp[i] >= 0) cm[yt[i]][yp[i]] += w ? w[i] : 1;
  if (normalize === null) return cm;
  const div = (v: number, d: number) => (d === 0 ? 0 : v / d); // numpy's nan_to_num of 0/0
  if (normalize === 'true') return cm.map((row) => row.map((v) => div(v, row.reduce((s, x) => s + x, 0))));
  if (normalize === 'pred') {
    const colSums = cm[0].map((_, j) => cm.reduce((s, row) => s + row[j], 0));
    return cm.map((row) => row.map((v, j) => div(v, colSums[j])));
  }
  const total = cm.flat().reduce((s, v) => s + v, 0);
  return cm.map((row) => row.map((v) => div(v, total)));
}

/** matthews_corrcoef: 0.0 when it is undefined (constant predictions or labels), as sklearn. */
export function matthewsCorrcoef(yTrue: unknown, yPred: unknown, options: WeightOptions = {}): number {
  const t = checkTargets(yTrue, yPred);
  if (t.type === 'multilabel-indicator') throw new Error(`${t.type} is not supported`);
  const C = confusionMatrix(t.yTrue, t.yPred, { sampleWeight: options.sampleWeight });
  const tSum = C.map((row) => row.reduce((s, v) => s + v, 0));
  const pSum = C[0].map((_, j) => C.reduce((s, row) => s + row[j], 0));
  const nCorrect = C.reduce((s, row, i) => s + row[i], 0);
  const nSamples = pSum.reduce((s, v) => s + v, 0);
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
  const covYtYp = nCorrect * nSamples - dot(tSum, pSum);
  const covYpYp = nSamples ** 2 - dot(pSum, pSum);
  const covYtYt = nSamples ** 2 - dot(tSum, tSum);
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}
