// classification_report (text, character for character, and dict) and roc_auc_score against
// scikit-learn 1.2 (fixtures: scripts/fixtures/make_metric_fixtures.py).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationReport, rocAucScore } from '../../src/metrics/index.js';
import type { Case } from './fixtures.js';
import { assertClose, input, load, options } from './fixtures.js';

function replay(file: string, run: (c: Case) => unknown) {
  const { cases } = load<{ cases: Case[] }>(file);
  for (const c of cases) {
    const where = `${c.fn} ${c.tag} ${JSON.stringify(c.kwargs).slice(0, 100)}`;
    if (c.error !== undefined) {
      assert.throws(() => run(c), (e: Error) => e.message.startsWith(c.error as string), `${where}: expected the error "${c.error}"`);
    } else {
      const actual = run(c);
      if (typeof c.expected === 'string') assert.equal(actual, c.expected, where);
      else assertClose(actual, c.expected!, where);
    }
  }
  return cases;
}

describe('classificationReport equals scikit-learn', () => {
  it('text and dict forms', () => {
    const cases = replay('report.json', (c) => classificationReport(input(c.args[0]), input(c.args[1]), options(c.kwargs) as never));
    assert.ok(cases.some((c) => c.tag === 'ties' && typeof c.expected === 'string' && c.expected.includes('0.12')), 'the half-even rounding case is there');
  });
});

describe('rocAucScore equals scikit-learn', () => {
  it('binary, multiclass (ovr/ovo), multilabel, ties, weights, max_fpr and the errors', () => {
    const cases = replay('ranking.json', (c) => rocAucScore(input(c.args[0]), input(c.args[1]), options(c.kwargs)));
    for (const tag of ['binary-ties', 'multiclass-ties', 'multilabel', 'one-class']) assert.ok(cases.some((c) => c.tag === tag), tag);
  });
});
