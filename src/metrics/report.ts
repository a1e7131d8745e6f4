// sklearn.metrics.classification_report (1.2): the text table, character for character, and
// the dict form.
import type { WeightOptions, ZeroDivision } from './classification.js';
import { precisionRecallFscoreSupport } from './classification.js';
import { padLeft, pyFixed, pyFloatRepr, pyLen } from './format.js';
import type { Label } from './validation.js';
import { checkTargets, uniqueLabels } from './validation.js';

export interface ClassificationReportOptions extends WeightOptions {
  labels?: Label[];
  targetNames?: string[];
  digits?: number;
  zeroDivision?: ZeroDivision;
}

export interface ReportRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}

/** Per class (keyed by target name), then 'accuracy' (a number) or 'micro avg', 'macro avg', 'weighted avg' (and 'samples avg'). */
export type ClassificationReportDict = Record<string, ReportRow | number>;

const HEADERS = ['precision', 'recall', 'f1-score', 'support'] as const;

export function classificationReport(yTrue: unknown, yPred: unknown, options: ClassificationReportOptions & { outputDict: true }): ClassificationReportDict;
export function classificationReport(yTrue: unknown, yPred: unknown, options?: ClassificationReportOptions & { outputDict?: false }): string;
export function classificationReport(yTrue: unknown, yPred: unknown, options: ClassificationReportOptions & { outputDict?: boolean } = {}): string | ClassificationReportDict {
  const digits = options.digits ?? 2;
  const t = checkTargets(yTrue, yPred);
  const present = t.type === 'multilabel-indicator' ? Array.from({ length: t.cols }, (_, i) => i) : uniqueLabels(t.yTrue, t.yPred);
  const labelsGiven = options.labels != null;
  const labels = options.labels ?? present;
  const sameSet = (a: Label[], b: Label[]) => new Set(a).size === new Set(b).size && a.every((l) => b.includes(l));
  const microIsAccuracy = t.type !== 'multilabel-indicator' && (!labelsGiven || sameSet(labels, present));
  let targetNames = options.targetNames;
  if (targetNames && labels.length !== targetNames.length) {
    if (labelsGiven) process.emitWarning(`labels size, ${labels.length}, does not match size of target_names, ${targetNames.length}`);
    else throw new Error(`Number of classes, ${labels.length}, does not match size of target_names, ${targetNames.length}. Try specifying the labels parameter`);
  }
  targetNames ??= labels.map(String);
  const common = { labels, sampleWeight: options.sampleWeight, zeroDivision: options.zeroDivision };
  const per = precisionRecallFscoreSupport(t.yTrue, t.yPred, { ...common, average: null });
  const [p, r, f, s] = [per.precision, per.recall, per.fbeta, per.support!] as number[][];
  const rows = targetNames.slice(0, Math.min(targetNames.length, p.length)).map((name, i) => ({ name, values: [p[i], r[i], f[i], s[i]] }));
  const averages = t.type === 'multilabel-indicator' ? ['micro', 'macro', 'weighted', 'samples'] as const : ['micro', 'macro', 'weighted'] as const;
  const totalSupport = s.reduce((a, b) => a + b, 0);
  const avgRows = averages.map((avg) => {
    const res = precisionRecallFscoreSupport(t.yTrue, t.yPred, { ...common, average: avg });
    const heading = avg === 'micro' && microIsAccuracy ? 'accuracy' : `${avg} avg`;
    return { name: heading, values: [res.precision as number, res.recall as number, res.fbeta as number, totalSupport] };
  });
  if (options.outputDict) {
    const out: ClassificationReportDict = {};
    const asRow = (v: number[]): ReportRow => ({ precision: v[0], recall: v[1], 'f1-score': v[2], support: v[3] });
    for (const row of rows) out[row.name] = asRow(row.values);
    for (const row of avgRows) out[row.name] = row.name === 'accuracy' ? row.values[0] : asRow(row.values);
    return out;
  }
  // weighted supports are floats and print as Python's str(float); counts print as integers
  const weighted = options.sampleWeight != null;
  const support = (v: number) => (weighted ? pyFloatRepr(v) : String(v));
  const width = Math.max(...targetNames.map(pyLen), 'weighted avg'.length, digits);
  let report = `${padLeft('', width)} ${HEADERS.map((h) => ` ${padLeft(h, 9)}`).join('')}\n\n`;
  const line = (name: string, v: number[]) =>
    `${padLeft(name, width)} ${v.slice(0, 3).map((x) => ` ${padLeft(pyFixed(x, digits), 9)}`).join('')} ${padLeft(support(v[3]), 9)}\n`;
  for (const row of rows) report += line(row.name, row.values);
  report += '\n';
  for (const row of avgRows) {
    if (row.name === 'accuracy') {
      report += `${padLeft('accuracy', width)}  ${padLeft('', 9)} ${padLeft('', 9)} ${padLeft(pyFixed(row.values[2], digits), 9)} ${padLeft(support(row.values[3]), 9)}\n`;
    } else {
      report += line(row.name, row.values);
    }
  }
  return report;
}
