// torch.autocast follows libtorch's CPU autocast policy: matrix products in bfloat16,
// softmax and losses in float32, and the previous state restored afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { torch, nn } from '../../src/index.js';

test('autocast on CPU runs matmul and linear in bfloat16 and keeps softmax and losses in float32', () => {
  const a = torch.randn([8, 4]);
  const w = torch.randn([3, 4]);
  torch.autocast('cpu', () => {
    assert.equal(a.matmul(w.t()).dtype, 'bfloat16');
    assert.equal(nn.functional.linear(a, w).dtype, 'bfloat16');
    assert.equal(a.softmax(-1).dtype, 'float32');
    const logits = nn.functional.linear(a, w);
    assert.equal(nn.functional.crossEntropy(logits, torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])).dtype, 'float32');
  });
  assert.equal(a.matmul(w.t()).dtype, 'float32');
  assert.equal(torch.isAutocastEnabled('cpu'), false);
});

test('autocast results stay close to float32 and gradients flow to float32 parameters', () => {
  torch.manualSeed(0);
  const layer = new nn.Linear(64, 32);
  const x = torch.randn([16, 64]);
  const exact = layer.forward(x);
  const mixed = torch.autocast('cpu', () => layer.forward(x));
  const err = mixed.float().sub(exact).abs().max().item();
  const scale = exact.abs().max().item();
  assert.ok(err / scale < 2e-2, `relative error ${err / scale}`);
  mixed.float().sum().backward();
  assert.equal(layer.weight.grad!.dtype, 'float32');
});

test('autocast nests, can be disabled inside, and restores state after an exception', () => {
  const a = torch.randn([2, 2]);
  torch.autocast('cpu', () => {
    torch.autocast('cpu', { enabled: false }, () => assert.equal(a.matmul(a).dtype, 'float32'));
    assert.equal(a.matmul(a).dtype, 'bfloat16');
  });
  assert.throws(() => torch.autocast('cpu', () => { throw new Error('boom'); }), /boom/);
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  assert.throws(() => torch.autocast('tpu' as 'cpu', () => 0), /autocast device type must be 'cpu' or 'cuda'/);
});
