// Python's range(stop) / range(start, stop[, step]) as an array, for the habits that need it:
// dataset.select(range(2000)), for (const i of tqdm(range(n))).

export function range(stop: number): number[];
export function range(start: number, stop: number, step?: number): number[];
export function range(a: number, b?: number, step = 1): number[] {
  const [start, stop] = b === undefined ? [0, a] : [a, b];
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (!Number.isSafeInteger(v)) throw new TypeError(`range: ${name} must be an integer, got ${v}`);
  }
  if (step === 0) throw new RangeError('range: step must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return Array.from({ length: n }, (_, i) => start + i * step);
}
