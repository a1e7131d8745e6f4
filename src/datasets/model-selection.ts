// scikit-learn's train_test_split over plain arrays: the same sizes, stratification and,
// for a given randomState, the same rows (NumPy's RandomState drives the shuffles).
//   const [xTrain, xTest, yTrain, yTest] = trainTestSplit(texts, labels, { testSize: 0.2, stratify: labels, randomState: 42 });
import { RandomState } from './random-state.js';
import { splitPositions } from './split.js';
import { normalizeOptions } from '../util/options.js';

export interface SklearnSplitOptions {
  /** A fraction in (0, 1) or a number of rows; 0.25 when neither size is given. */
  testSize?: number;
  trainSize?: number;
  /** sklearn's random_state: an integer seed (default: a random one). */
  randomState?: number;
  shuffle?: boolean;
  /** Class labels (one per row) whose proportions both splits keep. */
  stratify?: readonly (number | string)[] | null;
}

const OPTIONS = new Set(['testSize', 'trainSize', 'randomState', 'shuffle', 'stratify']);

const isOptions = (x: unknown): x is SklearnSplitOptions => x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);

export function trainTestSplit<A>(a: readonly A[], options?: SklearnSplitOptions): [A[], A[]];
export function trainTestSplit<A, B>(a: readonly A[], b: readonly B[], options?: SklearnSplitOptions): [A[], A[], B[], B[]];
export function trainTestSplit<A, B, C>(a: readonly A[], b: readonly B[], c: readonly C[], options?: SklearnSplitOptions): [A[], A[], B[], B[], C[], C[]];
export function trainTestSplit(...args: unknown[]): unknown[][];
export function trainTestSplit(...args: unknown[]): unknown[][] {
  const last = args[args.length - 1];
  const o = normalizeOptions<SklearnSplitOptions>(isOptions(last) ? last : {}, OPTIONS, 'trainTestSplit');
  const arrays = (isOptions(last) ? args.slice(0, -1) : args) as unknown[][];
  if (arrays.length === 0) throw new TypeError('trainTestSplit: at least one array required as input');
  arrays.forEach((a, i) => {
    if (!Array.isArray(a)) throw new TypeError(`trainTestSplit: argument ${i + 1} must be an array (or pass the options last), got ${a === null ? 'null' : typeof a}`);
  });
  const n = arrays[0]!.length;
  const lengths = arrays.map((a) => a.length);
  if (lengths.some((l) => l !== n)) throw new RangeError(`trainTestSplit: found input variables with inconsistent numbers of samples: [${lengths.join(', ')}]`);
  if (o.stratify && o.stratify.length !== n) throw new RangeError(`trainTestSplit: stratify has ${o.stratify.length} labels for ${n} samples`);
  if (n === 0) throw new RangeError('trainTestSplit: the arrays are empty');
  const { train, test } = splitPositions(n, { testSize: o.testSize, trainSize: o.trainSize, shuffle: o.shuffle ?? true, labels: o.stratify ?? null, label: 'stratify' }, new RandomState(o.randomState));
  const take = (a: unknown[], idx: Uint32Array) => Array.from(idx, (i) => a[i]);
  return arrays.flatMap((a) => [take(a, train), take(a, test)]);
}
