// Native memory is released deterministically: dispose(), `using`, and tidy() scopes; the
// garbage collector (told each tensor's size) is the backstop. A small model trained for
// 2000 steps under tidy() keeps a flat RSS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { nn, optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { scopeDepth } from '../../src/engine/scope.js';

const F = nn.functional;

// global.gc without --expose-gc on the command line
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MB = 1024 * 1024;

describe('tidy()', () => {
  it('disposes intermediates, keeps what it returns (arrays, objects, Maps) and what is kept', () => {
    const before = torch.ones([2]);
    let a!: Tensor, b!: Tensor, kept!: Tensor, inArray!: Tensor, inObject!: Tensor, inMap!: Tensor;
    const result = torch.tidy(() => {
      a = before.mul(2);
      b = a.exp();
      kept = torch.keep(b.add(1));
      inArray = b.sub(1);
      inObject = b.mul(3);
      inMap = b.div(2);
      return { list: [inArray], nested: { t: inObject }, map: new Map([['m', inMap]]), n: 1 };
    });
    assert.equal(a.isDisposed, true);
    assert.equal(b.isDisposed, true);
    assert.equal(kept.isDisposed, false);
    assert.equal(inArray.isDisposed, false);
    assert.equal(inObject.isDisposed, false);
    assert.equal(inMap.isDisposed, false);
    assert.equal(before.isDisposed, false, 'tensors created outside the scope are not touched');
    assert.equal(result.list[0], inArray);
    // survivors keep their values although the tensors they came from were disposed
    assert.ok(Math.abs((inObject.toArray() as number[])[0] - 3 * Math.exp(2)) < 1e-4);
    assert.equal(scopeDepth(), 0);
  });

  it('finds survivors in Sets and class instances; returning a large TypedArray is cheap', () => {
    class Holder {
      constructor(readonly t: Tensor) {}
    }
    let inSet!: Tensor, inHolder!: Tensor, temp!: Tensor;
    torch.tidy(() => {
      inSet = torch.ones([1]);
      inHolder = torch.ones([1]);
      temp = torch.ones([1]);
      return [new Set([inSet]), new Holder(inHolder)];
    });
    assert.equal(inSet.isDisposed, false);
    assert.equal(inHolder.isDisposed, false);
    assert.equal(temp.isDisposed, true);
    const big = torch.zeros([4_000_000]);
    const started = performance.now();
    const values = torch.tidy(() => ({ values: big.add(1).data() })).values;
    assert.equal(values.length, 4_000_000);
    assert.equal(values[123], 1);
    assert.ok(performance.now() - started < 300, `tidy took ${(performance.now() - started).toFixed(0)} ms to return a TypedArray`);
    big.dispose();
  });

  it('returns a single tensor; nested scopes hand survivors to the enclosing one', () => {
    let inner!: Tensor, innerTemp!: Tensor;
    const outer = torch.tidy(() => {
      inner = torch.tidy(() => {
        innerTemp = torch.ones([3]).mul(2);
        return innerTemp.add(1);
      });
      assert.equal(innerTemp.isDisposed, true);
      assert.equal(inner.isDisposed, false);
      assert.equal(scopeDepth(), 1);
      return inner.sum();
    });
    assert.equal(inner.isDisposed, true, 'the inner result belonged to the outer scope, which did not return it');
    assert.equal(outer.isDisposed, false);
    assert.equal(outer.item(), 9);
  });

  it('disposes the scope when fn throws, and rethrows', () => {
    let temp!: Tensor;
    assert.throws(() => torch.tidy(() => {
      temp = torch.ones([2]).mul(2);
      torch.ones([2]).matmul(torch.ones([3])); // a libtorch error
    }), /^Error: matmul: /);
    assert.equal(temp.isDisposed, true);
    assert.equal(scopeDepth(), 0);
  });

  it('rejects async functions (and cleans up what they made before the first await)', async () => {
    let temp!: Tensor;
    const fn = async () => {
      temp = torch.ones([2]);
      await null;
      return 1;
    };
    assert.throws(() => torch.tidy(fn as never), /^TypeError: tidy\(\): the function returned a Promise/);
    assert.equal(temp.isDisposed, true);
    assert.equal(scopeDepth(), 0);
  });

  it('keeps module parameters and optimizer state created inside a scope', () => {
    const [model, opt] = torch.tidy(() => {
      const m = new nn.Linear(3, 2);
      const o = new optim.AdamW(m.parameters(), { lr: 0.1 });
      F.mseLoss(m.forward(torch.ones([4, 3])), torch.zeros([4, 2])).backward();
      o.step();
      return [m, o] as const;
    });
    for (const p of model.parameters()) assert.equal(p.isDisposed, false);
    for (const state of opt.state.values()) for (const v of Object.values(state)) if (typeof v !== 'number') assert.equal(v.isDisposed, false);
    assert.equal(opt.state.size, 2);
    // and they go on working in later scopes
    torch.tidy(() => {
      F.mseLoss(model.forward(torch.ones([4, 3])), torch.zeros([4, 2])).backward();
      opt.step();
    });
  });

  it('disposing handles never breaks autograd or views', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const loss = torch.tidy(() => x.mul(2).exp().sum()); // intermediates disposed, graph intact
    loss.backward();
    (x.grad!.toArray() as number[]).forEach((g, i) => assert.ok(Math.abs(g - 2 * Math.exp(2 * (i + 1))) < 1e-9));
    const base = torch.arange(6, { dtype: 'float32' });
    const view = base.narrow(0, 2, 3);
    base.dispose();
    assert.deepEqual(view.toArray(), [2, 3, 4]);
  });

  it('torch.dispose walks arrays, objects and Maps', () => {
    const ts = [torch.ones([1]), torch.ones([1]), torch.ones([1])];
    torch.dispose({ a: [ts[0]], b: new Map([['x', ts[1]]]), c: { d: ts[2] } });
    assert.ok(ts.every((t) => t.isDisposed));
  });
});

describe('dispose() and using', () => {
  it('dispose() is idempotent and later use is a clean error', () => {
    const t = torch.ones([2]);
    t.dispose();
    t.dispose();
    t[Symbol.dispose]();
    assert.equal(t.isDisposed, true);
    assert.equal(String(t), 'tensor(<disposed>)');
    assert.throws(() => t.add(1), /^TypeError: add: argument 0: the tensor was disposed/);
  });

  it('`using` disposes at the end of the block (supported by tsx on this Node)', () => {
    assert.equal(typeof Symbol.dispose, 'symbol');
    let escaped!: Tensor;
    {
      using t = torch.ones([2]).mul(3);
      escaped = t;
      assert.equal(t.isDisposed, false);
      assert.deepEqual(t.toArray(), [3, 3]);
    }
    assert.equal(escaped.isDisposed, true);
    // also on an exception leaving the block
    let thrown!: Tensor;
    assert.throws(() => {
      using t = torch.ones([2]);
      thrown = t;
      throw new Error('leave');
    }, /leave/);
    assert.equal(thrown.isDisposed, true);
  });

  it('[Symbol.dispose]() directly disposes', () => {
    const t = torch.zeros([2]);
    t[Symbol.dispose]();
    assert.equal(t.isDisposed, true);
  });

  it('data() views survive dispose (and see in-place changes until then)', () => {
    const t = torch.arange(4, { dtype: 'float32' });
    const view = t.data() as Float32Array;
    torch.noGrad(() => t.mul_(10));
    assert.deepEqual(Array.from(view), [0, 10, 20, 30], 'a zero-copy view of the tensor memory');
    t.dispose();
    gc();
    assert.deepEqual(Array.from(view), [0, 10, 20, 30], 'the view keeps the memory alive');
    // a copy for dtypes without a TypedArray (float16) also survives
    const h = torch.tensor([1.5, -2], { dtype: 'float16' });
    const hv = h.data();
    h.dispose();
    assert.deepEqual(Array.from(hv as Float32Array), [1.5, -2]);
  });

  // 200 × 8 MiB = 1.6 GiB allocated and touched, never disposed: only the garbage collector
  // can free it, and it runs only because each tensor reports its size to V8.
  const churn = async (yieldEvery: number): Promise<number> => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const start = process.memoryUsage().rss;
    let peak = start;
    for (let i = 0; i < 200; i++) {
      void torch.full([2 * MB], 1.5);
      if (i % 10 === 0) {
        peak = Math.max(peak, process.memoryUsage().rss);
        if (yieldEvery > 0 && i % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return Math.max(peak, process.memoryUsage().rss) - start;
  };

  it('the garbage collector reclaims undisposed tensors (event loop turning)', async () => {
    const grew = await churn(10);
    assert.ok(grew < 800 * MB, `RSS grew by ${(grew / MB).toFixed(0)} MiB for 1600 MiB of garbage`);
  });

  // Stable Node-API runs finalizers on the JavaScript thread after garbage collection, not
  // inside it: a synchronous loop that never disposes keeps its garbage until it yields. Inside
  // such a loop tidy()/dispose() free memory at once; the finalizers catch up at the next yield.
  it('inside a synchronous loop, tidy() frees each step at once (finalizers are only a safety net)', async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const start = process.memoryUsage().rss;
    let peak = start;
    for (let i = 0; i < 200; i++) {
      torch.tidy(() => { void torch.full([2 * MB], 1.5); });
      if (i % 10 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const grew = Math.max(peak, process.memoryUsage().rss) - start;
    assert.ok(grew < 100 * MB, `RSS grew by ${(grew / MB).toFixed(0)} MiB for 1600 MiB of tidied tensors`);
  });

  it('undisposed tensors of a synchronous loop are freed once it yields to the event loop', async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    // In-use bytes of the caching allocator, not RSS: freed blocks stay cached for reuse.
    const start = torch.memoryStats().inUseBytes;
    for (let i = 0; i < 50; i++) void torch.full([2 * MB], 1.5);
    const during = torch.memoryStats().inUseBytes - start;
    for (let k = 0; k < 4; k++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const left = torch.memoryStats().inUseBytes - start;
    assert.ok(during >= 300 * MB, `the loop held ${(during / MB).toFixed(0)} MiB (finalizers are deferred, not run inside GC)`);
    assert.ok(left < 20 * MB, `${(left / MB).toFixed(0)} MiB still in use after yielding, of 400 MiB of garbage`);
  });
});

describe('training for 2000 steps keeps RSS flat', () => {
  // Each run is a fresh process (memory-train.ts), so that the other tests here (which churn
  // through gigabytes) do not move the baseline.
  const train = (mode: 'sync' | 'async') => {
    const script = fileURLToPath(new URL('./memory-train.ts', import.meta.url));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, mode], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(child.status, 0, `memory-train.ts ${mode} failed (${child.signal ?? child.status}):\n${child.stderr}`);
    const lines = child.stdout.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]) as { at: Record<number, { rss: number; external: number }>; losses: number[]; seconds: number };
    const detail = `RSS ${(r.at[200].rss / MB).toFixed(1)} → ${(r.at[2000].rss / MB).toFixed(1)} MiB, ` +
      `external ${(r.at[200].external / MB).toFixed(2)} → ${(r.at[2000].external / MB).toFixed(2)} MiB, ${r.seconds.toFixed(1)} s`;
    // it trains
    assert.ok(r.losses[r.losses.length - 1] < r.losses[0] * 0.5, `loss ${r.losses[0]} → ${r.losses[r.losses.length - 1]}`);
    return { ...r, detail };
  };

  it('Linear(32,64)/GELU/Linear(64,2), AdamW, linear schedule, clipGradNorm_, batch 64, tidy per step, awaiting each step', () => {
    const r = train('async');
    assert.ok(r.at[2000].rss <= r.at[200].rss * 1.1, `RSS grew more than 10%: ${r.detail}`);
    // the native memory V8 is told about does not grow either (no handles left alive)
    assert.ok(r.at[2000].external - r.at[200].external < 1 * MB, `external memory grew: ${r.detail}`);
  });

  it('the same loop run synchronously (as the acceptance example) also keeps RSS flat', () => {
    // Node runs N-API finalizers only when the event loop turns: until then every handle's
    // native bookkeeping stays allocated between the tensors' blocks and the heap fragments
    // (measured: +17% over 1800 steps, growing linearly). Native fix pending: see the report.
    const r = train('sync');
    assert.ok(r.at[2000].rss <= r.at[200].rss * 1.1, `RSS grew more than 10%: ${r.detail}`);
  });
});
