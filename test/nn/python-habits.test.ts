// What PyTorch tutorials write, in TypeScript: torch.device, torch.cuda.*, the nn loss modules,
// and the message when a JavaScript "1.0" (an int64 tensor) reaches a float-only argument.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

describe('torch.device and torch.cuda', () => {
  it('torch.device gives the device string .to() takes, and rejects anything else', () => {
    const device = torch.device(torch.cuda.isAvailable() ? 'cuda' : 'cpu');
    assert.equal(torch.zeros([2]).to(device).device, device);
    assert.equal(torch.device('cuda', 1), 'cuda:1');
    assert.throws(() => torch.device('gpu'), /torch\.device: expected 'cpu', 'cuda' or 'cuda:<index>', got "gpu"/);
  });

  it('torch.cuda.emptyCache releases the cached blocks', () => {
    const big = torch.zeros([1 << 20]);
    big.dispose();
    torch.cuda.emptyCache();
    assert.equal(torch.memoryStats().cachedBytes, 0);
  });
});

describe('nn loss modules', () => {
  it('CrossEntropyLoss({ weight }) weighs each example by its class, as PyTorch', () => {
    const lossFn = new nn.CrossEntropyLoss({ weight: torch.tensor([1, 3], { dtype: 'float32' }) });
    const logits = torch.tensor([[0, 0], [Math.log(3), 0]], { dtype: 'float32' });
    const labels = torch.tensor([1, 0]);
    // row 0: -log(1/2) with weight 3; row 1: -log(3/4) with weight 1; the mean divides by the weights' sum
    close(lossFn.forward(logits, labels).item(), (3 * Math.log(2) + Math.log(4 / 3)) / 4);
    assert.deepEqual(Object.keys(lossFn.stateDict()), ['weight']);
    close(new nn.CrossEntropyLoss({ reduction: 'sum' }).forward(logits, labels).item(), Math.log(2) + Math.log(4 / 3));
    assert.throws(() => new nn.CrossEntropyLoss({ reduction: 'avg' as never }), /CrossEntropyLoss: reduction must be 'none', 'mean' or 'sum'/);
  });

  it('MSELoss, L1Loss, BCEWithLogitsLoss and NLLLoss compute what their functional forms do', () => {
    const x = torch.tensor([0.5, -1, 2], { dtype: 'float32' });
    const y = torch.tensor([1, 0, 2], { dtype: 'float32' });
    close(new nn.MSELoss().forward(x, y).item(), (0.25 + 1 + 0) / 3);
    close(new nn.L1Loss({ reduction: 'sum' }).forward(x, y).item(), 1.5);
    const sp = (v: number) => Math.log1p(Math.exp(v));
    close(new nn.BCEWithLogitsLoss().forward(torch.tensor([0, 2], { dtype: 'float32' }), torch.tensor([1, 0], { dtype: 'float32' })).item(), (sp(0) + sp(2)) / 2);
    const logp = torch.tensor([[Math.log(0.25), Math.log(0.75)]], { dtype: 'float32' });
    close(new nn.NLLLoss().forward(logp, torch.tensor([1])).item(), -Math.log(0.75));
  });
});

describe('int64 tensors in float-only arguments', () => {
  it('names the argument and the fix: { dtype: \'float32\' }', () => {
    const weight = torch.tensor([1.0, 2.0, 3.0]); // int64: JavaScript's 1.0 is the number 1
    assert.equal(weight.dtype, 'int64');
    const fix = /must be a floating-point tensor, got int64\. In JavaScript torch\.tensor\(\[1\.0, 2\.0\]\) is int64 .*\{ dtype: 'float32' \}/;
    assert.throws(() => nn.functional.crossEntropy(torch.randn([2, 3]), torch.tensor([0, 1]), { weight }), new RegExp(`crossEntropy: weight \\(the class weights\\) ${fix.source}`));
    assert.throws(() => new nn.CrossEntropyLoss({ weight }).forward(torch.randn([2, 3]), torch.tensor([0, 1])), fix);
    assert.throws(() => nn.functional.mseLoss(torch.randn([3]), torch.tensor([1, 2, 3])), /mseLoss: target must be a floating-point tensor/);
    assert.throws(() => new nn.L1Loss().forward(torch.randn([3]), torch.tensor([1, 2, 3])), /l1Loss: target must be/);
    assert.throws(() => new nn.BCEWithLogitsLoss().forward(torch.randn([2]), torch.tensor([1, 0])), /binaryCrossEntropyWithLogits: target \(0\/1 labels as floats\) must be/);
    assert.throws(() => nn.functional.crossEntropy(torch.tensor([[1, 2]]), torch.tensor([0])), /crossEntropy: input must be a floating-point tensor/);
  });
});
