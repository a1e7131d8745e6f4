// Native memory that JavaScript can pull out from under a tensor, or misreport: each case runs
// in a child process (a use-after-free is a SIGSEGV, a bad external-memory report aborts V8).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { runBounded, type CaseResult } from '../helpers/bounded-child.js';

const scripts: Record<string, string> = {
  // The transferred memory is reused by the next allocations; the tensor must still see its own.
  'frombuffer, then transfer the buffer away (structuredClone)': `
    const ab = new ArrayBuffer(1 << 24);
    new Float32Array(ab).fill(2);
    const x = torch.frombuffer(ab, { dtype: 'float32' });
    structuredClone(ab, { transfer: [ab] });
    for (let i = 0; i < 40; i++) new Uint8Array(new ArrayBuffer(1 << 24)).fill(255);
    const sum = x.sum().item();
    if (sum !== 2 * (1 << 22)) throw new Error('wrong sum ' + sum);`,
  'frombuffer on a typed array whose buffer is then transferred': `
    const a = new Float32Array(1 << 20).fill(3);
    const x = torch.frombuffer(a, { dtype: 'float32' });
    structuredClone(a.buffer, { transfer: [a.buffer] });
    for (let i = 0; i < 40; i++) new Uint8Array(new ArrayBuffer(1 << 22)).fill(255);
    if (x.sum().item() !== 3 * (1 << 20)) throw new Error('wrong sum');`,
  'expand a one-element tensor to 1e18 elements': `
    const y = torch.ones([1]).expand([1e9, 1e9]);
    if (y.shape[0] !== 1e9) throw new Error('wrong shape');
    y.dispose();`,
};

let results: CaseResult[] = [];
test.before(async () => {
  results = await runBounded(Object.entries(scripts).map(([name, args]) => ({ name, target: 'script', args })), { timeoutMs: 20_000 });
});

for (const name of Object.keys(scripts)) {
  test(`${name}: no crash, the tensor keeps its memory`, () => {
    const r = results.find((x) => x.name === name)!;
    assert.equal(r.outcome, 'ok', `${r.outcome}: ${r.message}`);
  });
}
