// Running exported graphs in onnxruntime-node and comparing them with finetune's forward.
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

export type Rows = number[][];

export function int64Tensor(rows: Rows): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0].length]);
}

/** The graph's outputs as flat float arrays with their shapes. */
export async function runOnnx(path: string, feeds: Record<string, Rows>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    const inputs = Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k)).map(([k, v]) => [k, int64Tensor(v)]));
    assert.deepEqual(Object.keys(inputs).sort(), [...session.inputNames].sort(), 'every graph input is fed');
    const out = await session.run(inputs);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]));
  } finally {
    await session.release();
  }
}

/** Max |a − b| after checking that the shapes agree. */
export function maxAbsDiff(onnx: { data: Float32Array; dims: readonly number[] }, ours: Tensor): number {
  assert.deepEqual([...onnx.dims], [...ours.shape], 'output shape');
  const expected = torch.noGrad(() => ours.to('float32').contiguous().data()) as Float32Array;
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(onnx.data[i] - expected[i]));
  return max;
}

/** The largest magnitude in a tensor: a comparison of near-zero outputs would prove nothing. */
export function maxAbs(t: Tensor): number {
  return torch.noGrad(() => t.abs().max().item());
}

/** Every parameter redrawn (LayerNorm weights around 1): a fresh init alone gives near-constant outputs. */
export function randomise(model: { namedParameters(): Iterable<[string, Tensor]> }, seed = 7): void {
  torch.manualSeed(seed);
  torch.noGrad(() => {
    for (const [name, p] of model.namedParameters()) {
      const norm = /layer_?norm/i.test(name);
      const noise = torch.randn(p.shape).mul(norm ? 0.1 : 0.2);
      p.copy_(norm && name.endsWith('weight') ? noise.add(1) : noise);
    }
  });
}
