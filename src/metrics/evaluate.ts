// Hugging Face `evaluate`'s metric objects: load(name, config) → metric with compute(), add(),
// addBatch(), the same input and keyword names (snake_case or camelCase) and the same result
// dicts, computed by the sklearn/scipy ports in this folder. combine() merges several metrics.
import { camelToSnake } from '../util/case.js';
import { accuracyScore, f1Score, matthewsCorrcoef, precisionScore, recallScore } from './classification.js';
import type { Average, ZeroDivision } from './classification.js';
import { pearsonr, spearmanr } from './correlation.js';
import { rocAucScore } from './ranking.js';
import { seqeval } from './seqeval.js';
import type { SeqevalOptions } from './seqeval.js';
import { squad, squadV2 } from './squad.js';
import type { SquadPrediction, SquadReference } from './squad.js';
import type { RocAucOptions } from './ranking.js';
import type { Label } from './validation.js';
import { asValues, toPlain } from './validation.js';

/** A metric's numbers; seqeval also gives { precision, recall, f1, number } per entity type. */
export type MetricResult = Record<string, number | number[] | Record<string, number>>;
export type MetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'roc_auc' | 'matthews_correlation' | 'pearsonr' | 'spearmanr' | 'glue' | 'seqeval' | 'squad' | 'squad_v2';

export const GLUE_CONFIGS = ['sst2', 'mnli', 'mnli_mismatched', 'mnli_matched', 'cola', 'stsb', 'mrpc', 'qqp', 'qnli', 'rte', 'wnli', 'hans'] as const;
export type GlueConfig = (typeof GLUE_CONFIGS)[number];

/** Inputs and keyword arguments; both snake_case (as in Python) and camelCase names are accepted. */
export interface ComputeArgs {
  predictions?: unknown;
  references?: unknown;
  /** roc_auc's input name in `evaluate`. */
  predictionScores?: unknown;
  prediction_scores?: unknown;
  average?: Average | RocAucOptions['average'];
  posLabel?: Label;
  pos_label?: Label;
  labels?: Label[];
  sampleWeight?: unknown;
  sample_weight?: unknown;
  zeroDivision?: ZeroDivision;
  zero_division?: ZeroDivision;
  normalize?: boolean;
  maxFpr?: number | null;
  max_fpr?: number | null;
  multiClass?: 'raise' | 'ovr' | 'ovo';
  multi_class?: 'raise' | 'ovr' | 'ovo';
  returnPvalue?: boolean;
  return_pvalue?: boolean;
}

type Kwargs = Record<string, unknown>;

interface Spec {
  configs: string[];
  /** The name of the predictions input ('prediction_scores' for roc_auc). */
  predictionsName: 'predictions' | 'prediction_scores';
  kwargs: string[];
  compute(predictions: unknown, references: unknown, kw: Kwargs, config: string): MetricResult;
}

const prf = (fn: typeof precisionScore, key: string): Spec => ({
  configs: ['default', 'multilabel'],
  predictionsName: 'predictions',
  kwargs: ['labels', 'pos_label', 'average', 'sample_weight', 'zero_division'],
  compute: (p, r, kw) => ({ [key]: fn(r, p, defined({ labels: kw.labels as Label[], posLabel: kw.pos_label as Label, average: kw.average as Average, sampleWeight: kw.sample_weight, zeroDivision: kw.zero_division as ZeroDivision })) }),
});

/** Options without the keys left undefined, so that the functions' defaults apply (average='binary', …). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function glue(config: string, p: unknown, r: unknown): MetricResult {
  const preds = asValues(p, 'predictions').data as unknown[];
  const labels = asValues(r, 'references').data as unknown[];
  if (preds.length !== labels.length) throw new Error(`Mismatch in the number of predictions (${preds.length}) and references (${labels.length})`);
  const accuracy = () => preds.filter((v, i) => v === labels[i]).length / preds.length;
  if (config === 'cola') return { matthews_correlation: matthewsCorrcoef(labels, preds) };
  if (config === 'stsb') return { pearson: pearsonr(preds, labels).statistic, spearmanr: spearmanr(preds, labels).statistic };
  if (config === 'mrpc' || config === 'qqp') return { accuracy: accuracy(), f1: f1Score(labels, preds) as number };
  return { accuracy: accuracy() };
}

const SPECS: Record<MetricName, Spec> = {
  accuracy: {
    configs: ['default', 'multilabel'],
    predictionsName: 'predictions',
    kwargs: ['normalize', 'sample_weight'],
    compute: (p, r, kw) => ({ accuracy: accuracyScore(r, p, defined({ normalize: kw.normalize as boolean, sampleWeight: kw.sample_weight })) }),
  },
  precision: prf(precisionScore, 'precision'),
  recall: prf(recallScore, 'recall'),
  f1: prf(f1Score, 'f1'),
  roc_auc: {
    configs: ['default', 'multiclass', 'multilabel'],
    predictionsName: 'prediction_scores',
    kwargs: ['average', 'sample_weight', 'max_fpr', 'multi_class', 'labels'],
    compute: (p, r, kw) => ({ roc_auc: rocAucScore(r, p, defined({ average: kw.average as RocAucOptions['average'], sampleWeight: kw.sample_weight, maxFpr: kw.max_fpr as number, multiClass: kw.multi_class as RocAucOptions['multiClass'], labels: kw.labels as Label[] })) }),
  },
  matthews_correlation: {
    configs: ['default', 'multilabel'],
    predictionsName: 'predictions',
    kwargs: ['sample_weight', 'average'],
    compute(p, r, kw, config) {
      if (config !== 'multilabel') return { matthews_correlation: matthewsCorrcoef(r, p, { sampleWeight: kw.sample_weight }) };
      const preds = asValues(p, 'predictions');
      const refs = asValues(r, 'references');
      if (preds.ndim !== 2 || refs.ndim !== 2) throw new Error('For multi-label inputs, both references and predictions should be 2-dimensional');
      const perLabel = refs.data[0].map((_, j) => matthewsCorrcoef(preds.data.map((row) => row[j]), refs.data.map((row) => row[j]), { sampleWeight: kw.sample_weight }));
      if (kw.average === 'macro') return { matthews_correlation: perLabel.reduce((s, v) => s + v, 0) / perLabel.length };
      if (kw.average != null) throw new Error('Invalid `average`: expected `macro`, or None ');
      return { matthews_correlation: perLabel };
    },
  },
  pearsonr: {
    configs: ['default'],
    predictionsName: 'predictions',
    kwargs: ['return_pvalue'],
    compute(p, r, kw): MetricResult {
      const res = pearsonr(r, p);
      return kw.return_pvalue ? { pearsonr: res.statistic, 'p-value': res.pvalue } : { pearsonr: res.statistic };
    },
  },
  spearmanr: {
    configs: ['default'],
    predictionsName: 'predictions',
    kwargs: ['return_pvalue'],
    compute(p, r, kw): MetricResult {
      const res = spearmanr(r, p);
      return kw.return_pvalue ? { spearmanr: res.statistic, spearmanr_pvalue: res.pvalue } : { spearmanr: res.statistic };
    },
  },
  glue: { configs: [...GLUE_CONFIGS], predictionsName: 'predictions', kwargs: [], compute: (p, r, _kw, config) => glue(config, p, r) },
  seqeval: {
    configs: ['default'],
    predictionsName: 'predictions',
    kwargs: ['suffix', 'scheme', 'mode', 'sample_weight', 'zero_division'],
    compute(p, r, kw): MetricResult {
      if (kw.sample_weight != null) throw new Error('seqeval: sample_weight is not supported by finetune');
      return seqeval(p as string[][], r as string[][], defined({ suffix: kw.suffix as boolean, scheme: kw.scheme as string, mode: kw.mode as SeqevalOptions['mode'], zeroDivision: kw.zero_division as SeqevalOptions['zeroDivision'] })) as MetricResult;
    },
  },
  squad: { configs: ['default'], predictionsName: 'predictions', kwargs: [], compute: (p, r) => squad(p as SquadPrediction[], r as SquadReference[]) },
  squad_v2: {
    configs: ['default'], predictionsName: 'predictions', kwargs: ['no_answer_threshold'],
    compute: (p, r, kw) => squadV2(p as SquadPrediction[], r as SquadReference[], (kw.no_answer_threshold as number | undefined) ?? 1.0),
  },
};

/** A loaded metric: compute() at once, or add()/addBatch() per batch then compute(). */
export class Metric {
  private predictions: unknown[] = [];
  private references: unknown[] = [];
  private readonly spec: Spec;

  constructor(readonly name: MetricName, readonly configName: string = 'default') {
    this.spec = SPECS[name];
  }

  /** Keyword arguments compute() accepts, in Python's snake_case. */
  get kwargNames(): string[] {
    return [...this.spec.kwargs];
  }

  private split(args: ComputeArgs & Kwargs): { predictions: unknown; references: unknown; kwargs: Kwargs } {
    let predictions: unknown;
    let references: unknown;
    const kwargs: Kwargs = {};
    for (const [key, value] of Object.entries(args)) {
      const k = camelToSnake(key);
      // `predictions` is also taken for roc_auc's prediction_scores: the Trainer's computeMetrics passes predictions
      if (k === 'predictions' || k === 'prediction_scores') predictions = value;
      else if (k === 'references') references = value;
      else if (this.spec.kwargs.includes(k)) kwargs[k] = value;
      else throw new TypeError(`${this.name}.compute() got an unexpected keyword argument '${key}' (it takes ${[this.spec.predictionsName, 'references', ...this.spec.kwargs].join(', ')})`);
    }
    return { predictions, references, kwargs };
  }

  /** One example. */
  add(example: { prediction?: unknown; predictionScores?: unknown; prediction_scores?: unknown; reference: unknown }): void {
    const prediction = example.prediction ?? example.predictionScores ?? example.prediction_scores;
    if (prediction === undefined || example.reference === undefined) throw new Error(`${this.name}.add() needs a prediction and a reference`);
    const row = (v: unknown) => {
      if (typeof v !== 'object' || v === null) return v;
      const plain = toPlain(v, 'prediction');
      // a 0-d Tensor is one value, not a row
      return !Array.isArray(v) && !ArrayBuffer.isView(v) && (v as { shape?: number[] }).shape?.length === 0 ? plain[0] : plain;
    };
    this.predictions.push(row(prediction));
    this.references.push(row(example.reference));
  }

  /** A batch of examples (arrays or Tensors), kept until compute(). */
  addBatch(batch: { predictions?: unknown; predictionScores?: unknown; prediction_scores?: unknown; references: unknown }): void {
    const p = toPlain(batch.predictions ?? batch.predictionScores ?? batch.prediction_scores, 'predictions');
    const r = toPlain(batch.references, 'references');
    if (p.length !== r.length) throw new Error(`Mismatch in the number of predictions (${p.length}) and references (${r.length})`);
    for (const v of p) this.predictions.push(v);
    for (const v of r) this.references.push(v);
  }

  /** The metric over `predictions`/`references` given here plus everything added since the last compute(). */
  compute(args: ComputeArgs & Kwargs = {}): MetricResult {
    const { predictions, references, kwargs } = this.split(args);
    if ((predictions === undefined) !== (references === undefined)) throw new Error(`${this.name}.compute(): pass both ${this.spec.predictionsName} and references`);
    if (predictions !== undefined) this.addBatch({ predictions, references });
    const [p, r] = [this.predictions, this.references];
    this.predictions = [];
    this.references = [];
    if (p.length === 0) throw new Error(`${this.name}.compute(): no examples (pass predictions and references, or call addBatch() first)`);
    return this.spec.compute(p, r, kwargs, this.configName);
  }
}

/** evaluate.load(name, configName?): one of the metrics above (synchronous; `await` works too). */
export function load(name: MetricName | string, configName?: string | null): Metric {
  const key = name.replace(/^(evaluate-metric\/)/, '') as MetricName;
  const spec = SPECS[key];
  if (!spec) throw new Error(`evaluate.load: unknown metric '${name}'. Available: ${Object.keys(SPECS).join(', ')}`);
  if (key === 'glue') {
    if (!configName || !(GLUE_CONFIGS as readonly string[]).includes(configName)) {
      throw new Error(`You should supply a configuration name selected in ${JSON.stringify(GLUE_CONFIGS).replace(/,/g, ', ')}`);
    }
    return new Metric(key, configName);
  }
  const config = configName ?? 'default';
  if (!spec.configs.includes(config)) throw new Error(`evaluate.load('${key}'): unknown configuration '${config}'. Available: ${spec.configs.join(', ')}`);
  return new Metric(key, config);
}

/** The metrics load() knows. */
export function listEvaluationModules(): string[] {
  return Object.keys(SPECS);
}

/** evaluate.combine: several metrics computed on the same predictions, results merged. */
export class CombinedEvaluations {
  readonly metrics: Metric[];

  constructor(metrics: (Metric | MetricName)[], private readonly forcePrefix = false) {
    this.metrics = metrics.map((m) => (m instanceof Metric ? m : load(m)));
  }

  addBatch(batch: { predictions: unknown; references: unknown }): void {
    for (const m of this.metrics) m.addBatch(batch);
  }

  add(example: { prediction: unknown; reference: unknown }): void {
    for (const m of this.metrics) m.add(example);
  }

  compute(args: ComputeArgs & Kwargs = {}): MetricResult {
    const out: MetricResult = {};
    const results = this.metrics.map((m) => {
      // each metric gets the inputs and only the keyword arguments it takes, as evaluate does
      const own = Object.fromEntries(Object.entries(args).filter(([k]) => ['predictions', 'prediction_scores', 'references', ...m.kwargNames].includes(camelToSnake(k))));
      return m.compute(own);
    });
    const seen = new Map<string, number>();
    for (const r of results) for (const k of Object.keys(r)) seen.set(k, (seen.get(k) ?? 0) + 1);
    results.forEach((r, i) => {
      for (const [k, v] of Object.entries(r)) out[this.forcePrefix || seen.get(k)! > 1 ? `${this.metrics[i].name}_${k}` : k] = v;
    });
    return out;
  }
}

export function combine(metrics: (Metric | MetricName)[], forcePrefix = false): CombinedEvaluations {
  return new CombinedEvaluations(metrics, forcePrefix);
}
