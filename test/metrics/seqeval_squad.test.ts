// evaluate.load('seqeval' | 'squad' | 'squad_v2') against Python: seqeval 1.2.2 itself (default
// mode and strict mode for every scheme) and the official SQuAD v1.1 / v2.0 evaluation
// functions (scripts/fixtures/make_seqeval_squad_fixtures.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { evaluate } from '../../src/metrics/index.js';

interface Case { predictions: unknown; references: unknown; kwargs?: Record<string, unknown>; expected: Record<string, unknown>; metric?: string; no_answer_threshold?: number }
const F = JSON.parse(readFileSync(new URL('../fixtures/metrics/seqeval_squad.json', import.meta.url), 'utf8')) as { seqeval: Case[]; squad: Case[] };

function close(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', where);
    assert.ok(Math.abs((actual as number) - expected) < 1e-12, `${where}: ${actual} vs ${expected}`);
    return;
  }
  const [a, e] = [actual as Record<string, unknown>, expected as Record<string, unknown>];
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${where}: keys`);
  for (const k of Object.keys(e)) close(a[k], e[k], `${where}.${k}`);
}

describe("evaluate.load('seqeval') equals Python seqeval", () => {
  it(`on ${F.seqeval.length} cases: per-type and overall precision/recall/F1, accuracy; default and strict (IOB1, IOB2, IOE1, IOE2, IOBES, BILOU)`, () => {
    const metric = evaluate.load('seqeval');
    F.seqeval.forEach((c, i) => close(metric.compute({ predictions: c.predictions, references: c.references, ...c.kwargs }), c.expected, `case ${i} ${JSON.stringify(c.kwargs)}`));
    assert.ok(F.seqeval.filter((c) => c.kwargs?.mode === 'strict').length >= 40);
  });

  it('adds batches and refuses mismatched sequences', () => {
    const metric = evaluate.load('seqeval');
    metric.addBatch({ predictions: [['B-PER', 'I-PER']], references: [['B-PER', 'I-PER']] });
    metric.addBatch({ predictions: [['O', 'B-LOC']], references: [['O', 'O']] });
    const r = metric.compute();
    assert.equal(r.overall_precision, 0.5);
    assert.equal(r.overall_recall, 1);
    assert.throws(() => evaluate.load('seqeval').compute({ predictions: [['O']], references: [['O', 'O']] }), /sequence 0 has 1 predicted tags but 2 reference tags/);
  });
});

describe("evaluate.load('squad' | 'squad_v2') equal the official scripts", () => {
  it(`on ${F.squad.length} cases: exact match and F1; v2's HasAns/NoAns and best thresholds`, () => {
    F.squad.forEach((c, i) => {
      const metric = evaluate.load(c.metric!);
      const extra = c.metric === 'squad_v2' ? { no_answer_threshold: c.no_answer_threshold } : {};
      close(metric.compute({ predictions: c.predictions, references: c.references, ...extra }), c.expected, `case ${i} (${c.metric})`);
    });
  });
});
