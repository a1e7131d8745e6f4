// NumPy's legacy RandomState (MT19937), the generator scikit-learn's random_state seeds: the
// same seed gives the same permutations as np.random.RandomState(seed).permutation, so
// trainTestSplit over plain arrays picks the rows sklearn's train_test_split picks.

const N = 624;
const M = 397;

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  constructor(seed: number = Math.floor(Math.random() * 2 ** 32)) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) throw new RangeError(`RandomState: seed must be an integer between 0 and 2**32 - 1, got ${seed}`);
    // mt19937_seed (init_genrand)
    this.mt[0] = seed >>> 0;
    for (let k = 1; k < N; k++) {
      const prev = this.mt[k - 1] ^ (this.mt[k - 1] >>> 30);
      this.mt[k] = (Math.imul(1812433253, prev) + k) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
      mt[k] = (mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
    }
    this.pos = 0;
  }

  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** NumPy's legacy random_interval: uniform in [0, max] by masked rejection. */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new RangeError('RandomState.randomInterval: max above 2**32 - 1 is not supported');
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let value: number;
    do value = (this.nextUint32() & mask) >>> 0; while (value > max);
    return value;
  }

  /** RandomState.shuffle of a 1-D array: Fisher–Yates from the end. */
  shuffleInPlace<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** RandomState.permutation(n). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffleInPlace(p);
  }
}
