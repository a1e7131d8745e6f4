// The robustness suite: mutated checkpoints, pickles, tokenizer and model configs, data files
// and op arguments, each run in a child process (test/helpers/bounded-child.ts). Every case must
// end in success or a clear error within the time and memory bound: a crash, a hang, RSS past
// the bound, or an error that names neither the input nor the op fails the suite.
// FUZZ_SEED picks another deterministic set; FUZZ_SCALE=10 runs ten times as many cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { runBounded, type BoundedCase, type CaseResult } from '../helpers/bounded-child.js';
import { buildCases } from './cases.js';

const SEED = Number(process.env.FUZZ_SEED ?? 1);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

// Errors from inside the runtime or a library: they say nothing about the input.
const BARE = /Cannot read propert|Cannot set propert|is not a function|is not iterable|Maximum call stack|Invalid array length|is not defined|undefined is not|null is not|Cannot convert undefined|Offset is outside the bounds|out of bounds access/;

function isClear(c: BoundedCase, r: CaseResult): boolean {
  if (BARE.test(r.message)) return false;
  if (c.target === 'op') return r.message.length > 0;
  // A tokenizer that loaded can still refuse the call (no pad token to pad with): transformers' message.
  if (c.target === 'tokenizer' && /^Asking to pad but the tokenizer does not have a padding token/.test(r.message)) return true;
  // File inputs: the message names the file or its folder.
  return /finetune-bounded-[^/]+\/\d+/.test(r.message);
}

const groups = buildCases(SEED, SCALE);
const cases = groups.flatMap((g) => g.cases);
const byName = new Map(cases.map((c) => [c.name, c]));
let results: CaseResult[] = [];

test.before(async () => {
  // Cases take milliseconds; the bound leaves room for a loaded 2-core CI machine.
  results = await runBounded(cases, { timeoutMs: 10_000, rssGrowthMb: 768 });
});

for (const { family, cases: familyCases } of groups) {
  test(`fuzz: ${family} (${familyCases.length} cases, seed ${SEED}): no crash, hang or unclear error`, () => {
    const mine = results.filter((r) => r.name.startsWith(`${family} #`));
    assert.equal(mine.length, familyCases.length);
    const bad = mine.filter((r) => r.outcome !== 'ok' && (r.outcome !== 'error' || !isClear(byName.get(r.name)!, r)));
    assert.deepEqual(bad.map((r) => `${r.name}: ${r.outcome}: ${r.errorName ?? ''} ${r.message.slice(0, 300)}`), []);
  });
}

test.after(() => {
  const count = (o: string): number => results.filter((r) => r.outcome === o).length;
  const unclear = results.filter((r) => r.outcome === 'error' && !isClear(byName.get(r.name)!, r)).length;
  console.log(`fuzz (seed ${SEED}, scale ${SCALE}): ${results.length} cases, ${count('ok')} ok, ${count('error') - unclear} clear errors, ` +
    `${unclear} unclear errors, ${count('crash')} crashes, ${count('hang')} hangs, ${count('rss')} over the memory bound`);
});
