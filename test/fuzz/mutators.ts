// Deterministic mutation of test inputs: a seeded generator, byte-level mutations (flip, set,
// insert, delete, truncate, duplicate a chunk) and JSON-level ones (a value replaced by another
// type or an extreme number, a key dropped or added, prototype-like keys).

/** mulberry32: small, fast, good enough for fuzzing, and the same on every machine. */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
export const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
const int = (rnd: Random, n: number): number => Math.floor(rnd() * n);

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x2e, 0x28, 0x32, 0x94, 0x68, 0x71, 0x5d, 0x7d];

export function mutateBytes(input: Uint8Array, rnd: Random): Buffer {
  let b = Buffer.from(input);
  const edits = 1 + int(rnd, 4);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = int(rnd, b.length);
    switch (int(rnd, 7)) {
      case 0: b[at] ^= 1 << int(rnd, 8); break;
      case 1: b[at] = pick(rnd, INTERESTING); break;
      case 2: b[at] = int(rnd, 256); break;
      case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from([int(rnd, 256)]), b.subarray(at)]); break;
      case 4: b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 8))]); break;
      case 5: b = b.subarray(0, at); break;
      default: { const len = 1 + int(rnd, 16); b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); }
    }
  }
  return b;
}

const ODD_VALUES: unknown[] = [null, true, false, -1, 0, 1.5, 2 ** 53 + 2, 1e308, -1e308, '', 'abc', '[UNK]', [], [1, 'a'], {}, { content: 5 }, 'left', 'middle'];
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', ''];

/** A JSON value with one structural change somewhere inside it. */
export function mutateJson(value: unknown, rnd: Random): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (v: unknown): void => {
    if (v && typeof v === 'object') {
      containers.push(v as Record<string, unknown>);
      for (const child of Object.values(v)) walk(child);
    }
  };
  walk(copy);
  const target = pick(rnd, containers.length ? containers : [{}]);
  const keys = Object.keys(target);
  const key = keys.length ? pick(rnd, keys) : '0';
  switch (int(rnd, 4)) {
    case 0: (target as Record<string, unknown>)[key] = pick(rnd, ODD_VALUES); break;
    case 1: if (Array.isArray(target)) target.splice(Number(key), 1); else delete target[key]; break;
    case 2: Object.defineProperty(target, pick(rnd, ODD_KEYS), { value: pick(rnd, ODD_VALUES), enumerable: true, configurable: true, writable: true }); break;
    default: (target as Record<string, unknown>)[key] = typeof (target as Record<string, unknown>)[key] === 'number' ? pick(rnd, [-1, 0, 2 ** 40, 1e30, 0.5]) : pick(rnd, ODD_VALUES);
  }
  return copy;
}
