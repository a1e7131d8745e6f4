// The model fixtures (test/fixtures/models/*) were made with a hand-written transcription of
// transformers' models on torch 1.13 (scripts/fixtures/make_bert_fixture.py); the model tests
// compare finetune with them bit-for-bit where the engine is the same libtorch 1.13. This keeps
// them honest: every stored output, replayed through the real transformers classes on torch 2.x
// (scripts/peers/check_model_fixtures.py), agrees. The bound is float32 rounding between the two
// torch versions' kernels (measured: at most 9.5e-7 over all families and quantities).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { peerPython, runPeer } from '../helpers/peers.js';

const TOLERANCE = 2e-6;
const fixtures = fileURLToPath(new URL('../fixtures/models', import.meta.url));

describe('model fixtures agree with the real transformers (peers venv)', { skip: peerPython().skip }, () => {
  it(`bert, roberta, distilbert: logits, loss, hidden states, attentions, pooler, gradients, other problem types within ${TOLERANCE}`, () => {
    const report = runPeer<Record<string, Record<string, number>>>('check_model_fixtures.py', [fixtures]);
    assert.deepEqual(Object.keys(report), ['bert', 'roberta', 'distilbert']);
    for (const [family, quantities] of Object.entries(report)) {
      assert.ok(Object.keys(quantities).length >= 5, `${family}: every quantity checked`);
      for (const [quantity, diff] of Object.entries(quantities)) assert.ok(diff <= TOLERANCE, `${family} ${quantity}: max |Δ| ${diff}`);
    }
  });
});

// The scheduler fixtures (test/fixtures/engine/schedulers.json) came from transformers' schedule
// lambdas transcribed by hand; the real transformers.get_scheduler gives exactly the same rates
// and rejects exactly the same arguments (scripts/peers/check_scheduler_fixtures.py).
describe('scheduler fixtures agree with the real transformers.get_scheduler (peers venv)', { skip: peerPython().skip }, () => {
  it('every schedule\'s learning rates identical, the same argument errors', () => {
    const engine = fileURLToPath(new URL('../fixtures/engine/schedulers.json', import.meta.url));
    const report = runPeer<{ cases: number; max_lr_diff: number; error_mismatches: unknown[]; second_scheduler_diff: number }>('check_scheduler_fixtures.py', [engine]);
    assert.equal(report.cases, 36);
    assert.equal(report.max_lr_diff, 0);
    assert.deepEqual(report.error_mismatches, []);
    assert.equal(report.second_scheduler_diff, 0);
  });
});
