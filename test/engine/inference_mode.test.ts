// torch.inferenceMode against PyTorch's torch.inference_mode semantics: the state inside and
// after, inference tensors and what they refuse outside (libtorch's own errors), nesting with
// mode false, and the state restored after a throw or an async body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { torch } from '../../src/index.js';

describe('torch.inferenceMode', () => {
  it('turns grad mode off inside and restores both modes after', () => {
    assert.equal(torch.isInferenceModeEnabled(), false);
    const w = torch.ones([3]).requiresGrad_();
    const inside = torch.inferenceMode(() => {
      assert.equal(torch.isInferenceModeEnabled(), true);
      assert.equal(torch.isGradEnabled(), false);
      return w.mul(2);
    });
    assert.equal(inside.isInference(), true);
    assert.equal(inside.requiresGrad, false);
    assert.deepEqual(inside.toArray(), [2, 2, 2]);
    assert.equal(torch.isInferenceModeEnabled(), false);
    assert.equal(torch.isGradEnabled(), true);
    assert.equal(w.mul(2).isInference(), false);
    const made = torch.noGrad(() => torch.ones([2]));
    assert.equal(made.isInference(), false, 'noGrad makes normal tensors');
    for (const t of [w, inside, made]) t.dispose();
  });

  it('an inference tensor refuses in-place updates and backward outside, with libtorch’s message', () => {
    const y = torch.inferenceMode(() => torch.ones([3]));
    assert.throws(() => y.add_(1), /Inplace update to inference tensor outside InferenceMode/);
    const w = torch.ones([3]).requiresGrad_();
    assert.throws(() => w.mul(y).sum().backward(), /Inference tensors cannot be saved for backward/);
    // libtorch bumps the version counter after the kernel ran, so the refused update has
    // happened (PyTorch 2.13 prints tensor([2., 2., 2.]) here too); inside, it is allowed
    assert.deepEqual(y.toArray(), [2, 2, 2]);
    torch.inferenceMode(() => y.add_(1));
    assert.deepEqual(y.toArray(), [3, 3, 3]);
    y.dispose();
    w.dispose();
  });

  it('mode false inside an enabled one makes normal tensors again', () => {
    const [outer, inner] = torch.inferenceMode(() => {
      const a = torch.zeros([1]);
      const b = torch.inferenceMode(() => {
        assert.equal(torch.isInferenceModeEnabled(), false);
        return torch.zeros([1]);
      }, false);
      assert.equal(torch.isInferenceModeEnabled(), true);
      return [a, b];
    });
    assert.equal(outer.isInference(), true);
    assert.equal(inner.isInference(), false);
    outer.dispose();
    inner.dispose();
  });

  it('restores the state when the body throws, and when an async body settles', async () => {
    assert.throws(() => torch.inferenceMode(() => { throw new Error('inside'); }), /inside/);
    assert.equal(torch.isInferenceModeEnabled(), false);
    assert.equal(torch.isGradEnabled(), true);
    const pending = torch.inferenceMode(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return 1;
    });
    assert.equal(torch.isInferenceModeEnabled(), true, 'the context covers the async body until it settles');
    assert.equal(await pending, 1);
    assert.equal(torch.isInferenceModeEnabled(), false);
    assert.equal(torch.isGradEnabled(), true);
  });
});
