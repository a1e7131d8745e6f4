// ROC AUC as sklearn 1.2's roc_auc_score: binary (with max_fpr's McClish-corrected partial AUC),
// multiclass one-vs-rest / one-vs-one (Hand & Till) and multilabel, with sample weights and
// tied scores handled as sklearn's _binary_clf_curve does.
import type { Label } from './validation.js';
import { asNumbers, asValues, average as npAverage, checkConsistentLength, pyList, sampleWeights, typeOfTarget, uniqueLabels } from './validation.js';

export type RocAverage = 'micro' | 'macro' | 'weighted' | 'samples' | null;

export interface RocAucOptions {
  average?: RocAverage;
  sampleWeight?: unknown;
  maxFpr?: number | null;
  multiClass?: 'raise' | 'ovr' | 'ovo';
  labels?: Label[] | null;
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

function checkFinite(values: number[], name: string): void {
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`Input ${name} contains ${values.some(Number.isNaN) ? 'NaN' : 'infinity or a value too large for dtype(\'float64\')'}.`);
}

/** _binary_clf_curve: cumulative false/true positives at each distinct score, highest first. */
function binaryClfCurve(yTrue: boolean[], yScore: number[], weights: number[] | null) {
  let idx = yTrue.map((_, i) => i);
  if (weights) idx = idx.filter((i) => weights[i] !== 0);
  // numpy's argsort(kind='mergesort')[::-1]: descending, ties in reverse input order
  idx.sort((a, b) => yScore[b] - yScore[a] || b - a);
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  idx.forEach((i, k) => {
    const w = weights ? weights[i] : 1;
    if (yTrue[i]) tp += w;
    else fp += w;
    if (k === idx.length - 1 || yScore[idx[k + 1]] !== yScore[i]) {
      tps.push(tp);
      fps.push(weights ? fp : k + 1 - tp);
      thresholds.push(yScore[i]);
    }
  });
  return { fps, tps, thresholds };
}

/** roc_curve for 0/1 (or boolean) labels. */
export function rocCurve(yTrue: unknown, yScore: unknown, options: { sampleWeight?: unknown; posLabel?: Label; dropIntermediate?: boolean } = {}): RocCurve {
  const labels = asValues(yTrue, 'y_true');
  if (labels.ndim === 2) throw new Error(`y should be a 1d array, got an array of shape (${labels.data.length}, ${labels.cols}) instead.`);
  const scores = asNumbers(yScore, 'y_score');
  checkConsistentLength(labels.data, scores);
  checkFinite(scores, 'y_score');
  const classes = uniqueLabels(labels.data);
  let pos = options.posLabel;
  if (pos === undefined) {
    const isDefault = classes.every((c) => c === 0 || c === 1) || classes.every((c) => c === -1 || c === 1) || classes.every((c) => c === 0) || classes.every((c) => c === -1);
    if (!isDefault) throw new Error(`y_true takes value in {${classes.map((c) => (typeof c === 'string' ? `'${c}'` : c)).join(', ')}} and pos_label is not specified: either make y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly.`);
    pos = 1;
  }
  const w = sampleWeights(options.sampleWeight, scores.length);
  let { fps, tps, thresholds } = binaryClfCurve(labels.data.map((v) => v === pos), scores, w);
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    // keep the corners: points where either curve's second difference is non-zero
    const keep = fps.map((_, i) => i === 0 || i === fps.length - 1 ||
      (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) !== 0 || (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) !== 0);
    [fps, tps, thresholds] = [fps, tps, thresholds].map((a) => a.filter((_, i) => keep[i]));
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  thresholds = [thresholds[0] + 1, ...thresholds];
  const last = (a: number[]) => a[a.length - 1];
  const fpr = last(fps) <= 0 ? fps.map(() => NaN) : fps.map((v) => v / last(fps));
  const tpr = last(tps) <= 0 ? tps.map(() => NaN) : tps.map((v) => v / last(tps));
  return { fpr, tpr, thresholds };
}

/** auc: trapezoidal area under a monotonic curve. */
export function auc(x: number[], y: number[]): number {
  if (x.length < 2) throw new Error(`At least 2 points are needed to compute area under curve, but x.shape = ${x.length}`);
  let direction = 1;
  const dx = x.slice(1).map((v, i) => v - x[i]);
  if (dx.some((d) => d < 0)) {
    if (dx.every((d) => d <= 0)) direction = -1;
    else throw new Error(`x is neither increasing nor decreasing : ${pyList(x)}.`);
  }
  let area = 0;
  for (let i = 0; i < dx.length; i++) area += (dx[i] * (y[i + 1] + y[i])) / 2;
  return direction * area;
}

function binaryRocAuc(yTrue: number[], yScore: number[], weights: number[] | null, maxFpr: number | null): number {
  if (new Set(yTrue).size !== 2) throw new Error('Only one class present in y_true. ROC AUC score is not defined in that case.');
  let { fpr, tpr } = rocCurve(yTrue, yScore, { sampleWeight: weights });
  if (maxFpr === null || maxFpr === 1) return auc(fpr, tpr);
  if (maxFpr <= 0 || maxFpr > 1) throw new Error(`Expected max_fpr in range (0, 1], got: ${maxFpr}`);
  // add a point at max_fpr by linear interpolation, then the McClish correction
  let stop = fpr.findIndex((v) => v > maxFpr);
  if (stop === -1) stop = fpr.length;
  const [x0, x1, y0, y1] = [fpr[stop - 1], fpr[stop], tpr[stop - 1], tpr[stop]];
  const yAt = ((y1 - y0) / (x1 - x0)) * (maxFpr - x0) + y0; // numpy.interp's order of operations
  tpr = [...tpr.slice(0, stop), yAt];
  fpr = [...fpr.slice(0, stop), maxFpr];
  const partial = auc(fpr, tpr);
  const minArea = 0.5 * maxFpr ** 2;
  return 0.5 * (1 + (partial - minArea) / (maxFpr - minArea));
}

type BinaryMetric = (yTrue: number[], yScore: number[], w: number[] | null) => number;

/** _average_binary_score over the columns of indicator labels and scores. */
function averageBinaryScore(metric: BinaryMetric, yTrue: number[][], yScore: number[][], avg: RocAverage, w: number[] | null): number | number[] {
  if (!([null, 'micro', 'macro', 'weighted', 'samples'] as RocAverage[]).includes(avg)) {
    throw new Error("average has to be one of (None, 'micro', 'macro', 'weighted', 'samples')");
  }
  checkConsistentLength(yTrue, yScore, w);
  const nCols = yTrue[0]?.length ?? 0;
  if (avg === 'micro') return metric(yTrue.flat(), yScore.flat(), w ? w.flatMap((v) => new Array(nCols).fill(v)) : null);
  let averageWeight: number[] | null = null;
  let scoreWeight = w;
  let slices: [number[], number[]][];
  if (avg === 'samples') {
    [averageWeight, scoreWeight] = [w, null];
    slices = yTrue.map((row, i) => [row, yScore[i]]);
  } else {
    if (avg === 'weighted') {
      averageWeight = Array.from({ length: nCols }, (_, c) => yTrue.reduce((s, row, i) => s + row[c] * (w ? w[i] : 1), 0));
      if (Math.abs(averageWeight.reduce((s, v) => s + v, 0)) <= 1e-8) return 0; // np.isclose(sum, 0)
    }
    slices = Array.from({ length: nCols }, (_, c) => [yTrue.map((row) => row[c]), yScore.map((row) => row[c])]);
  }
  const scores = slices.map(([t, s]) => metric(t, s, scoreWeight));
  if (avg === null) return scores;
  // scores with zero weight are forced to 0 so that a NaN there cannot spoil the average
  if (averageWeight) averageWeight.forEach((v, i) => { if (v === 0) scores[i] = 0; });
  return npAverage(scores, averageWeight);
}

function multiclassRocAuc(yTrue: Label[], yScore: number[][], opts: RocAucOptions, w: number[] | null): number | number[] {
  if (!yScore.every((row) => Math.abs(1 - row.reduce((s, v) => s + v, 0)) <= 1e-8 + 1e-5 * Math.abs(row.reduce((s, v) => s + v, 0)))) {
    throw new Error('Target scores need to be probabilities for multiclass roc_auc, i.e. they should sum up to 1.0 over classes');
  }
  const multiClass = opts.multiClass ?? 'raise';
  const avg = opts.average === undefined ? 'macro' : opts.average;
  const averages: RocAverage[] = multiClass === 'ovr' ? ['micro', 'macro', 'weighted', null] : ['macro', 'weighted', null];
  if (!averages.includes(avg)) throw new Error(`average must be one of (${averages.map((a) => (a === null ? 'None' : `'${a}'`)).join(', ')}) for multiclass problems`);
  if (multiClass !== 'ovo' && multiClass !== 'ovr') throw new Error(`multi_class='${multiClass}' is not supported for multiclass ROC AUC, multi_class must be in ('ovo', 'ovr')`);
  if (avg === null && multiClass === 'ovo') throw new Error("average=None is not implemented for multi_class='ovo'.");
  const nCols = yScore[0].length;
  let classes: Label[];
  if (opts.labels != null) {
    classes = uniqueLabels(opts.labels);
    if (classes.length !== opts.labels.length) throw new Error("Parameter 'labels' must be unique");
    if (classes.some((c, i) => c !== opts.labels![i])) throw new Error("Parameter 'labels' must be ordered");
    if (classes.length !== nCols) throw new Error(`Number of given labels, ${classes.length}, not equal to the number of columns in 'y_score', ${nCols}`);
    if (yTrue.some((y) => !classes.includes(y))) throw new Error("'y_true' contains labels not in parameter 'labels'");
  } else {
    classes = uniqueLabels(yTrue);
    if (classes.length !== nCols) throw new Error("Number of classes in y_true not equal to the number of columns in 'y_score'");
  }
  const binary: BinaryMetric = (t, s, sw) => binaryRocAuc(t, s, sw, null);
  if (multiClass === 'ovr') {
    const indicator = yTrue.map((y) => classes.map((c) => (c === y ? 1 : 0)));
    return averageBinaryScore(binary, indicator, yScore, avg, w);
  }
  if (w) throw new Error("sample_weight is not supported for multiclass one-vs-one ROC AUC, 'sample_weight' must be None in this case.");
  // Hand & Till (2001): every pair of present classes, each side as the positive class
  const encoded = yTrue.map((y) => classes.indexOf(y));
  const present = [...new Set(encoded)].sort((a, b) => a - b);
  const pairScores: number[] = [];
  const prevalence: number[] = [];
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      const [a, b] = [present[i], present[j]];
      const rows = encoded.map((_, k) => k).filter((k) => encoded[k] === a || encoded[k] === b);
      prevalence.push(rows.length / encoded.length);
      const aScore = binary(rows.map((k) => (encoded[k] === a ? 1 : 0)), rows.map((k) => yScore[k][a]), null);
      const bScore = binary(rows.map((k) => (encoded[k] === b ? 1 : 0)), rows.map((k) => yScore[k][b]), null);
      pairScores.push((aScore + bScore) / 2);
    }
  }
  return npAverage(pairScores, avg === 'weighted' ? prevalence : null);
}

/** roc_auc_score: labels (1-D, or a 2-D indicator matrix for multilabel) and scores. */
export function rocAucScore(yTrue: unknown, yScore: unknown, options: RocAucOptions = {}): number | number[] {
  const t = asValues(yTrue, 'y_true');
  const s = asValues(yScore, 'y_score');
  checkConsistentLength(t.data, s.data);
  const type = typeOfTarget(t, 'y_true');
  const w = sampleWeights(options.sampleWeight, t.data.length);
  const maxFpr = options.maxFpr ?? null;
  const scores = s.ndim === 2 ? s.data : asNumbers(s.data, 'y_score');
  checkFinite(s.ndim === 2 ? s.data.flat() : (scores as number[]), 'y_score');
  if (type === 'multiclass' || (type === 'binary' && s.ndim === 2 && s.cols > 2)) {
    if (maxFpr !== null && maxFpr !== 1) throw new Error(`Partial AUC computation not available in multiclass setting, 'max_fpr' must be set to \`None\`, received \`max_fpr=${maxFpr}\` instead`);
    if ((options.multiClass ?? 'raise') === 'raise') throw new Error("multi_class must be in ('ovo', 'ovr')");
    if (s.ndim !== 2) throw new Error('multiclass roc_auc needs a 2-D y_score: one column of probabilities per class');
    return multiclassRocAuc(t.data as Label[], s.data, options, w);
  }
  const binary: BinaryMetric = (yt, ys, sw) => binaryRocAuc(yt, ys, sw, maxFpr);
  if (type === 'binary') {
    if (s.ndim === 2) throw new Error(`y should be a 1d array, got an array of shape (${s.data.length}, ${s.cols}) instead. For a binary roc_auc pass the positive class's score (e.g. probabilities[:, 1]).`);
    const classes = uniqueLabels(t.data as Label[]);
    // label_binarize: the greater label is the positive one
    const y01 = (t.data as Label[]).map((v) => (classes.length === 2 && v === classes[1] ? 1 : 0));
    const avg = options.average === undefined ? 'macro' : options.average;
    if (!([null, 'micro', 'macro', 'weighted', 'samples'] as RocAverage[]).includes(avg)) throw new Error("average has to be one of (None, 'micro', 'macro', 'weighted', 'samples')");
    return binary(y01, scores as number[], w);
  }
  if (type !== 'multilabel-indicator') throw new Error(`${type} format is not supported`);
  const avg = options.average === undefined ? 'macro' : options.average;
  if (t.ndim !== 2) throw new Error(`${type} format is not supported`);
  const cols = s.ndim === 2 ? s.cols : 1;
  if (s.ndim !== 2 || cols !== t.cols) throw new Error(`multilabel roc_auc needs y_score with one column per label (${t.cols}), got ${cols} column(s)`);
  return averageBinaryScore(binary, t.data, s.data, avg, w);
}
