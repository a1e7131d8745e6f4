// Hugging Face `evaluate` semantics over our sklearn ports: the metric objects must pass
// (references, predictions) to sklearn in that order, return evaluate's result keys, accept
// Tensors and batches, and GLUE configs must give each task's metric set (expected values:
// sklearn/scipy through evaluate's glue.py formulas, see scripts/fixtures/make_metric_fixtures.py).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { torch } from '../../src/index.js';
import { evaluate } from '../../src/metrics/index.js';
import type { Case, Stored } from './fixtures.js';
import { assertClose, input, load, options } from './fixtures.js';

const HF_NAMES: Record<string, string> = { accuracy_score: 'accuracy', precision_score: 'precision', recall_score: 'recall', f1_score: 'f1', matthews_corrcoef: 'matthews_correlation' };
const RESULT_KEY: Record<string, string> = { accuracy: 'accuracy', precision: 'precision', recall: 'recall', f1: 'f1', matthews_correlation: 'matthews_correlation' };

describe('evaluate.load(...).compute equals sklearn', () => {
  it('accuracy / precision / recall / f1 / matthews_correlation on every fixture case', () => {
    const { cases } = load<{ cases: Case[] }>('classification.json');
    let n = 0;
    for (const c of cases) {
      const name = HF_NAMES[c.fn];
      if (!name || c.error !== undefined) continue;
      const metric = evaluate.load(name);
      // snake_case keyword arguments, as a Python user writes them
      const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, options({ [k]: v })[k.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase())]]));
      const result = metric.compute({ predictions: input(c.args[1]), references: input(c.args[0]), ...kwargs });
      assert.deepEqual(Object.keys(result), [RESULT_KEY[name]]);
      assertClose(result[RESULT_KEY[name]], c.expected!, `${name} ${c.tag} ${JSON.stringify(c.kwargs).slice(0, 80)}`);
      n++;
    }
    assert.ok(n > 800, `${n} cases`);
  });

  it('GLUE configs give each task\'s metrics', () => {
    const { cases } = load<{ cases: { config: string; predictions: number[]; references: number[]; expected: Record<string, Stored> }[] }>('glue.json');
    assert.equal(cases.length, 12);
    for (const c of cases) {
      const result = evaluate.load('glue', c.config).compute({ predictions: c.predictions, references: c.references });
      assertClose(result, c.expected, `glue/${c.config}`);
    }
  });

  it('roc_auc takes prediction_scores and the multiclass config', () => {
    const { cases } = load<{ cases: Case[] }>('ranking.json');
    const c = cases.find((k) => k.tag === 'multiclass' && k.kwargs.multi_class === 'ovo' && k.kwargs.average === 'weighted')!;
    const metric = evaluate.load('roc_auc', 'multiclass');
    assertClose(metric.compute({ prediction_scores: input(c.args[1]), references: input(c.args[0]), multi_class: 'ovo', average: 'weighted' }).roc_auc, c.expected!, 'ovo weighted');
    const b = cases.find((k) => k.tag === 'binary-ties' && Object.keys(k.kwargs).length === 0)!;
    assertClose(evaluate.load('roc_auc').compute({ predictionScores: input(b.args[1]), references: input(b.args[0]) }).roc_auc, b.expected!, 'binary');
    const one = cases.find((k) => k.tag === 'one-class')!;
    assert.throws(() => evaluate.load('roc_auc').compute({ predictionScores: input(one.args[1]), references: input(one.args[0]) }), { message: one.error });
  });

  it('pearsonr / spearmanr return evaluate\'s keys, with return_pvalue', () => {
    const { cases } = load<{ cases: { fn: string; tag: string; args: [number[], number[]]; expected: { statistic: Stored; pvalue: Stored } }[] }>('correlation.json');
    const p = cases.find((c) => c.fn === 'pearsonr' && c.tag === 'normal')!;
    const r = evaluate.load('pearsonr').compute({ references: p.args[0], predictions: p.args[1], return_pvalue: true });
    assert.deepEqual(Object.keys(r), ['pearsonr', 'p-value']);
    assertClose(r.pearsonr, p.expected.statistic, 'pearsonr');
    const s = cases.find((c) => c.fn === 'spearmanr' && c.tag === 'ties')!;
    const rs = evaluate.load('spearmanr').compute({ references: s.args[0], predictions: s.args[1], returnPvalue: true });
    assert.deepEqual(Object.keys(rs), ['spearmanr', 'spearmanr_pvalue']);
    assertClose(rs.spearmanr, s.expected.statistic, 'spearmanr');
    assert.deepEqual(Object.keys(evaluate.load('spearmanr').compute({ references: s.args[0], predictions: s.args[1] })), ['spearmanr']);
  });
});

describe('metric objects', () => {
  // y_true = [0, 1, 1, 0, 1, 1], y_pred = [0, 1, 0, 0, 1, 1]: sklearn accuracy 5/6, f1 6/7 (tp 3, fp 0, fn 1)
  const refs = [0, 1, 1, 0, 1, 1];
  const preds = [0, 1, 0, 0, 1, 1];

  it('addBatch / add then compute equals one compute, and the cache is cleared', () => {
    const metric = evaluate.load('glue', 'mrpc');
    metric.addBatch({ predictions: preds.slice(0, 2), references: refs.slice(0, 2) });
    metric.addBatch({ predictions: torch.tensor(preds.slice(2, 5)), references: torch.tensor(refs.slice(2, 5)) });
    metric.add({ prediction: preds[5], reference: refs[5] });
    assertClose(metric.compute(), { accuracy: 5 / 6, f1: 6 / 7 }, 'batched');
    assert.throws(() => metric.compute(), /no examples/);
  });

  it('accepts Tensors from argmax', () => {
    const logits = torch.tensor([[2, 1], [0, 3], [5, 1], [1, 0], [0, 1], [0.5, 2]]);
    const result = evaluate.load('accuracy').compute({ predictions: logits.argmax(-1), references: torch.tensor(refs) });
    assertClose(result.accuracy, 5 / 6, 'accuracy');
  });

  it('defaults are evaluate\'s: binary average, pos_label 1, normalize', () => {
    assertClose(evaluate.load('f1').compute({ predictions: preds, references: refs }).f1, 6 / 7, 'f1');
    assertClose(evaluate.load('precision').compute({ predictions: preds, references: refs }).precision, 1, 'precision');
    assertClose(evaluate.load('recall').compute({ predictions: preds, references: refs }).recall, 0.75, 'recall');
    assertClose(evaluate.load('accuracy').compute({ predictions: preds, references: refs }).accuracy, 5 / 6, 'accuracy');
    const m = evaluate.load('matthews_correlation');
    for (let i = 0; i < refs.length; i++) m.add({ prediction: torch.tensor(preds[i]), reference: refs[i] });
    // sklearn's formula on the confusion matrix [[2, 0], [1, 3]]: t_sum [2, 4], p_sum [3, 3], 5 correct of 6 → 12/sqrt(18·16)
    assertClose(m.compute().matthews_correlation, (5 * 6 - (2 * 3 + 4 * 3)) / Math.sqrt((36 - (9 + 9)) * (36 - (4 + 16))), 'mcc');
  });

  it('average=None gives per-class arrays', () => {
    const r = evaluate.load('recall').compute({ predictions: preds, references: refs, average: null });
    assert.deepEqual(r.recall, [1, 0.75]); // sklearn recall_score(average=None): [2/2, 3/4]
  });

  it('combine merges results; keyword arguments go to the metrics that take them', () => {
    const clf = evaluate.combine(['accuracy', 'f1', 'precision', 'recall']);
    const r = clf.compute({ predictions: preds, references: refs, average: 'macro' });
    assert.deepEqual(Object.keys(r), ['accuracy', 'f1', 'precision', 'recall']);
    // sklearn macro averages: precision (2/3 + 1)/2, recall (1 + 3/4)/2
    assertClose(r.precision, 5 / 6, 'precision');
    assertClose(r.recall, 0.875, 'recall');
  });

  it('clear errors', () => {
    assert.throws(() => evaluate.load('glue'), /You should supply a configuration name selected in \["sst2", "mnli"/);
    assert.throws(() => evaluate.load('bleu'), /unknown metric 'bleu'/);
    assert.throws(() => evaluate.load('accuracy').compute({ predictions: [1, 0], references: [1, 0, 1] }), /Mismatch in the number of predictions \(2\) and references \(3\)/);
    assert.throws(() => evaluate.load('accuracy').compute({ predictions: [1], references: [1], average: 'macro' }), /unexpected keyword argument 'average'/);
    assert.throws(() => evaluate.load('f1').compute({ predictions: [0.2, 0.9], references: [0, 1] }), /mix of binary and continuous targets.*argmax/);
    assert.throws(() => evaluate.load('accuracy').compute({ predictions: [1, 0] }), /pass both predictions and references/);
  });
});
