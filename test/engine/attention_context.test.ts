// nn.functional.attentionContext: on libtorch 2.x the fused scaled_dot_product_attention, on 1.13
// the composite; either way the context (and its gradients) of scaledDotProductAttention, whose
// matmul/softmax/matmul arithmetic is PyTorch's definition. With dropout it must take the
// composite path, so that training draws the same random masks as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const F = nn.functional;

function maxDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().item();
}

/** q, k, v [2, 3, 6, 8] and an additive padding mask that hides the last two keys of the second row. */
function inputs() {
  torch.manualSeed(7);
  const [q, k, v] = [0, 1, 2].map(() => torch.randn([2, 3, 6, 8]).requiresGrad_());
  const keep = torch.ones([2, 1, 1, 6]);
  keep.narrow(0, 1, 1).narrow(3, 4, 2).fill_(0);
  const mask = keep.neg().add(1).mul(-3.4028234663852886e38); // finfo(float32).min, as the models' masks
  return { q, k, v, mask };
}

describe('nn.functional.attentionContext', () => {
  it('gives scaledDotProductAttention\'s context and gradients, with a padding mask and a scale', () => {
    for (const scale of [undefined, 0.5]) {
      const a = inputs();
      const [expected] = F.scaledDotProductAttention(a.q, a.k, a.v, { attnMask: a.mask, scale, training: false });
      expected.mul(expected).sum().backward();
      const b = inputs();
      const got = F.attentionContext(b.q, b.k, b.v, { attnMask: b.mask, scale, training: false });
      got.mul(got).sum().backward();
      assert.deepEqual(got.shape, [2, 3, 6, 8]);
      assert.ok(maxDiff(got, expected) < 1e-5, `context differs by ${maxDiff(got, expected)} (scale ${scale})`);
      for (const name of ['q', 'k', 'v'] as const) {
        const diff = maxDiff(b[name].grad!, a[name].grad!);
        assert.ok(diff < 1e-4, `d${name} differs by ${diff} (scale ${scale})`);
      }
    }
  });

  it('with dropout in training, draws the same masks as scaledDotProductAttention under the same seed', () => {
    const a = inputs();
    torch.manualSeed(3);
    const [expected] = F.scaledDotProductAttention(a.q, a.k, a.v, { attnMask: a.mask, dropoutP: 0.5, training: true });
    torch.manualSeed(3);
    const got = F.attentionContext(a.q, a.k, a.v, { attnMask: a.mask, dropoutP: 0.5, training: true });
    assert.equal(maxDiff(got, expected), 0);
    // and the dropout really happened: without it the context differs
    const [plain] = F.scaledDotProductAttention(a.q, a.k, a.v, { attnMask: a.mask, training: false });
    assert.ok(maxDiff(got, plain) > 1e-3);
  });
});
