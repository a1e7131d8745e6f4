// Inference products of few rows through oneDNN (native/src/ops_math.cc): by default only on
// CPUs with AVX-512 (on AVX2 it was slower); forced on (FINETUNE_ONEDNN_LINEAR=1) the result is
// x·Wᵀ + b as the matmul path computes it, and the path is taken only without gradients, for
// at most 64 rows of float32 on the CPU and weights of at least 2^18 elements.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { N } from '../../src/engine/native.js';
import { withEnv } from '../helpers/env.js';

const oneDnnRan = (fn: () => unknown): boolean => {
  const prof = torch.profiler.profile();
  prof.run(fn);
  return prof.events().some((e) => e.name === 'aten::mkldnn_linear');
};
const maxDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();

describe('linear on oneDNN for few rows', () => {
  torch.manualSeed(0);
  const lin = new nn.Linear(384, 1536);
  const reference = (x: Tensor) => x.matmul(lin.weight.t()).add(lin.bias!);
  const x = torch.randn([2, 15, 384]);
  const forced = <T>(fn: () => T) => withEnv('FINETUNE_ONEDNN_LINEAR', '1', fn);

  it('by default runs where the CPU has AVX-512 and nowhere else; 0 turns it off, 1 on', () => {
    const avx512 = torch.cpuCapabilities().capability === 'AVX512';
    assert.equal(N.oneDnnLinearEnabled(), avx512, `capability ${torch.cpuCapabilities().capability}`);
    assert.equal(oneDnnRan(() => torch.noGrad(() => lin.forward(x))), avx512, 'the default');
    assert.equal(withEnv('FINETUNE_ONEDNN_LINEAR', '0', () => oneDnnRan(() => torch.noGrad(() => lin.forward(x)))), false, '=0');
    assert.equal(forced(() => oneDnnRan(() => torch.noGrad(() => lin.forward(x)))), true, '=1');
  });

  it('under noGrad and inferenceMode: [2, 15, 384] → [2, 15, 1536], equal to x·Wᵀ + b (1e-5)', () => forced(() => {
    for (const context of [torch.noGrad, torch.inferenceMode]) {
      let y: Tensor | undefined;
      assert.ok(oneDnnRan(() => { y = context(() => lin.forward(x).clone()); }), `${context.name}: oneDNN did not run`);
      assert.deepEqual(y!.shape, [2, 15, 1536]);
      assert.ok(maxDiff(y!, reference(x)) < 1e-5, `${context.name}: max |Δ| ${maxDiff(y!, reference(x))}`);
    }
    const noBias = new nn.Linear(384, 1536, { bias: false });
    const row = torch.randn([384]);
    const y = torch.noGrad(() => noBias.forward(row));
    assert.ok(maxDiff(y, noBias.weight.matmul(row)) < 1e-5, 'a 1-D input and no bias');
  }));

  it('keeps the usual path with gradients on, for many rows, small weights and other dtypes', () => forced(() => {
    const x = torch.randn([4, 384], { requiresGrad: true });
    assert.equal(oneDnnRan(() => lin.forward(x).sum().backward()), false, 'gradients on');
    assert.ok(x.grad && maxDiff(x.grad, lin.weight.sum(0).expand(4, 384)) < 1e-4, 'and the gradient is the matmul one');
    assert.equal(oneDnnRan(() => torch.noGrad(() => lin.forward(torch.randn([65, 384])))), false, '65 rows');
    assert.equal(oneDnnRan(() => torch.noGrad(() => new nn.Linear(384, 384).forward(torch.randn([8, 384])))), false, 'a 384×384 weight');
    const double = new nn.Linear(384, 1536).to('float64');
    assert.equal(oneDnnRan(() => torch.noGrad(() => double.forward(torch.randn([8, 384], { dtype: 'float64' })))), false, 'float64');
  }));
});
