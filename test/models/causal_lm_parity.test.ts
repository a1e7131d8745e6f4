// Every causal-LM family against the real transformers (scripts/fixtures/make_causal_lm_fixtures.py)
// on a left-padded batch with its attention mask, in float64: the logits at every real token,
// the shifted-label loss, the gradients, the loss normalised by num_items_in_batch, greedy
// generate() token for token, and the decoder sequence classifier read at the last real token.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it, before } from 'node:test';

import { torch } from '../../src/index.js'; // (installs model.generate)
import type { Tensor } from '../../src/engine/tensor.js';
import { AutoModelForCausalLM, AutoModelForSequenceClassification, logging } from '../../src/models/index.js';
import type { AutoCausalLMModel } from '../../src/models/index.js';
import { fromSpec } from '../helpers/torch-fixtures.js';
import type { TensorSpec } from '../helpers/torch-fixtures.js';

interface Expected {
  input_ids: TensorSpec; attention_mask: TensorSpec; labels: TensorSpec; logits: TensorSpec; loss: number;
  grad_norms: Record<string, number>; grads: Record<string, TensorSpec>;
  num_items_in_batch: number; summed_loss: number; generated: TensorSpec;
  seqcls?: { score: TensorSpec; labels: TensorSpec; logits: TensorSpec; loss: number };
}

const root = new URL('../fixtures/models/causal-lm/', import.meta.url).pathname;
const maxDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item() as number;

for (const family of readdirSync(root).sort()) {
  describe(`${family}: parity with transformers (float64, left padding)`, () => {
    const dir = `${root}${family}`;
    const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Expected;
    let model: AutoCausalLMModel;
    let ids: Tensor;
    let mask: Tensor;
    let labels: Tensor;
    before(async () => {
      logging.setVerbosity('error');
      model = await AutoModelForCausalLM.fromPretrained(dir, { dtype: 'float64' });
      [ids, mask, labels] = [fromSpec(expected.input_ids), fromSpec(expected.attention_mask), fromSpec(expected.labels)];
    });

    it('loads every weight, none missing or unused', () => {
      assert.deepEqual(model.loadingInfo?.missingKeys, []);
      assert.deepEqual(model.loadingInfo?.unexpectedKeys, []);
      assert.equal(model.dtype, 'float64');
    });

    it('computes the logits at real tokens (1e-6), the loss and the gradients', () => {
      model.zeroGrad();
      const out = model.forward({ input_ids: ids, attention_mask: mask, labels });
      const real = mask.bool().unsqueeze(-1);
      const want = fromSpec(expected.logits);
      const diff = out.logits.sub(want).abs().mul(real).max().item() as number;
      // 1e-6 relative to the largest logit: transformers itself rounds RMSNorm and rope to float32
      const scale = Math.max(1, want.abs().max().item() as number);
      assert.ok(diff < 1e-6 * scale, `logits differ by ${diff} (largest |logit| ${scale})`);
      assert.ok(Math.abs(out.loss!.item() - expected.loss) < 1e-6, `loss ${out.loss!.item()} vs ${expected.loss}`);
      out.loss!.backward();
      const params = new Map(model.namedParameters());
      assert.deepEqual([...params.keys()].sort(), Object.keys(expected.grad_norms).sort(), 'the same parameter names as transformers');
      for (const [name, norm] of Object.entries(expected.grad_norms)) {
        const got = params.get(name)!.grad!.norm().item() as number;
        assert.ok(Math.abs(got - norm) <= 1e-5 * Math.max(norm, 1), `${name}: gradient norm ${got} vs ${norm}`);
      }
      for (const [name, values] of Object.entries(expected.grads)) {
        const got = params.get(name)!.grad!.flatten().narrow(0, 0, values.shape[0]);
        assert.ok(maxDiff(got, fromSpec(values)) < 1e-6, `${name}: gradient values`);
      }
      model.zeroGrad();
    });

    it('divides the summed loss by numItemsInBatch', () => {
      const out = torch.noGrad(() => model.forward({ input_ids: ids, attention_mask: mask, labels, numItemsInBatch: expected.num_items_in_batch }));
      assert.ok(Math.abs(out.loss!.item() - expected.summed_loss) < 1e-6, `${out.loss!.item()} vs ${expected.summed_loss}`);
    });

    it('gives the same logits with the KV cache as without it', () => {
      torch.noGrad(() => {
        const full = model.forward({ input_ids: ids, attention_mask: mask, useCache: false }).logits;
        const first = model.forward({ input_ids: ids.narrow(1, 0, 5), attention_mask: mask.narrow(1, 0, 5), useCache: true });
        const rest = model.forward({ input_ids: ids.narrow(1, 5, 2), attention_mask: mask, pastKeyValues: first.pastKeyValues });
        const real = mask.narrow(1, 5, 2).bool().unsqueeze(-1);
        const diff = rest.logits.sub(full.narrow(1, 5, 2)).abs().mul(real).max().item() as number;
        assert.ok(diff < 1e-9, `cached logits differ by ${diff}`);
      });
    });

    it('greedy generate() reproduces transformers token for token (KV cache, left padding)', () => {
      const out = model.generate({ input_ids: ids, attention_mask: mask }, { maxNewTokens: 6, doSample: false, padTokenId: 0, eosTokenId: null });
      assert.deepEqual(out.tolist(), fromSpec(expected.generated).tolist());
    });

    if (expected.seqcls) {
      it('classifies sequences at the last non-pad token (score head), with the loss', async () => {
        const sc = await AutoModelForSequenceClassification.fromPretrained(dir, { dtype: 'float64', numLabels: 3 });
        torch.noGrad(() => (sc as unknown as { score: { weight: Tensor } }).score.weight.copy_(fromSpec(expected.seqcls!.score)));
        const out = torch.noGrad(() => sc.forward({ input_ids: ids, attention_mask: mask, labels: fromSpec(expected.seqcls!.labels) }));
        assert.ok(maxDiff(out.logits, fromSpec(expected.seqcls!.logits)) < 1e-6);
        assert.ok(Math.abs(out.loss!.item() - expected.seqcls!.loss) < 1e-6);
      });
    }
  });
}
