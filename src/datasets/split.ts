// Dataset.trainTestSplit, with Hugging Face's sizes (test = ceil(testSize·n)) and, for
// stratification, scikit-learn's StratifiedShuffleSplit allocation (_approximate_mode), so
// each class keeps its share of both splits.
import { ClassLabel } from './features.js';
import type { Dataset } from './dataset.js';
import { Generator } from './random.js';
import { normalizeOptions } from '../util/options.js';

export interface TrainTestSplitOptions {
  testSize?: number;
  trainSize?: number;
  shuffle?: boolean;
  seed?: number;
  generator?: Generator;
  stratifyByColumn?: string;
}

function resolveSizes(n: number, testSize: number | undefined, trainSize: number | undefined): [number, number] {
  const check = (v: number | undefined, what: string): void => {
    if (v === undefined) return;
    const ok = v < 1 ? v > 0 : Number.isInteger(v) && v <= n - 1;
    if (!ok) throw new RangeError(`trainTestSplit: ${what}=${v} should be a fraction in (0, 1) or a number of rows in [1, ${n - 1}]`);
  };
  if (testSize === undefined && trainSize === undefined) testSize = 0.25;
  check(testSize, 'testSize');
  check(trainSize, 'trainSize');
  const isFraction = (v: number | undefined): boolean => v !== undefined && v < 1;
  let nTest = testSize === undefined ? undefined : isFraction(testSize) ? Math.ceil(testSize * n) : testSize;
  let nTrain = trainSize === undefined ? undefined : isFraction(trainSize) ? Math.floor(trainSize * n) : trainSize;
  if (isFraction(testSize) && isFraction(trainSize) && (testSize as number) + (trainSize as number) > 1) {
    throw new RangeError(`trainTestSplit: testSize + trainSize = ${(testSize as number) + (trainSize as number)} is more than 1`);
  }
  if (nTrain === undefined) nTrain = n - (nTest as number);
  if (nTest === undefined) nTest = n - nTrain;
  if (nTrain + nTest > n) throw new RangeError(`trainTestSplit: ${nTrain} train + ${nTest} test rows exceed the ${n} rows of the dataset`);
  if (nTrain === 0) throw new RangeError(`trainTestSplit: with n=${n} and testSize=${testSize}, the train split would be empty`);
  return [nTrain, nTest];
}

/**
 * scikit-learn's _approximate_mode: per-class draws summing to nDraws, each the floor of the
 * class's share, remainders handed out to the largest fractional parts (ties at random).
 */
export function approximateMode(classCounts: number[], nDraws: number, gen: Shuffler): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  const continuous = classCounts.map((c) => (c / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let need = nDraws - floored.reduce((a, b) => a + b, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(inds.length, need);
      gen.shuffleInPlace(inds);
      for (const i of inds.slice(0, addNow)) floored[i] += 1;
      need -= addNow;
      if (need === 0) break;
    }
  }
  return floored;
}

const SPLIT_OPTIONS = new Set(['testSize', 'trainSize', 'shuffle', 'seed', 'generator', 'stratifyByColumn']);

/** What the split draws from: this package's Generator, or NumPy's RandomState for sklearn-equal splits. */
export interface Shuffler {
  shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T): T;
  permutation(n: number): Uint32Array;
}

export function splitIndices(ds: Dataset, options: TrainTestSplitOptions): { train: Uint32Array; test: Uint32Array } {
  const o = normalizeOptions<TrainTestSplitOptions>(options, SPLIT_OPTIONS, 'trainTestSplit');
  const n = ds.numRows;
  if (n === 0) throw new Error('trainTestSplit: the dataset is empty');
  let labels: number[] | null = null;
  if (o.stratifyByColumn !== undefined) {
    const feature = ds.features[o.stratifyByColumn];
    if (!feature) throw new Error(`trainTestSplit: column '${o.stratifyByColumn}' not in the dataset; the columns are [${ds.columnNames.join(', ')}]`);
    if (!(feature instanceof ClassLabel)) {
      throw new Error(`trainTestSplit: stratifying by '${o.stratifyByColumn}' needs a ClassLabel column, but it is ${feature.toString()}; use castColumn with a ClassLabel first`);
    }
    labels = ds.reader(o.stratifyByColumn).gather(Array.from({ length: n }, (_, i) => ds.physical(i))) as number[];
  }
  return splitPositions(n, { testSize: o.testSize, trainSize: o.trainSize, shuffle: o.shuffle ?? true, labels, label: `'${o.stratifyByColumn}'` }, o.generator ?? new Generator(o.seed));
}

/**
 * Train and test positions out of n: scikit-learn's ShuffleSplit, or StratifiedShuffleSplit
 * when labels are given (classes in sorted order, per-class draws by approximateMode).
 */
export function splitPositions(
  n: number,
  o: { testSize?: number; trainSize?: number; shuffle: boolean; labels: readonly (number | string)[] | null; label: string },
  gen: Shuffler,
): { train: Uint32Array; test: Uint32Array } {
  const [nTrain, nTest] = resolveSizes(n, o.testSize, o.trainSize);
  if (o.labels) {
    if (!o.shuffle) throw new Error('trainTestSplit: stratified splits need shuffle (as in Hugging Face and scikit-learn)');
    return stratifiedPositions(o.labels, nTrain, nTest, o.label, gen);
  }
  if (!o.shuffle) {
    return { train: Uint32Array.from({ length: nTrain }, (_, i) => i), test: Uint32Array.from({ length: nTest }, (_, i) => nTrain + i) };
  }
  const perm = gen.permutation(n);
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}

function stratifiedPositions(labels: readonly (number | string)[], nTrain: number, nTest: number, label: string, gen: Shuffler): { train: Uint32Array; test: Uint32Array } {
  // np.unique's order: numbers ascending, strings by code point
  const classes = [...new Set(labels)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : a < b ? -1 : a > b ? 1 : 0));
  const byClass = classes.map((c) => labels.flatMap((l, i) => (l === c ? [i] : [])));
  const counts = byClass.map((ix) => ix.length);
  if (Math.min(...counts) < 2) throw new Error(`trainTestSplit: the least populated class in ${label} has only 1 member; stratification needs at least 2`);
  if (nTrain < classes.length || nTest < classes.length) {
    throw new Error(`trainTestSplit: train (${nTrain}) and test (${nTest}) sizes must each be at least the number of classes (${classes.length})`);
  }
  const perTrain = approximateMode(counts, nTrain, gen);
  const perTest = approximateMode(counts.map((c, i) => c - perTrain[i]), nTest, gen);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((ix, k) => {
    const perm = gen.shuffleInPlace([...ix]);
    train.push(...perm.slice(0, perTrain[k]));
    test.push(...perm.slice(perTrain[k], perTrain[k] + perTest[k]));
  });
  return { train: gen.shuffleInPlace(Uint32Array.from(train)), test: gen.shuffleInPlace(Uint32Array.from(test)) };
}
