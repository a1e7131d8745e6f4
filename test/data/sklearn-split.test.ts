// trainTestSplit over plain arrays equals scikit-learn's train_test_split row for row: the
// fixtures are sklearn's own output (scripts/fixtures/make_sklearn_split_fixtures.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { RandomState, range, trainTestSplit } from '../../src/index.js';

interface Case { name: string; n: number; kwargs: Record<string, unknown>; stratify: (number | string)[] | null; train: number[]; test: number[] }
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/datasets/sklearn_train_test_split.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('trainTestSplit (scikit-learn)', () => {
  for (const c of fixtures.cases) {
    it(`${c.name}: the rows sklearn picks`, () => {
      // snake_case kwargs as sklearn spells them, stratify as the label list
      const [xTrain, xTest] = trainTestSplit(range(c.n), { ...c.kwargs, ...(c.stratify ? { stratify: c.stratify } : {}) } as never);
      assert.deepEqual(xTrain, c.train);
      assert.deepEqual(xTest, c.test);
    });
  }

  it('splits several arrays alike, in sklearn\'s output order [aTrain, aTest, bTrain, bTest]', () => {
    const c = fixtures.cases.find((x) => x.name === 'stratified_3_classes')!;
    const texts = range(c.n).map((i) => `text ${i}`);
    const [tTrain, tTest, yTrain, yTest] = trainTestSplit(texts, c.stratify!, { testSize: 0.2, stratify: c.stratify, randomState: 0 });
    assert.deepEqual(tTrain, c.train.map((i) => `text ${i}`));
    assert.deepEqual(tTest, c.test.map((i) => `text ${i}`));
    assert.deepEqual(yTrain, c.train.map((i) => c.stratify![i]));
    assert.deepEqual(yTest, c.test.map((i) => c.stratify![i]));
  });

  it('RandomState(42).permutation matches NumPy', () => {
    // np.random.RandomState(42).permutation(10)
    assert.deepEqual([...new RandomState(42).permutation(10)], [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
  });

  it('bad input says what is wrong', () => {
    assert.throws(() => trainTestSplit([1, 2, 3], [1, 2]), /inconsistent numbers of samples: \[3, 2\]/);
    assert.throws(() => trainTestSplit(range(10), { stratify: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }), /least populated class in stratify has only 1 member/);
    assert.throws(() => trainTestSplit(range(10), { testSize: 1.5 }), /testSize=1\.5 should be a fraction in \(0, 1\) or a number of rows/);
    assert.throws(() => trainTestSplit(range(10), { randomState: -1 }), /seed must be an integer between 0 and 2\*\*32 - 1/);
    assert.throws(() => trainTestSplit(range(10), { test_sise: 0.2 } as never), /unknown option 'test_sise'/);
  });
});
