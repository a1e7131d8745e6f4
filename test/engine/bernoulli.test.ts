// The addon's bernoulli_ and dropout kernel (native/src/bernoulli.cc) against real PyTorch: the
// same masks from the same seed, and the generator left where PyTorch leaves it (the next
// torch.rand draws agree). Fixtures: scripts/fixtures/make_bernoulli_fixtures.py.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';
import { N } from '../../src/engine/native.js';
import type { DType } from '../../src/engine/dtype.js';
import { loadFixture } from '../helpers/torch-fixtures.js';

interface Case {
  name: string; seed: number; before: number; op: 'bernoulli' | 'dropout' | 'dropout_t';
  size: number[]; p: number; dtype: DType; mask: string; kept: number | null; after: number[];
}

const fixture = loadFixture<{ torch: string; cases: Case[] }>('bernoulli.json');

function run(c: Case): torch.Tensor {
  if (c.op === 'bernoulli') return torch.empty(c.size, { dtype: c.dtype }).bernoulli_(c.p);
  const ones = torch.ones(c.size, { dtype: c.dtype });
  return nn.functional.dropout(c.op === 'dropout_t' ? ones.t() : ones, c.p, true);
}

describe('bernoulli_ and dropout draw what PyTorch draws', () => {
  it('the fast kernel reproduced ATen\'s on this libtorch, so it is the one that runs', () => {
    assert.equal(N.bernoulliReproducesAten(), true);
  });

  assert.equal(fixture.cases.length, 9);
  for (const c of fixture.cases) {
    it(`${c.name}: ${c.op} of [${c.size}] at p=${c.p}, after ${c.before} draws`, () => {
      torch.manualSeed(c.seed);
      if (c.before) torch.rand([c.before]);
      const out = run(c);
      const values = (out.flatten().toArray() as number[]);
      assert.equal(values.map((v) => (v !== 0 ? '1' : '0')).join(''), c.mask);
      if (c.kept !== null) assert.ok(values.every((v) => v === 0 || v === c.kept), 'kept elements are 1 / (1 - p)');
      assert.deepEqual(torch.rand([4]).toArray(), c.after);
    });
  }

  it('a leaf that requires grad is refused as PyTorch refuses it, and p outside [0, 1] is named', () => {
    assert.throws(() => torch.empty([3], { requiresGrad: true }).bernoulli_(0.5), /leaf Variable that requires grad/);
    assert.throws(() => torch.empty([3]).bernoulli_(1.5), /bernoulli_.*p=1.5/);
    assert.throws(() => nn.functional.dropout(torch.ones([3]), -0.1, true), /dropout probability has to be between 0 and 1/);
  });

  it('an in-place draw bumps the version, so a tensor saved for backward cannot be overwritten silently', () => {
    const x = torch.empty([4]);
    const v = x._version;
    x.bernoulli_(0.5);
    assert.ok(x._version > v);
  });
});
