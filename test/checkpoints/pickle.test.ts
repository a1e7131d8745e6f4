// The restricted unpickler: every opcode Python's pickler emits for plain data (protocols 0-5,
// values written by Python's pickle in scripts/fixtures/make_checkpoint_fixtures.py), and the
// refusal of any global outside the allow-list, checked before anything is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { PickleError, PyGlobal, UnsafePickleError, unpickle } from '../../src/checkpoints/pickle.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/checkpoints/plain-pickles.json', import.meta.url), 'utf8')) as {
  value: unknown;
  pickles: Record<string, string>;
};

// Protocols 0-2 pickle bytes as _codecs.encode(text, 'latin1'): the only global plain data needs.
const findGlobal = (module: string, name: string): PyGlobal | undefined =>
  module === '_codecs' && name === 'encode' ? new PyGlobal(module, name, ([text]) => Uint8Array.from(Buffer.from(String(text), 'latin1'))) : undefined;

/** Our value in the fixture's JSON encoding (tuples are lists, dicts ordered pairs). */
function asJson(v: unknown): unknown {
  if (typeof v === 'bigint') return Math.abs(Number(v)) <= Number.MAX_SAFE_INTEGER ? Number(v) : { bigint: v.toString() };
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(asJson);
  if (v instanceof Map) return { dict: [...v].map(([k, x]) => [k, asJson(x)]) };
  return v;
}

for (const [protocol, hex] of Object.entries(fixture.pickles)) {
  test(`plain data pickled by Python with protocol ${protocol} reads back exactly`, () => {
    const bytes = Buffer.from(hex, 'hex');
    const { value, end } = unpickle(bytes, { file: 'plain.pkl', findGlobal });
    assert.equal(end, bytes.length);
    // Integers past 2^53 - 1 come back as bigints, exactly.
    assert.deepEqual(asJson(value), fixture.value);
  });
}

test('a global outside the allow-list is refused when it is named, before it could be called', () => {
  // GLOBAL 'os system' then STOP: never called, still refused.
  const bytes = Buffer.from('\x80\x02cos\nsystem\n.', 'latin1');
  assert.throws(() => unpickle(bytes, { file: 'evil.pkl', findGlobal }), (e: Error) =>
    e instanceof UnsafePickleError && /evil\.pkl/.test(e.message) && /'os\.system'/.test(e.message));
  // STACK_GLOBAL (protocol 4) naming builtins.eval.
  const stack = Buffer.concat([Buffer.from([0x80, 4, 0x8c, 8]), Buffer.from('builtins'), Buffer.from([0x8c, 4]), Buffer.from('eval'), Buffer.from([0x93, 0x2e])]);
  assert.throws(() => unpickle(stack, { file: 'evil.pkl', findGlobal }), /'builtins\.eval'/);
  // copyreg extension codes name globals indirectly: refused too.
  assert.throws(() => unpickle(Buffer.from([0x80, 2, 0x82, 1, 0x2e]), { file: 'evil.pkl', findGlobal }), UnsafePickleError);
});

test('an allowed global without a JavaScript implementation cannot be called', () => {
  const marker = (module: string, name: string) => new PyGlobal(module, name);
  const bytes = Buffer.from('\x80\x02ctorch\nFloatStorage\n)R.', 'latin1');
  assert.throws(() => unpickle(bytes, { file: 'x.pkl', findGlobal: marker }), /cannot call 'torch\.FloatStorage'/);
});

test('truncated and malformed pickles give errors naming the file and the position', () => {
  const good = Buffer.from(fixture.pickles['2'], 'hex');
  assert.throws(() => unpickle(good.subarray(0, good.length - 9), { file: 'cut.pkl', findGlobal }), (e: Error) =>
    e instanceof PickleError && /^cut\.pkl: corrupt pickle at byte \d+/.test(e.message));
  assert.throws(() => unpickle(Buffer.from([0x80, 2, 0xff]), { file: 'bad.pkl', findGlobal }), /unknown opcode 0xff/);
  assert.throws(() => unpickle(Buffer.from([0x80, 2, 0x68, 7, 0x2e]), { file: 'bad.pkl', findGlobal }), /memo entry 7 is missing/);
  assert.throws(() => unpickle(Buffer.from([0x80, 2, 0x4e, 0x4e, 0x2e]), { file: 'bad.pkl', findGlobal }), /STOP with 2 values/);
});

test('protocol 0 text floats include inf and nan (Python writes their repr)', () => {
  const read = (text: string): unknown => unpickle(Buffer.from(text, 'latin1'), { file: 'f.pkl', findGlobal }).value;
  assert.deepEqual(read('(lp0\nFinf\naF-inf\naF2.5\na.'), [Infinity, -Infinity, 2.5]);
  assert.ok(Number.isNaN(read('Fnan\n.')));
  assert.throws(() => read('Fabc\n.'), /bad FLOAT 'abc'/);
});
