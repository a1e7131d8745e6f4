// torch.profiler: the calls it records (names, nesting, counts, input shapes as libtorch's ops
// receive them) and its table, which must read exactly as PyTorch's for the same rows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { nn, optim, torch } from '../../src/index.js';
import { EventList } from '../../src/engine/profiler.js';
import type { FunctionEventAvg } from '../../src/engine/profiler.js';

const { profile, recordFunction, ProfilerActivity } = torch.profiler;

interface TableCase {
  name: string;
  rows: (Omit<FunctionEventAvg, 'cpuTime'> & { inputShapes: FunctionEventAvg['inputShapes'] })[];
  options: Record<string, string | number>;
  table: string;
}

function linearStep(lin: nn.Linear, x: torch.Tensor): void {
  const loss = lin.forward(x).relu().sum();
  loss.backward();
}

describe('torch.profiler', () => {
  it('prints the table PyTorch prints for the same rows (scripts/fixtures/make_profiler_fixtures.py)', () => {
    const cases = JSON.parse(readFileSync(new URL('../fixtures/profiler/tables.json', import.meta.url), 'utf8')) as TableCase[];
    assert.equal(cases.length, 4);
    for (const c of cases) {
      const list = new EventList();
      for (const row of c.rows) list.push({ ...row, cpuTime: row.cpuTimeTotal / row.count });
      assert.equal(list.table(c.options), c.table, c.name);
    }
  });

  it('records each aten op with its nesting: linear contains addmm, totals include children', () => {
    torch.manualSeed(0);
    const lin = new nn.Linear(64, 32);
    const x = torch.randn([16, 64]);
    const prof = profile({ activities: [ProfilerActivity.CPU] });
    prof.run(() => { for (let i = 0; i < 3; i++) linearStep(lin, x); });
    const averages = new Map(prof.keyAverages().map((e) => [e.key, e]));
    for (const name of ['aten::linear', 'aten::addmm', 'aten::relu']) assert.equal(averages.get(name)?.count, 3, name);
    const linear = averages.get('aten::linear')!;
    const addmm = averages.get('aten::addmm')!;
    assert.ok(linear.cpuTimeTotal >= addmm.cpuTimeTotal, 'linear runs addmm inside it');
    assert.ok(linear.selfCpuTimeTotal <= linear.cpuTimeTotal - addmm.cpuTimeTotal + 1e-6, 'self time leaves out the children');
    assert.ok([...averages.keys()].some((k) => k.includes('AddmmBackward0')), 'backward nodes are recorded');
    // every microsecond is some call's own time exactly once: self times add up to the top-level totals
    const events = prof.events();
    const selfSum = events.reduce((s, e) => s + e.selfCpuTimeTotal, 0);
    const top = events.filter((e) => !events.some((p) => p !== e && p.threadId === e.threadId && p.startUs <= e.startUs && e.endUs <= p.endUs && p.cpuTimeTotal > e.cpuTimeTotal));
    const topSum = top.reduce((s, e) => s + e.cpuTimeTotal, 0);
    assert.ok(Math.abs(selfSum - topSum) < 1e-3 * topSum + 1, `${selfSum} vs ${topSum}`);
    assert.match(prof.keyAverages().table({ sortBy: 'self_cpu_time_total', rowLimit: 5 }), /Self CPU time total: \d+\.\d{3}(us|ms|s)\n$/);
  });

  it('records input shapes as the op receives them and groups by them on request', () => {
    const lin = new nn.Linear(64, 32);
    const prof = profile({ recordShapes: true });
    prof.run(() => torch.noGrad(() => { lin.forward(torch.zeros([16, 64])); lin.forward(torch.zeros([4, 64])); }));
    const linear = prof.events().filter((e) => e.name === 'aten::linear');
    assert.deepEqual(linear.map((e) => e.inputShapes), [[[16, 64], [32, 64], [32]], [[4, 64], [32, 64], [32]]]);
    assert.equal(linear[0]!.inputShapesText, '[[16, 64], [32, 64], [32]]');
    const grouped = prof.keyAverages({ groupByInputShape: true }).filter((e) => e.key === 'aten::linear');
    assert.deepEqual(grouped.map((e) => e.count), [1, 1]);
    assert.equal(prof.keyAverages().filter((e) => e.key === 'aten::linear')[0]!.count, 2);
    assert.match(prof.keyAverages().table(), /Input Shapes/);
  });

  it('recordFunction labels a range that contains the ops run inside it', async () => {
    const lin = new nn.Linear(8, 8);
    const prof = profile();
    await prof.run(async () => {
      recordFunction('forward_pass', () => lin.forward(torch.ones([2, 8])));
      await recordFunction('after_await', async () => { await Promise.resolve(); torch.ones([3]).add(1); });
    });
    const events = prof.events();
    const range = events.find((e) => e.name === 'forward_pass')!;
    const linear = events.find((e) => e.name === 'aten::linear')!;
    assert.ok(range.startUs <= linear.startUs && linear.endUs <= range.endUs);
    assert.ok(range.selfCpuTimeTotal < range.cpuTimeTotal);
    assert.ok(events.some((e) => e.name === 'after_await'));
    // a range opened while no profiler runs is closed without disturbing the next profile
    recordFunction('unprofiled', () => torch.ones([1]));
    const again = profile();
    again.run(() => recordFunction('inner', () => torch.ones([1]).mul(2)));
    const inner = again.events().find((e) => e.name === 'inner')!;
    const mul = again.events().find((e) => e.name === 'aten::mul')!;
    assert.ok(inner.startUs <= mul.startUs && mul.endUs <= inner.endUs);
    assert.ok(!again.events().some((e) => e.name === 'unprofiled'));
  });

  it("an optimizer step is a row of its own, named as PyTorch names it, holding the fused update's time", () => {
    const lin = new nn.Linear(64, 64);
    const opt = new optim.AdamW(lin.parameters(), { lr: 1e-3 });
    const before = lin.weight.clone();
    const prof = profile();
    prof.run(() => {
      linearStep(lin, torch.ones([4, 64]));
      opt.step();
    });
    const step = prof.keyAverages().find((e) => e.key === 'Optimizer.step#AdamW.step');
    assert.ok(step, 'no Optimizer.step#AdamW.step row');
    assert.equal(step.count, 1);
    // the fused float32 kernel dispatches no ATen op, so the range's time is its own
    assert.ok(step.selfCpuTimeTotal > 0);
    assert.ok(!lin.weight.equal(before), 'the wrapped step still updates the parameters');
  });

  it('names what went wrong: stop before start, reading while running, two profilers, bad options', () => {
    assert.throws(() => profile().stop(), /stop\(\) without start\(\)/);
    assert.throws(() => profile().events(), /nothing recorded yet/);
    const prof = profile().start();
    try {
      assert.throws(() => prof.keyAverages(), /still running/);
      assert.throws(() => profile().start(), /already running/);
    } finally {
      prof.stop();
    }
    assert.throws(() => profile({ activities: ['tpu' as 'cpu'] }), /unknown activity "tpu"/);
    assert.throws(() => prof.keyAverages().table({ sortBy: 'gpu_time' }), /cannot sort by "gpu_time"/);
  });
});
