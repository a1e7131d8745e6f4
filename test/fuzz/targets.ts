// What a fuzz case can exercise, by name: each reads the case's folder (files written by the
// parent) and either succeeds or throws. test/fuzz/*.test.ts decide whether the error was clear.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { unpickle } from '../../src/checkpoints/pickle.js';
import { loadTorchCheckpoint } from '../../src/checkpoints/torch-load.js';
import { AutoTokenizer, Dataset, loadDataset } from '../../src/data-index.js';
import { bertTokenizerJsonFromVocab } from '../../src/tokenizers/files.js';
import { generator, mutateBytes, mutateJson } from './mutators.js';
import { loadSafetensors } from '../../src/engine/safetensors.js';
import type { Tensor } from '../../src/engine/tensor.js';
import * as torch from '../../src/engine/torch.js';
import { AutoConfig } from '../../src/models/index.js';

type Target = (folder: string, args: unknown) => unknown;

let parquetBytes: Buffer | null = null;
/** A small valid Parquet file (strings, ints with nulls, lists), written once per child. */
function parquetBase(): Buffer {
  if (!parquetBytes) {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-fuzz-parquet-'));
    Dataset.fromDict({
      text: Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? null : `row ${i} text`)),
      label: Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? null : i % 3)),
      ids: Array.from({ length: 40 }, (_, i) => Array.from({ length: i % 4 }, (_, k) => k + i)),
    }).toParquet(join(dir, 'base.parquet'));
    parquetBytes = readFileSync(join(dir, 'base.parquet'));
    rmSync(dir, { recursive: true, force: true });
  }
  return parquetBytes;
}

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
  pickle: (folder) => {
    unpickle(readFileSync(join(folder, 'data.pkl')), { file: 'data.pkl', findGlobal: () => undefined });
  },
  tokenizer: async (folder, args) => {
    const seed = (args as { mutateTokenizerJson?: number } | null)?.mutateTokenizerJson;
    if (seed !== undefined) {
      const json = bertTokenizerJsonFromVocab(join(folder, 'vocab.txt'), {});
      writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(mutateJson(json, generator(seed))));
    }
    const tokenizer = await AutoTokenizer.fromPretrained(folder);
    await tokenizer('Hello world, this is a test.', 'And a second one', { truncation: true, padding: 'max_length', maxLength: 16 });
  },
  config: (folder) => AutoConfig.fromPretrained(folder),
  dataset: async (folder, args) => {
    const { builder, file, mutateParquet } = args as { builder: string; file: string; mutateParquet?: number };
    process.env.HF_DATASETS_CACHE = join(folder, 'cache');
    if (mutateParquet !== undefined) writeFileSync(join(folder, file), mutateBytes(parquetBase(), generator(mutateParquet)));
    const ds = await loadDataset(builder, { dataFiles: join(folder, file), split: 'train' });
    for (const row of ds) void row;
  },
  op: (_folder, args) => runOp(args),
  script: async (_folder, args) => {
    const fn = new Function('torch', `return (async () => { ${String(args)} })();`) as (t: typeof torch) => Promise<void>;
    await fn(torch);
  },
};
