// What a fuzz case can exercise, by name: each reads the case's folder (files written by the
// parent) and either succeeds or throws. test/fuzz/*.test.ts decide whether the error was clear.
import { join } from 'node:path';

import { unpickle } from '../../src/checkpoints/pickle.js';
import { loadTorchCheckpoint } from '../../src/checkpoints/torch-load.js';
import { AutoTokenizer, loadDataset } from '../../src/data-index.js';
import { loadSafetensors } from '../../src/engine/safetensors.js';
import type { Tensor } from '../../src/engine/tensor.js';
import * as torch from '../../src/engine/torch.js';
import { AutoConfig } from '../../src/models/index.js';

type Target = (folder: string, args: unknown) => unknown;

const disposeAll = (tensors: Record<string, Tensor>): void => { for (const t of Object.values(tensors)) t.dispose(); };

/** Calls `torch[op](...)` (or a method on the first argument), arguments described in JSON. */
function runOp(args: unknown): void {
  const { op, inputs, method } = args as { op: string; inputs: unknown[]; method?: boolean };
  const made: Tensor[] = [];
  const value = (spec: unknown): unknown => {
    if (spec && typeof spec === 'object' && 'tensor' in spec) {
      const { tensor: shape, dtype } = spec as { tensor: number[]; dtype?: string };
      const t = torch.ones(shape, { dtype: (dtype ?? 'float32') as never });
      made.push(t);
      return t;
    }
    return spec;
  };
  const values = inputs.map(value);
  const fns = torch as unknown as Record<string, (...a: unknown[]) => unknown>;
  const out = method
    ? (values[0] as unknown as Record<string, (...a: unknown[]) => unknown>)[op](...values.slice(1))
    : fns[op](...values);
  if (out && typeof out === 'object' && 'dispose' in out) {
    (out as Tensor).toArray?.call(out); // read it: a bad view must fail here, not crash
    (out as Tensor).dispose();
  }
  for (const t of made) t.dispose();
}

export const targets: Record<string, Target> = {
  'torch-load': async (folder) => disposeAll((await loadTorchCheckpoint(join(folder, 'pytorch_model.bin'))).stateDict),
  safetensors: (folder) => disposeAll(loadSafetensors(join(folder, 'model.safetensors'))),
  pickle: async (folder) => {
    const { readFileSync } = await import('node:fs');
    unpickle(readFileSync(join(folder, 'data.pkl')), { file: 'data.pkl', findGlobal: () => undefined });
  },
  tokenizer: async (folder) => {
    const tokenizer = await AutoTokenizer.fromPretrained(folder);
    tokenizer('Hello world, this is a test.', 'And a second one', { truncation: true, padding: 'max_length', maxLength: 16 });
  },
  config: (folder) => AutoConfig.fromPretrained(folder),
  dataset: async (folder, args) => {
    const { builder, file } = args as { builder: string; file: string };
    process.env.HF_DATASETS_CACHE = join(folder, 'cache');
    const ds = await loadDataset(builder, { dataFiles: join(folder, file), split: 'train' });
    for (const row of ds) void row;
  },
  op: (_folder, args) => runOp(args),
  script: async (_folder, args) => {
    const fn = new Function('torch', `return (async () => { ${String(args)} })();`) as (t: typeof torch) => Promise<void>;
    await fn(torch);
  },
};
