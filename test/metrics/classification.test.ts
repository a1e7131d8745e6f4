// Classification metrics against scikit-learn 1.2 (fixtures: scripts/fixtures/make_metric_fixtures.py):
// every average, zero_division, pos_label, labels and sample_weight combination recorded there,
// including the single-class and absent-class cases and the errors sklearn raises.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { accuracyScore, confusionMatrix, f1Score, fbetaScore, matthewsCorrcoef, precisionScore, recallScore } from '../../src/metrics/index.js';
import type { Case } from './fixtures.js';
import { assertClose, input, load, options } from './fixtures.js';

const FNS: Record<string, (yTrue: unknown, yPred: unknown, opts: Record<string, unknown>) => unknown> = {
  accuracy_score: accuracyScore,
  precision_score: precisionScore,
  recall_score: recallScore,
  f1_score: f1Score,
  fbeta_score: (t, p, o) => fbetaScore(t, p, o as unknown as Parameters<typeof fbetaScore>[2]),
  matthews_corrcoef: matthewsCorrcoef,
  confusion_matrix: confusionMatrix,
};

const { cases } = load<{ cases: Case[] }>('classification.json');

describe('classification metrics equal scikit-learn', () => {
  const byFn = new Map<string, Case[]>();
  for (const c of cases) byFn.set(c.fn, [...(byFn.get(c.fn) ?? []), c]);
  for (const [fn, group] of byFn) {
    it(`${fn} (${group.length} cases)`, () => {
      for (const c of group) {
        const where = `${c.fn} ${c.tag} ${JSON.stringify(c.kwargs).slice(0, 120)}`;
        const run = () => FNS[fn](input(c.args[0]), input(c.args[1]), options(c.kwargs));
        if (c.error !== undefined) {
          assert.throws(run, (e: Error) => e.message.startsWith(c.error as string), `${where}: expected the error "${c.error}"`);
        } else {
          assertClose(run(), c.expected!, where);
        }
      }
    });
  }
  it('covers the edge cases it claims to', () => {
    const tags = new Set(cases.map((c) => c.tag));
    for (const t of ['single-class-ones', 'single-class-zeros', 'binary-no-positive-predictions', 'binary-strings', 'multiclass-weighted', 'multilabel', 'labels-absent']) assert.ok(tags.has(t), t);
    assert.ok(cases.filter((c) => c.error !== undefined).length >= 10);
  });
});
