// String(tensor) against PyTorch's repr() (torch/_tensor_str.py, default print options),
// character for character.
// Fixtures: scripts/fixtures/make_engine_fixtures.py → test/fixtures/engine/format.json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { fromSpec, loadFixture } from '../helpers/torch-fixtures.js';
import type { TensorSpec } from '../helpers/torch-fixtures.js';

interface Case {
  name: string;
  input: TensorSpec;
  requires_grad: boolean;
  /** The op PyTorch applied to the input to get the printed tensor (for its grad_fn). */
  make: 'add1' | 'mul2' | 'sum' | 't' | null;
  repr: string;
}

const fixture = loadFixture<{ cases: Case[] }>('format.json');

const MAKE: Record<string, (t: Tensor) => Tensor> = {
  add1: (t) => t.add(1),
  mul2: (t) => t.mul(2),
  sum: (t) => t.sum(),
  t: (t) => t.t(),
};

// grad_fn_sum fails until the native `sum` calls at::sum(self, dtype) when no dim is given:
// today x.sum() goes through the dim-list overload, whose node is SumBackward1, not SumBackward0.
describe('String(tensor) prints like PyTorch', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      let t = fromSpec(c.input, { requiresGrad: c.requires_grad });
      if (c.make) t = MAKE[c.make](t);
      assert.equal(String(t), c.repr);
    });
  }

  it('console.log and util.inspect use the same text', () => {
    const t = torch.tensor([1.5, -2]);
    assert.equal(inspect(t), String(t));
  });

  it('a disposed tensor prints as such instead of throwing', () => {
    const t = torch.tensor([1, 2]);
    t.dispose();
    assert.equal(String(t), 'tensor(<disposed>)');
  });
});
