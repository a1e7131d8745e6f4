// The pieces every family shares live outside any one family's file: the output types and
// classifierOutput in modeling_outputs.ts, embed / runLayers / LayerStack in
// modeling_layers.ts. BERT, RoBERTa and DistilBERT build on them instead of on each other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import * as bert from '../../src/models/bert/modeling_bert.js';
import { LayerStack, embed, runLayers } from '../../src/models/modeling_layers.js';
import { classifierOutput } from '../../src/models/modeling_outputs.js';
import type { CausalLMOutputWithPast, MaskedLMOutput, QuestionAnsweringModelOutput, TokenClassifierOutput } from '../../src/models/index.js';
import {
  BertConfig, BertForSequenceClassification, DistilBertConfig, DistilBertModel, PretrainedConfig, RobertaConfig, RobertaModel, logging,
} from '../../src/models/index.js';

logging.setVerbosity('error');
const TINY = { vocabSize: 20, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 16 };

describe('shared model modules', () => {
  it("the encoders of BERT, RoBERTa and DistilBERT are one LayerStack (weights still named encoder.layer.N / transformer.layer.N)", () => {
    const b = new BertForSequenceClassification(new BertConfig(TINY));
    const r = new RobertaModel(new RobertaConfig({ ...TINY, maxPositionEmbeddings: 20 }));
    const d = new DistilBertModel(new DistilBertConfig({ vocabSize: 20, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 16 }));
    for (const stack of [b.bert.encoder, r.encoder, d.transformer]) assert.ok(stack instanceof LayerStack, stack.constructor.name);
    assert.ok(Object.keys(b.stateDict()).includes('bert.encoder.layer.1.output.dense.weight'));
    assert.ok(Object.keys(d.stateDict()).includes('transformer.layer.1.ffn.lin2.weight'));
    for (const name of ['embed', 'runLayers', 'classifierOutput']) assert.equal(name in bert, false, `${name} is not BERT's to export`);
  });

  it('embed names the config field an out-of-range id exceeds', () => {
    const table = new nn.Embedding(5, 2);
    assert.throws(() => embed(table, torch.tensor([[1, 5]], { dtype: 'int64' }), 'vocab_size'), /vocab_size: ids must lie in \[0, 5\) .*found 5/);
    assert.throws(() => embed(table, torch.tensor([[-1, 2]], { dtype: 'int64' }), 'type_vocab_size'), /type_vocab_size: ids must lie in \[0, 5\) .*found -1/);
    assert.deepEqual(embed(table, torch.tensor([[4]], { dtype: 'int64' }), 'vocab_size').shape, [1, 1, 2]);
  });

  it('runLayers keeps the hidden states and attentions asked for, in order', () => {
    const layer = (k: number) => ({ forward: (h: Tensor): [Tensor, Tensor] => [h.mul(k), torch.full([1], k)] });
    const x = torch.ones([1, 2]);
    const out = runLayers([layer(2), layer(3)], x, null, { hiddenStates: true, attentions: true });
    assert.deepEqual(out.hiddenStates!.map((h) => h.toArray()), [[[1, 1]], [[2, 2]], [[6, 6]]]);
    assert.deepEqual(out.attentions!.map((a) => a.item()), [2, 3]);
    const plain = runLayers([layer(2), layer(3)], x, null, { hiddenStates: false, attentions: false });
    assert.deepEqual([plain.lastHiddenState.toArray(), plain.hiddenStates, plain.attentions], [[[6, 6]], undefined, undefined]);
  });

  it("classifierOutput adds the config's loss and passes hidden states and attentions through", () => {
    const config = new PretrainedConfig();
    const logits = torch.zeros([2, 2]);
    const out = classifierOutput(config, logits, torch.tensor([0, 1], { dtype: 'int64' }), { lastHiddenState: logits, attentions: [logits] });
    assert.ok(Math.abs(out.loss!.item() - Math.log(2)) < 1e-6);
    assert.equal(config.problemType, 'single_label_classification');
    assert.deepEqual([out.attentions?.length, out.hiddenStates], [1, undefined]);
    assert.equal(classifierOutput(config, logits, null, { lastHiddenState: logits }).loss, undefined);
  });

  it('the output types of the heads to come are exported from the package root', () => {
    // type-level: these assignments only compile (npm run typecheck) with the fields transformers names
    const t = torch.zeros([1, 3]);
    const outputs: [TokenClassifierOutput, QuestionAnsweringModelOutput, MaskedLMOutput, CausalLMOutputWithPast] = [
      { logits: t }, { startLogits: t, endLogits: t }, { logits: t, loss: t.sum() }, { logits: t, pastKeyValues: null },
    ];
    assert.equal(outputs.length, 4);
  });
});
