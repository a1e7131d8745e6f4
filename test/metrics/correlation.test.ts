// pearsonr / spearmanr (statistic and two-sided p-value) against scipy 1.10, ties included
// (fixtures: scripts/fixtures/make_metric_fixtures.py).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { betainc, pearsonr, rankdata, spearmanr } from '../../src/metrics/index.js';
import type { Stored } from './fixtures.js';
import { assertClose, decode, load } from './fixtures.js';

interface CorrCase { fn: 'pearsonr' | 'spearmanr'; tag: string; args: [number[], number[]]; expected?: { statistic: Stored; pvalue: Stored }; error?: string }

const { cases } = load<{ cases: CorrCase[] }>('correlation.json');
const FNS = { pearsonr, spearmanr };

describe('correlations equal scipy', () => {
  for (const fn of ['pearsonr', 'spearmanr'] as const) {
    it(fn, () => {
      for (const c of cases.filter((k) => k.fn === fn)) {
        const where = `${fn} ${c.tag}`;
        if (c.error !== undefined) {
          assert.throws(() => FNS[fn](c.args[0], c.args[1]), { message: c.error }, where);
          continue;
        }
        const r = FNS[fn](c.args[0], c.args[1]);
        assertClose(r.statistic, c.expected!.statistic, `${where} statistic`, 1e-12);
        const p = decode(c.expected!.pvalue) as number;
        if (p > 0 && p < 1e-15 && Math.abs(r.statistic) < 1 - 1e-9) {
          // tiny p-values: compare on a log scale (scipy's own value has only ~1e-13 relative accuracy there)
          assert.ok(Math.abs(Math.log(r.pvalue) - Math.log(p)) < 1e-7, `${where} p-value ${r.pvalue} vs scipy ${p}`);
        } else {
          assertClose(r.pvalue, c.expected!.pvalue, `${where} p-value`, 1e-14, 1e-9);
        }
      }
    });
  }
  it('rankdata gives average ranks to ties', () => {
    // scipy.stats.rankdata([0, 2, 3, 2]) == [1, 2.5, 4, 2.5]; rankdata([3, 3, 3]) == [2, 2, 2]
    assert.deepEqual(rankdata([0, 2, 3, 2]), [1, 2.5, 4, 2.5]);
    assert.deepEqual(rankdata([3, 3, 3]), [2, 2, 2]);
  });
  it('betainc matches known values', () => {
    // scipy.special.betainc(2, 3, 0.4) = 0.5248; betainc(0.5, 0.5, 0.5) = 0.5 (symmetry); betainc(1, 1, x) = x
    assert.ok(Math.abs(betainc(2, 3, 0.4) - 0.5248) < 1e-14);
    assert.ok(Math.abs(betainc(0.5, 0.5, 0.5) - 0.5) < 1e-14);
    assert.ok(Math.abs(betainc(1, 1, 0.3) - 0.3) < 1e-14);
  });
});
