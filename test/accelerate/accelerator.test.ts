// The single-process Accelerator: what Accelerate's does in one process, so that a hand-written
// loop on it and the Trainer (which calls only it for process- and precision-specific work)
// give the numbers of a plain loop.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { Accelerator, nn, optim, torch } from '../../src/index.js';

type Tensor = torch.Tensor;

function mlp(seed: number): nn.Sequential {
  torch.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.Linear(8, 2));
}

function batches(n: number): [Tensor, Tensor][] {
  torch.manualSeed(123);
  return Array.from({ length: n }, () => {
    const x = torch.randn([5, 4]);
    return [x, x.sum(1).gt(0).to('int64')] as [Tensor, Tensor];
  });
}

const paramsOf = (m: nn.Module) => m.parameters().map((p) => p.detach().clone());

describe('Accelerator (one process)', () => {
  it('reports one main process on the CPU', () => {
    const acc = new Accelerator({ cpu: true });
    assert.equal(acc.numProcesses, 1);
    assert.equal(acc.processIndex, 0);
    assert.ok(acc.isMainProcess && acc.isLocalMainProcess);
    assert.equal(acc.distributedType, 'NO');
    assert.equal(acc.device, 'cpu');
    const t = torch.ones([3]);
    assert.equal(acc.gatherForMetrics(t), t);
    assert.equal(acc.reduce(t), t);
  });

  it('refuses fp16 on the CPU and a bad accumulation count', () => {
    assert.throws(() => new Accelerator({ mixedPrecision: 'fp16', cpu: true }), /fp16 mixed precision .* needs a CUDA device/);
    assert.throws(() => new Accelerator({ gradientAccumulationSteps: 0 }), /gradientAccumulationSteps must be a positive integer/);
  });

  it('accumulate() syncs every gradientAccumulationSteps batches and at the end of the data', () => {
    const acc = new Accelerator({ gradientAccumulationSteps: 3 });
    const model = mlp(0);
    const syncs = Array.from({ length: 7 }, (_, i) => acc.accumulate(model, () => acc.syncGradients, { endOfData: i === 6 }));
    assert.deepEqual(syncs, [false, false, true, false, false, true, true]);
  });

  it('a hand-written loop on prepare/accumulate/backward/clipGradNorm_ equals the plain loop', () => {
    const data = batches(6);
    // the plain PyTorch loop: loss / 2, backward, and every second batch clip + step
    const plain = mlp(1);
    const plainOpt = new optim.AdamW(plain.parameters(), { lr: 1e-2 });
    data.forEach(([x, y], i) => {
      torch.tidy(() => nn.functional.crossEntropy(plain.forward(x), y).div(2).backward());
      if (i % 2 === 1) {
        nn.utils.clipGradNorm_(plain.parameters(), 0.5).dispose();
        plainOpt.step();
        plainOpt.zeroGrad();
      }
    });
    const acc = new Accelerator({ gradientAccumulationSteps: 2 });
    const fresh = mlp(1);
    const [model, opt] = acc.prepare(fresh, new optim.AdamW(fresh.parameters(), { lr: 1e-2 }));
    for (const [x, y] of data) {
      acc.accumulate(model, () => {
        torch.tidy(() => acc.backward(nn.functional.crossEntropy(model.forward(x), y)));
        if (acc.syncGradients) {
          acc.clipGradNorm_(model.parameters(), 0.5).dispose();
          opt.step();
          opt.zeroGrad();
        }
      });
    }
    const [a, b] = [paramsOf(plain), paramsOf(model)];
    a.forEach((p, i) => assert.ok(p.equal(b[i]), `parameter ${i} differs`));
  });

  it('autocast() runs the mixed-precision dtype and nothing else with "no"', () => {
    const x = torch.randn([2, 3]);
    const w = torch.randn([3, 3]);
    // allowSlowBf16: this is about what autocast does, on any CPU (the refusal has its own test)
    assert.equal(new Accelerator({ mixedPrecision: 'bf16', allowSlowBf16: true }).autocast(() => x.matmul(w)).dtype, 'bfloat16');
    assert.equal(new Accelerator().autocast(() => x.matmul(w)).dtype, 'float32');
  });

  it('saveState/loadState restore optimizer, scheduler and random generator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-acc-state-'));
    const acc = new Accelerator();
    const model = mlp(2);
    const opt = new optim.AdamW(model.parameters(), { lr: 1e-2 });
    const sched = optim.getScheduler('linear', opt, { numWarmupSteps: 2, numTrainingSteps: 10 });
    acc.prepare(model, opt, sched);
    const step = ([x, y]: [Tensor, Tensor]) => {
      torch.tidy(() => acc.backward(nn.functional.crossEntropy(model.forward(x), y)));
      opt.step();
      sched.step();
      opt.zeroGrad();
    };
    const data = batches(6);
    data.slice(0, 3).forEach(step);
    const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.clone()])); // stateDict() shares the parameters' memory
    await acc.saveState(dir);
    const drawAfterSave = torch.rand([4]);
    data.slice(3).forEach(step);
    const expected = paramsOf(model);
    const lrExpected = sched.getLastLr();

    model.loadStateDict(weights);
    torch.manualSeed(999); // scramble the generator: loadState must restore it
    data.slice(0, 1).forEach(step); // and move optimizer/scheduler on: loadState must rewind them
    await acc.loadState(dir);
    assert.ok(torch.rand([4]).equal(drawAfterSave), 'the RNG continues from the saved state');
    model.loadStateDict(weights);
    data.slice(3).forEach(step);
    assert.deepEqual(sched.getLastLr(), lrExpected);
    paramsOf(model).forEach((p, i) => assert.ok(p.equal(expected[i]), `parameter ${i} differs after resuming`));
  });
});

describe('precision by CPU capability', () => {
  const avx2 = torch.capabilitiesFromFlags(['fma', 'avx', 'avx2']);
  const avx512 = torch.capabilitiesFromFlags(['avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq']);
  const bf16 = torch.capabilitiesFromFlags(['avx2', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512_bf16']);

  it('tells native, emulated and slow bfloat16 apart from the CPU flags', () => {
    assert.deepEqual([avx2.capability, avx2.bf16], ['AVX2', 'slow']);
    assert.deepEqual([avx512.capability, avx512.bf16], ['AVX512', 'emulated']);
    assert.deepEqual([bf16.capability, bf16.bf16], ['AVX512', 'native']);
    assert.equal(torch.capabilitiesFromFlags(['amx_bf16', 'avx2']).bf16, 'native');
    assert.equal(torch.capabilitiesFromFlags([]).capability, 'DEFAULT');
  });

  it('refuses bf16 where it would be many times slower than float32, unless allowed', () => {
    assert.throws(() => new Accelerator({ mixedPrecision: 'bf16', cpu: true, cpuCapabilities: avx2 }), /bf16 mixed precision \(--bf16\) refused: .*15-36x slower.*FINETUNE_ALLOW_SLOW_BF16=1/);
    assert.equal(new Accelerator({ mixedPrecision: 'bf16', cpu: true, cpuCapabilities: avx2, allowSlowBf16: true }).mixedPrecision, 'bf16');
    assert.equal(new Accelerator({ mixedPrecision: 'bf16', cpu: true, cpuCapabilities: avx512 }).mixedPrecision, 'bf16');
  });

  it('does not advise bf16 for fp16 on a CPU where bf16 is slow too', () => {
    assert.throws(() => new Accelerator({ mixedPrecision: 'fp16', cpu: true, cpuCapabilities: avx2 }), /train in float32 \(leave fp16 and bf16 off\)/);
    assert.throws(() => new Accelerator({ mixedPrecision: 'fp16', cpu: true, cpuCapabilities: bf16 }), /use bf16 \(--bf16\) instead/);
  });
});
