// getScheduler against Hugging Face's get_scheduler: the lambdas of transformers/optimization.py
// (transcribed into the fixture script) driven by the real torch.optim.lr_scheduler.LambdaLR.
// Fixtures: scripts/fixtures/make_engine_fixtures.py → test/fixtures/engine/schedulers.json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { optim, torch } from '../../src/index.js';
import type { SchedulerOptions, SchedulerType } from '../../src/optim/index.js';
import { loadFixture } from '../helpers/torch-fixtures.js';

interface Case {
  name: SchedulerType;
  kwargs: { num_cycles?: number; power?: number; lr_end?: number };
  warmup: number;
  total: number;
  defaults_lr: number;
  group_lrs: number[];
  lrs: number[][];
}

interface ErrorCase {
  name: SchedulerType;
  warmup: number | null;
  total: number | null;
  lr?: number;
  lr_end?: number;
  missing: 'num_warmup_steps' | 'num_training_steps' | 'lr_end' | null;
}

interface SecondScheduler {
  first: { name: SchedulerType; warmup: number; total: number };
  second: { name: SchedulerType; warmup: number; total: number };
  lr: number;
  lrs: number[][];
}

const fixture = loadFixture<{ cases: Case[]; errors: ErrorCase[]; second_scheduler: SecondScheduler }>('schedulers.json');

function twoGroups(groupLrs: number[], defaultsLr: number) {
  const a = torch.zeros([2], { requiresGrad: true });
  const b = torch.zeros([3], { requiresGrad: true });
  return new optim.SGD([{ params: [a] }, { params: [b], lr: groupLrs[1] }], { lr: defaultsLr });
}

function kwargs(k: Case['kwargs']): SchedulerOptions['schedulerSpecificKwargs'] {
  return { numCycles: k.num_cycles, power: k.power, lrEnd: k.lr_end };
}

describe('getScheduler matches transformers.get_scheduler + torch LambdaLR at every step (1e-9)', () => {
  for (const c of fixture.cases) {
    const label = `${c.name}${Object.keys(c.kwargs).length ? ' ' + JSON.stringify(c.kwargs) : ''} warmup ${c.warmup} total ${c.total}`;
    it(label, () => {
      const opt = twoGroups(c.group_lrs, c.defaults_lr);
      const sched = optim.getScheduler(c.name, opt, {
        numWarmupSteps: c.warmup,
        numTrainingSteps: c.total,
        schedulerSpecificKwargs: kwargs(c.kwargs),
      });
      c.lrs.forEach((expected, step) => {
        if (step > 0) {
          opt.step();
          sched.step();
        }
        const got = sched.getLastLr();
        assert.equal(got.length, expected.length);
        expected.forEach((e, g) => {
          assert.ok(Math.abs(got[g] - e) <= 1e-9, `step ${step} group ${g}: ${got[g]} vs PyTorch ${e}`);
          assert.equal(opt.paramGroups[g].lr, got[g], `step ${step} group ${g}: the optimizer's lr is the scheduler's`);
        });
      });
    });
  }
});

describe('getScheduler argument checks (as transformers.get_scheduler)', () => {
  const camel = { num_warmup_steps: /numWarmupSteps/, num_training_steps: /numTrainingSteps/, lr_end: /lr_end|lrEnd/ };
  for (const e of fixture.errors) {
    const label = `${e.name} warmup=${e.warmup} total=${e.total}${e.lr !== undefined ? ` lr=${e.lr} lr_end=${e.lr_end}` : ''}`;
    it(`${label}: ${e.missing ? `throws for ${e.missing}` : 'accepted'}`, () => {
      const p = torch.zeros([1], { requiresGrad: true });
      const opt = new optim.SGD([p], { lr: e.lr ?? 0.1 });
      const make = () =>
        optim.getScheduler(e.name, opt, {
          numWarmupSteps: e.warmup ?? undefined,
          numTrainingSteps: e.total ?? undefined,
          schedulerSpecificKwargs: e.lr_end !== undefined ? { lrEnd: e.lr_end } : undefined,
        });
      if (e.missing) assert.throws(make, camel[e.missing]);
      else assert.doesNotThrow(make);
    });
  }

  it('an unknown scheduler name is an error', () => {
    const opt = new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    assert.throws(() => optim.getScheduler('exponential' as SchedulerType, opt, { numWarmupSteps: 1, numTrainingSteps: 2 }), /unknown scheduler/);
  });
});

describe('LambdaLR state', () => {
  it('a second scheduler on the same optimizer starts from the initial lr, as in PyTorch', () => {
    const { first, second, lr, lrs } = fixture.second_scheduler;
    const opt = new optim.SGD([torch.zeros([2], { requiresGrad: true })], { lr });
    optim.getScheduler(first.name, opt, { numWarmupSteps: first.warmup, numTrainingSteps: first.total });
    const sched = optim.getScheduler(second.name, opt, { numWarmupSteps: second.warmup, numTrainingSteps: second.total });
    lrs.forEach((expected, step) => {
      if (step > 0) sched.step();
      assert.ok(Math.abs(sched.getLastLr()[0] - expected[0]) <= 1e-9, `step ${step}: ${sched.getLastLr()[0]} vs PyTorch ${expected[0]}`);
    });
  });

  it('stateDict()/loadStateDict() resumes the schedule where it stopped', () => {
    const c = fixture.cases.find((x) => x.name === 'cosine' && x.warmup === 4)!;
    const opt = twoGroups(c.group_lrs, c.defaults_lr);
    const sched = optim.getScheduler('cosine', opt, { numWarmupSteps: c.warmup, numTrainingSteps: c.total });
    for (let s = 0; s < 7; s++) sched.step();
    const saved = sched.stateDict();
    const opt2 = twoGroups(c.group_lrs, c.defaults_lr);
    const sched2 = optim.getScheduler('cosine', opt2, { numWarmupSteps: c.warmup, numTrainingSteps: c.total });
    sched2.loadStateDict(saved);
    assert.deepEqual(sched2.getLastLr(), c.lrs[7]);
    for (let s = 8; s < c.lrs.length; s++) {
      sched2.step();
      sched2.getLastLr().forEach((lr, g) => assert.ok(Math.abs(lr - c.lrs[s][g]) <= 1e-9, `step ${s}`));
    }
  });
});
