// Metrics: Hugging Face `evaluate` (`evaluate.load('glue', 'mrpc')`) and the scikit-learn
// functions behind it (classificationReport, confusionMatrix, precisionRecallFscoreSupport, …).
export * as evaluate from './evaluate.js';
export { Metric, CombinedEvaluations, GLUE_CONFIGS } from './evaluate.js';
/** datasets' load_metric (removed there in favour of evaluate.load): the same metrics. */
export { load as loadMetric } from './evaluate.js';
export type { ComputeArgs, GlueConfig, MetricName, MetricResult } from './evaluate.js';
export {
  accuracyScore, confusionMatrix, f1Score, fbetaScore, matthewsCorrcoef, multilabelConfusionMatrix,
  precisionRecallFscoreSupport, precisionScore, recallScore,
} from './classification.js';
export type { Average, PrfOptions, PrfResult, ZeroDivision } from './classification.js';
export { classificationReport } from './report.js';
export type { ClassificationReportDict, ClassificationReportOptions, ReportRow } from './report.js';
export { auc, rocAucScore, rocCurve } from './ranking.js';
export type { RocAucOptions, RocAverage, RocCurve } from './ranking.js';
export { betainc, pearsonr, rankdata, spearmanr } from './correlation.js';
export type { CorrelationResult } from './correlation.js';
export type { ArrayInput, Label } from './validation.js';
export { seqeval, getEntities, strictEntities, type SeqevalOptions, type SeqevalResult } from './seqeval.js';
export { squad, squadV2, normalizeAnswer, type SquadPrediction, type SquadReference } from './squad.js';
