// What the DDP ranks and the single-process reference share: the model and the global batches.
import { nn, torch } from '../../src/index.js';

export const STEPS = 4;
export const GLOBAL_BATCH = 8;

export function mlp(seed: number): nn.Sequential {
  torch.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(6, 16), new nn.GELU(), new nn.Linear(16, 16), new nn.GELU(), new nn.Linear(16, 3));
}

/** n global batches of GLOBAL_BATCH rows, the same on every rank. */
export function globalBatches(n: number): [torch.Tensor, torch.Tensor][] {
  torch.manualSeed(1234);
  return Array.from({ length: n }, () => {
    const x = torch.randn([GLOBAL_BATCH, 6]);
    return [x, torch.randint(0, 3, [GLOBAL_BATCH])] as [torch.Tensor, torch.Tensor];
  });
}
