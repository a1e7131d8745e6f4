// One rank of the DDP tests: `ddp_child.ts <scenario> <out.json>`. Rank 0 writes what the
// parent compares (parameters after training, collective results, the error it saw).
import { writeFileSync } from 'node:fs';

import { nn, optim, torch } from '../../src/index.js';
import { DistributedDataParallel, allGather, allReduce, barrier, broadcast, destroyProcessGroup, gather, getRank, getWorldSize, initProcessGroup, scatter } from '../../src/distributed/index.js';
import { globalBatches, mlp, STEPS } from './ddp_reference.js';

const [scenario, outFile] = process.argv.slice(2);
const out: Record<string, unknown> = {};
initProcessGroup({ backend: 'gloo', timeout: scenario === 'timeout' ? 3000 : 60_000 });
const rank = getRank();
const world = getWorldSize();
const shard = (t: torch.Tensor) => t.chunk(world, 0)[rank];

function train(accumulate: number): number[][] {
  const model = new DistributedDataParallel(mlp(rank === 0 ? 0 : 99)); // rank 1 starts elsewhere: DDP must broadcast rank 0's weights
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
  const batches = globalBatches(STEPS * accumulate);
  batches.forEach(([x, y], i) => {
    const step = () => torch.tidy(() => nn.functional.crossEntropy(model.forward(shard(x)) as torch.Tensor, shard(y)).div(accumulate).backward());
    const last = (i + 1) % accumulate === 0;
    if (last) step();
    else model.noSync(step);
    if (last) {
      opt.step();
      opt.zeroGrad();
    }
  });
  return model.module.parameters().map((p) => p.detach().reshape(-1).toArray() as number[]);
}

if (scenario === 'train') out.params = train(1);
if (scenario === 'accumulate') out.params = train(2);
if (scenario === 'unused') {
  class TwoHeads extends nn.Module {
    body = new nn.Linear(4, 4);
    unused = new nn.Linear(4, 2);
    forward(x: torch.Tensor) {
      return this.body.forward(x);
    }
  }
  const model = new DistributedDataParallel(new TwoHeads());
  try {
    for (let i = 0; i < 2; i++) torch.tidy(() => (model.forward(torch.randn([2, 4])) as torch.Tensor).sum().backward());
    out.error = null;
  } catch (e) {
    out.error = (e as Error).message;
  }
}
if (scenario === 'collectives') {
  const results: Record<string, unknown> = {};
  for (const dtype of ['float32', 'float64', 'int64', 'int32'] as const) {
    for (const op of ['sum', 'product', 'min', 'max', 'avg'] as const) {
      if (op === 'avg' && !dtype.startsWith('float')) continue;
      const t = torch.tensor([rank + 1, 2 * rank + 3, 5 - 7 * rank], { dtype });
      allReduce(t, op);
      results[`allReduce.${op}.${dtype}`] = t.toArray();
    }
  }
  const b = torch.tensor([rank * 10 + 1, rank * 10 + 2], { dtype: 'float32' });
  broadcast(b, 1);
  results.broadcast = b.toArray();
  const gathered = Array.from({ length: world }, () => torch.zeros([2], { dtype: 'int64' }));
  allGather(gathered, torch.tensor([rank, rank * rank], { dtype: 'int64' }));
  results.allGather = gathered.map((t) => t.toArray());
  const g = rank === 0 ? Array.from({ length: world }, () => torch.zeros([1])) : null;
  gather(torch.tensor([rank + 0.5]), g, 0);
  results.gather = g?.map((t) => t.toArray()) ?? null;
  const s = torch.zeros([2]);
  scatter(s, rank === 0 ? [torch.tensor([1, 2], { dtype: 'float32' }), torch.tensor([3, 4], { dtype: 'float32' })] : null, 0);
  results.scatter = s.toArray();
  const work = allReduce(torch.ones([3]), 'sum', { asyncOp: true })!;
  results.asyncDone = work.wait();
  barrier();
  out.results = results;
  out.rank = rank;
}
if (scenario === 'timeout') {
  // rank 1 stays alive but never joins the collective
  if (rank === 1) await new Promise((resolve) => setTimeout(resolve, 8000));
  if (rank === 0) {
    try {
      allReduce(torch.ones([2]));
      out.error = null;
    } catch (e) {
      out.error = (e as Error).message;
    }
  }
}
if (rank === 0 || scenario === 'collectives') writeFileSync(`${outFile}.${rank}`, JSON.stringify(out));
if (scenario !== 'timeout') destroyProcessGroup();
