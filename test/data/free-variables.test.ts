// outerNames: what a map function reads from outside itself, from its source alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { outerNames } from '../../src/datasets/free-variables.js';

const K = 3;
let calls = 0;
const tokenizer = (..._args: unknown[]): number => 0;
const helper = (x: string): string => x;

test('closure variables are found; parameters, locals, properties, keys and globals are not', () => {
  assert.deepEqual(outerNames((b: { text: string }) => tokenizer(b.text, { truncation: true, maxLength: 16 * K })), { read: ['tokenizer', 'K'], called: ['tokenizer'] });
  assert.deepEqual(outerNames((b: { a: string }) => ({ x: `${b.a}-${K}`, y: /a\/b'/.test(b.a) ? 'K' : 2 })).read, ['K']);
  assert.deepEqual(outerNames(function named(row: { a: number; b: string }) {
    const { a, b: c } = row;
    let z = 1, w = 2; // eslint-disable-line one-var
    for (const q of [a]) z += q;
    return { v: helper(c) + z + w + Math.max(1, 2) + JSON.stringify(row).length };
  }), { read: ['helper'], called: ['helper'] });
  assert.deepEqual(outerNames((b: { s: string[] }, kw: { n: number }) => ({ head: b.s.map((s) => s.slice(0, kw.n)) })).read, []);
});

test('a variable only written (a call counter) is not a dependency; a bound function cannot be read', () => {
  assert.deepEqual(outerNames((b: unknown) => { calls++; return tokenizer(b); }).read, ['tokenizer']);
  assert.deepEqual(outerNames(((x: number) => x).bind(null)).read, ['<native code>']);
  void calls;
});
