// torch.distributed and DistributedDataParallel on 2 ranks over loopback (Gloo): collectives
// give the values PyTorch defines, and 2 ranks with half the global batch each end with the
// parameters of 1 process on the whole batch (also with gradient accumulation under noSync).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nn, optim, torch } from '../../src/index.js';
import { globalBatches, mlp, STEPS } from './ddp_reference.js';
import { runRanks } from './helpers.js';

const CHILD = fileURLToPath(new URL('./ddp_child.ts', import.meta.url));

async function scenario(name: string, worldSize = 2): Promise<Record<string, unknown>[]> {
  const out = join(mkdtempSync(join(tmpdir(), `finetune-ddp-${name}-`)), 'out.json');
  const ranks = await runRanks(CHILD, [name, out], worldSize);
  for (const r of ranks) assert.equal(r.code, 0, `rank ${r.rank} exited ${r.code ?? r.signal}:\n${r.stderr}`);
  return ranks.map((r) => {
    try {
      return JSON.parse(readFileSync(`${out}.${r.rank}`, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  });
}

/** One process, the whole global batch each step: what DDP must reproduce. */
function singleProcess(accumulate: number): number[][] {
  const model = mlp(0);
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
  globalBatches(STEPS * accumulate).forEach(([x, y], i) => {
    torch.tidy(() => nn.functional.crossEntropy(model.forward(x), y).div(accumulate).backward());
    if ((i + 1) % accumulate === 0) {
      opt.step();
      opt.zeroGrad();
    }
  });
  return model.parameters().map((p) => p.detach().reshape(-1).toArray() as number[]);
}

function assertClose(actual: number[][], expected: number[][], atol: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) <= atol, `param ${i}[${j}]: ${v} vs ${expected[i][j]}`)));
}

describe('torch.distributed (Gloo, 2 ranks on loopback)', { timeout: 120_000 }, () => {
  it('collectives give PyTorch\'s values for each op and dtype', async () => {
    const [r0, r1] = (await scenario('collectives')).map((o) => o.results as Record<string, unknown>);
    // rank r holds [r + 1, 2r + 3, 5 - 7r]: ranks 0 and 1 hold [1, 3, 5] and [2, 5, -2]
    for (const dtype of ['float32', 'float64', 'int64', 'int32']) {
      assert.deepEqual(r0[`allReduce.sum.${dtype}`], [3, 8, 3]);
      assert.deepEqual(r0[`allReduce.product.${dtype}`], [2, 15, -10]);
      assert.deepEqual(r0[`allReduce.min.${dtype}`], [1, 3, -2]);
      assert.deepEqual(r0[`allReduce.max.${dtype}`], [2, 5, 5]);
      if (dtype.startsWith('float')) assert.deepEqual(r0[`allReduce.avg.${dtype}`], [1.5, 4, 1.5]);
    }
    assert.deepEqual(r1['allReduce.sum.int64'], [3, 8, 3], 'both ranks hold the reduction');
    assert.deepEqual(r0.broadcast, [11, 12]);
    assert.deepEqual(r1.broadcast, [11, 12]);
    assert.deepEqual(r0.allGather, [[0, 0], [1, 1]]);
    assert.deepEqual(r1.allGather, [[0, 0], [1, 1]]);
    assert.deepEqual(r0.gather, [[0.5], [1.5]]);
    assert.equal(r1.gather, null);
    assert.deepEqual(r0.scatter, [1, 2]);
    assert.deepEqual(r1.scatter, [3, 4]);
    assert.equal(r0.asyncDone, true);
  });

  it('DistributedDataParallel on 2 ranks equals 1 process on the global batch', async () => {
    const [rank0] = await scenario('train');
    assertClose(rank0.params as number[][], singleProcess(1), 1e-6);
  });

  it('and with gradient accumulation under noSync()', async () => {
    const [rank0] = await scenario('accumulate');
    assertClose(rank0.params as number[][], singleProcess(2), 1e-6);
  });

  it('names the parameter that got no gradient and says what to set', async () => {
    const [rank0] = await scenario('unused');
    assert.match(String(rank0.error), /received no gradient in the last backward: unused\.weight, unused\.bias\. .*findUnusedParameters: true/);
  });

  it('a collective whose peer never arrives fails with a timeout instead of hanging', async () => {
    const [rank0] = await scenario('timeout');
    assert.match(String(rank0.error), /[Tt]imed out|[Tt]imeout/);
  });
});
