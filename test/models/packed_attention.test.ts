// Packed rows (several sequences in one row, position_ids restarting per sequence, no attention
// mask, as DataCollatorWithFlattening and SFT packing give): the Llama-family attention derives a
// block-diagonal causal mask from the positions, as transformers does for padding-free batches,
// so each token's loss is the one it has when its sequence runs alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { torch, nn, LlamaConfig, LlamaForCausalLM, DataCollatorWithFlattening } from '../../src/index.js';
import { packedSequenceIndices } from '../../src/models/masking_utils.js';
import type { Tensor } from '../../src/engine/tensor.js';

const config = () => new LlamaConfig({
  vocabSize: 40, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 32, padTokenId: 0,
});
const seqs = [[5, 9, 11, 3, 7], [12, 4, 30], [8, 21, 6, 17, 2, 33, 19]];

/** Per-token loss of predicting token i+1 at i (the shifted loss), for labels of one row. */
function tokenLosses(logits: Tensor, labels: number[]): number[] {
  const t = labels.length;
  const target = torch.tensor(labels.slice(1), { dtype: 'int64' });
  const all = nn.functional.crossEntropy(logits.select(0, 0).narrow(0, 0, t - 1), target, { reduction: 'none' }).toArray() as number[];
  return all.map((v, i) => (labels[i + 1] === -100 ? NaN : v));
}

describe('packed rows: attention does not cross sequence boundaries', () => {
  it('a packed row gives each token the loss it has when its sequence runs alone (float64, 1e-5)', async () => {
    torch.manualSeed(0);
    const model = LlamaForCausalLM.fromConfig(config(), { dtype: 'float64' }).eval();
    const alone = seqs.map((s) => {
      const logits = model.forward({ input_ids: torch.tensor([s], { dtype: 'int64' }), useCache: false }).logits;
      return tokenLosses(logits, s);
    });
    const batch = new DataCollatorWithFlattening()(seqs.map((s) => ({ input_ids: s, labels: s }))) as Record<string, Tensor>;
    const labels = (batch.labels as Tensor).select(0, 0).toArray() as number[];
    const out = model.forward({ input_ids: batch.input_ids as Tensor, position_ids: batch.position_ids as Tensor, useCache: false });
    const packed = tokenLosses(out.logits, labels);
    let at = 0;
    for (const [k, s] of seqs.entries()) {
      // the token before each sequence's start predicts it across the boundary: its label is -100
      for (let i = 0; i < s.length - 1; i++) {
        assert.ok(Math.abs(packed[at + i] - alone[k][i]) < 1e-5, `sequence ${k} token ${i}: packed ${packed[at + i]} vs alone ${alone[k][i]}`);
      }
      at += s.length;
    }
    // and the loss the model reports is the mean of the separate sequences' token losses
    const want = alone.flat();
    const mean = want.reduce((a, b) => a + b, 0) / want.length;
    const loss = model.forward({ input_ids: batch.input_ids as Tensor, position_ids: batch.position_ids as Tensor, labels: batch.labels as Tensor, useCache: false }).loss!.item();
    assert.ok(Math.abs(loss - mean) < 1e-5, `${loss} vs ${mean}`);
  });

  it('without the block-diagonal mask the packed row would differ (the test can fail)', () => {
    torch.manualSeed(0);
    const model = LlamaForCausalLM.fromConfig(config(), { dtype: 'float64' }).eval();
    const ids = torch.tensor([[...seqs[0], ...seqs[1]]], { dtype: 'int64' });
    const restart = torch.tensor([[0, 1, 2, 3, 4, 0, 1, 2]], { dtype: 'int64' });
    const continuing = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7]], { dtype: 'int64' });
    const second = model.forward({ input_ids: torch.tensor([seqs[1]], { dtype: 'int64' }), useCache: false }).logits;
    const packed = model.forward({ input_ids: ids, position_ids: restart, useCache: false }).logits.narrow(1, 5, 3);
    assert.ok(packed.sub(second).abs().max().item() < 1e-10);
    // positions that do not restart are one sequence: the second part then sees the first
    const joined = model.forward({ input_ids: ids, position_ids: continuing, useCache: false }).logits.narrow(1, 5, 3);
    assert.ok(joined.sub(second).abs().max().item() > 1e-3);
  });

  it('packedSequenceIndices: segments where positions do not follow by 1, null for an unpacked batch', () => {
    const seg = packedSequenceIndices(torch.tensor([[0, 1, 2, 0, 1, 0]], { dtype: 'int64' }))!;
    assert.deepEqual(seg.toArray(), [[0, 0, 0, 1, 1, 2]]);
    assert.equal(packedSequenceIndices(torch.tensor([[3, 4, 5, 6]], { dtype: 'int64' })), null);
  });
});
