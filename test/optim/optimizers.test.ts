// AdamW, Adam and SGD against torch.optim (PyTorch 1.13): the same initial weights and the
// same 20 gradients must give the same parameters after every step, and a state dict taken
// mid-run (ours, or PyTorch's own) must continue the run identically.
// Fixtures: scripts/fixtures/make_engine_fixtures.py → test/fixtures/engine/optimizers.json, and
// scripts/fixtures/make_optimizer_block_fixtures.py (torch 2.x) → optimizers_blocks.json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { Optimizer, OptimizerStateDict, ParamState } from '../../src/optim/index.js';
import { assertTensorMatches, fromSpec, loadFixture } from '../helpers/torch-fixtures.js';
import type { TensorSpec } from '../helpers/torch-fixtures.js';

interface Case {
  name: string;
  optimizer: 'AdamW' | 'Adam' | 'SGD';
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  init: TensorSpec[];
  grads: (TensorSpec | null)[][];
  expected: TensorSpec[][];
  after10: { params: TensorSpec[]; state: Record<string, Record<string, TensorSpec | number>>; state_keys: string[] };
}

const fixture = loadFixture<{ steps: number; cases: Case[] }>('optimizers.json');
// parameters of 37 and 40 elements: the fused kernel's vectorized blocks of 16 and its remainder
const blocks = loadFixture<{ steps: number; cases: Case[] }>('optimizers_blocks.json');
if (blocks.steps !== fixture.steps) throw new Error('optimizers_blocks.json: another step count than optimizers.json');
fixture.cases.push(...blocks.cases);
const TOL = { atol: 1e-6, rtol: 0 };

/** PyTorch's keyword arguments under our option names. */
function options(py: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = { weight_decay: 'weightDecay' };
  return Object.fromEntries(Object.entries(py).map(([k, v]) => [names[k] ?? k, v]));
}

function build(c: Case, params: Tensor[]): Optimizer {
  const input = c.groups
    ? c.groups.map(({ params: ids, ...rest }) => ({ ...options(rest), params: ids.map((i) => params[i]) }))
    : params;
  const Cls = { AdamW: optim.AdamW, Adam: optim.Adam, SGD: optim.SGD }[c.optimizer];
  return new Cls(input as never, options(c.options) as never);
}

function leaves(specs: TensorSpec[]): Tensor[] {
  return specs.map((s) => fromSpec(s, { requiresGrad: true }));
}

function step(c: Case, opt: Optimizer, params: Tensor[], k: number): void {
  params.forEach((p, i) => {
    const g = c.grads[k][i];
    p.grad = g ? fromSpec(g) : null;
  });
  opt.step();
}

function assertParams(params: Tensor[], expected: TensorSpec[], label: string): number {
  return Math.max(...params.map((p, i) => assertTensorMatches(p.detach(), expected[i], TOL, `${label} param ${i}`)));
}

describe('optimizers match torch.optim step by step', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: ${fixture.steps} steps to 1e-6`, () => {
      const params = leaves(c.init);
      const opt = build(c, params);
      for (let k = 0; k < fixture.steps; k++) {
        step(c, opt, params, k);
        assertParams(params, c.expected[k], `${c.name} step ${k + 1}`);
      }
    });

    it(`${c.name}: stateDict() → loadStateDict() into a fresh optimizer continues identically`, () => {
      const params = leaves(c.init);
      const opt = build(c, params);
      for (let k = 0; k < 10; k++) step(c, opt, params, k);
      const saved = opt.stateDict();
      // the per-parameter state holds what PyTorch's holds
      const keys = [...new Set(Object.values(saved.state).flatMap((s) => Object.keys(s)))].sort();
      assert.deepEqual(keys, c.after10.state_keys, 'state keys');

      const resumed = params.map((p) => p.detach().clone().requiresGrad_(true));
      const opt2 = build(c, resumed);
      opt2.loadStateDict(saved);
      for (let k = 10; k < fixture.steps; k++) {
        step(c, opt, params, k);
        step(c, opt2, resumed, k);
        params.forEach((p, i) => assert.ok(p.equal(resumed[i]), `step ${k + 1} param ${i}: resumed run differs from the uninterrupted one`));
        assertParams(resumed, c.expected[k], `${c.name} resumed step ${k + 1}`);
      }
    });

    it(`${c.name}: PyTorch's own state after 10 steps loads and continues`, () => {
      const params = leaves(c.after10.params);
      const opt = build(c, params);
      const ours: OptimizerStateDict = opt.stateDict();
      const state: Record<number, ParamState> = {};
      for (const [id, s] of Object.entries(c.after10.state)) {
        state[Number(id)] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : fromSpec(v)]));
      }
      opt.loadStateDict({ state, param_groups: ours.param_groups });
      for (let k = 10; k < fixture.steps; k++) {
        step(c, opt, params, k);
        assertParams(params, c.expected[k], `${c.name} from PyTorch state, step ${k + 1}`);
      }
    });
  }
});

describe('optimizer details', () => {
  it('zeroGrad() sets gradients to null by default and to zeros with setToNone: false', () => {
    const p = torch.ones([2], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.grad = torch.tensor([1.5, 2]);
    opt.zeroGrad({ setToNone: false });
    assert.deepEqual(p.grad!.toArray(), [0, 0]);
    opt.zeroGrad();
    assert.equal(p.grad, null);
  });

  it('loadStateDict gives floating-point state its parameter dtype (as torch.optim)', () => {
    const p32 = torch.ones([3], { requiresGrad: true });
    const opt32 = new optim.AdamW([p32]);
    p32.grad = torch.tensor([0.5, -1, 2]);
    opt32.step();
    const p64 = torch.ones([3], { dtype: 'float64', requiresGrad: true });
    const opt64 = new optim.AdamW([p64]);
    opt64.loadStateDict(opt32.stateDict());
    const s = opt64.state.get(p64)!;
    assert.equal((s.exp_avg as Tensor).dtype, 'float64');
    assert.equal((s.exp_avg_sq as Tensor).dtype, 'float64');
    assert.equal(s.step, 1);
    p64.grad = torch.tensor([0.5, -1, 2], { dtype: 'float64' });
    opt64.step();
  });

  it('AdamW defaults to weightDecay 0.01 and Adam to 0 (as torch.optim)', () => {
    const p = torch.ones([1], { requiresGrad: true });
    assert.equal(new optim.AdamW([p]).paramGroups[0].weightDecay, 0.01);
    assert.equal(new optim.Adam([p]).paramGroups[0].weightDecay, 0);
    assert.equal(new optim.AdamW([p]).paramGroups[0].lr, 1e-3);
  });

  it('rejects invalid hyper-parameters and duplicated parameters', () => {
    const p = torch.ones([1], { requiresGrad: true });
    assert.throws(() => new optim.AdamW([p], { lr: -1 }), /learning rate/);
    assert.throws(() => new optim.AdamW([p], { betas: [1, 0.999] }), /beta/);
    assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov/);
    assert.throws(() => new optim.SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 }), /more than one/);
  });
});
