// Evaluation through libtorch's fused encoder-layer kernel (src/models/fused_encoder.ts):
// where it runs it gives the eager layers' results (the eager layers match transformers, see
// fixture-parity and minilm tests), and where it would compute something else (training,
// gradients, hidden states or attentions asked for, a LoRA-wrapped Linear, an activation it
// lacks) the eager layers run instead. The profiler says which path ran.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BertConfig, BertForSequenceClassification, BertModel, DistilBertConfig, DistilBertForSequenceClassification, LoraConfig, RobertaConfig, RobertaForSequenceClassification, getPeftModel, optim, torch,
} from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { withEnv } from '../helpers/env.js';

const FUSED_OP = 'aten::_transformer_encoder_layer_fwd';

// hidden 256: a padded batch takes the fused path only for layers this wide (fused_encoder.ts)
function bertConfig(extra: Record<string, unknown> = {}): BertConfig {
  return Object.assign(new BertConfig({ vocabSize: 120, hiddenSize: 256, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 512, maxPositionEmbeddings: 40 }), extra);
}

/** Right-padded rows of lengths 30, 12 and 3 (more tokens than the eager layers take on oneDNN), as a tokenizer with padding: true gives them. */
function paddedBatch(lengths = [30, 12, 3], left = false): { input_ids: Tensor; attention_mask: Tensor } {
  const seq = Math.max(...lengths);
  const ids = lengths.map((n, r) => Array.from({ length: seq }, (_, i) => ((left ? i >= seq - n : i < n) ? 5 + ((r * 31 + i * 7) % 100) : 0)));
  const mask = lengths.map((n) => Array.from({ length: seq }, (_, i) => ((left ? i >= seq - n : i < n) ? 1 : 0)));
  return { input_ids: torch.tensor(ids), attention_mask: torch.tensor(mask) };
}

/** fn's result and whether the fused kernel ran inside it. */
function traced<T>(fn: () => T): { value: T; fused: boolean } {
  const prof = torch.profiler.profile();
  const value = prof.run(fn);
  return { value, fused: prof.events().some((e) => e.name === FUSED_OP) };
}

const eagerOnly = <T>(fn: () => T): T => withEnv('FINETUNE_FUSED_ENCODER', '0', fn);

function maxDiff(a: Tensor, b: Tensor): number {
  return a.sub(b).abs().max().item();
}

describe('the fused encoder path (evaluation)', () => {
  it('sequence classification under inferenceMode and noGrad: the fused kernel runs and gives the eager logits', () => {
    torch.manualSeed(0);
    const model = BertForSequenceClassification.fromConfig(Object.assign(bertConfig(), { numLabels: 3 }));
    model.eval();
    const batch = paddedBatch();
    const eager = eagerOnly(() => torch.noGrad(() => model.forward(batch).logits));
    for (const context of [torch.inferenceMode, torch.noGrad]) {
      const { value, fused } = traced(() => context(() => model.forward(batch).logits.clone()));
      assert.ok(fused, `${context.name}: the fused kernel did not run`);
      assert.ok(maxDiff(value, eager) < 1e-5, `${context.name}: max |Δ| ${maxDiff(value, eager)}`);
    }
  });

  // oneDNN is on by default only where the CPU has AVX-512 (ops_math.cc); forced on here so the
  // test checks the same path on every CPU, and off, where 20 tokens take the fused kernel.
  it('with oneDNN products, a batch of few tokens runs the eager layers, their feed-forward products on oneDNN, and gives the fused logits', () => withEnv('FINETUNE_ONEDNN_LINEAR', '1', () => {
    torch.manualSeed(0);
    // intermediate 1024: a 256×1024 weight, the smallest the oneDNN path takes (ops_math.cc)
    const model = BertForSequenceClassification.fromConfig(Object.assign(bertConfig({ intermediateSize: 1024 }), { numLabels: 3 })).eval();
    const many = paddedBatch([30, 30, 30]);
    const few = { input_ids: many.input_ids.narrow(0, 0, 1).narrow(1, 0, 20), attention_mask: many.attention_mask.narrow(0, 0, 1).narrow(1, 0, 20) };
    const alone = torch.profiler.profile();
    const logits = alone.run(() => torch.noGrad(() => model.forward(few).logits.clone()));
    const names = alone.events().map((e) => e.name);
    assert.ok(!names.includes(FUSED_OP), 'the fused kernel ran for 20 tokens');
    assert.ok(names.includes('aten::mkldnn_linear'), 'no product ran on oneDNN');
    const inBatch = traced(() => torch.noGrad(() => model.forward({ input_ids: few.input_ids.expand(4, 20).contiguous(), attention_mask: few.attention_mask.expand(4, 20).contiguous() }).logits.clone()));
    assert.ok(inBatch.fused, '80 tokens take the fused kernel');
    assert.ok(maxDiff(logits, inBatch.value.narrow(0, 0, 1)) < 1e-5, `max |Δ| ${maxDiff(logits, inBatch.value.narrow(0, 0, 1))}`);
    const withoutOneDnn = withEnv('FINETUNE_ONEDNN_LINEAR', '0', () => traced(() => torch.noGrad(() => model.forward(few).logits.clone())));
    assert.ok(withoutOneDnn.fused, 'without oneDNN, 20 tokens take the fused kernel');
  }));

  it('BertModel: fused without padding; a padded batch keeps the eager layers, which compute the padding positions', () => {
    torch.manualSeed(1);
    const model = BertModel.fromConfig(bertConfig());
    model.eval();
    for (const [batch, expectFused] of [[paddedBatch([25, 25, 25]), true], [paddedBatch(), false]] as const) {
      const eager = eagerOnly(() => torch.noGrad(() => model.forward(batch).lastHiddenState));
      const { value, fused } = traced(() => torch.noGrad(() => model.forward(batch).lastHiddenState));
      assert.equal(fused, expectFused);
      assert.ok(maxDiff(value, eager) < 1e-5, `max |Δ| ${maxDiff(value, eager)}`);
    }
  });

  it('a padded batch of narrow layers (hidden 128) keeps the eager layers, where they are faster', () => {
    const model = BertForSequenceClassification.fromConfig(bertConfig({ hiddenSize: 128, intermediateSize: 256 }));
    model.eval();
    assert.equal(traced(() => torch.inferenceMode(() => model.forward(paddedBatch()))).fused, false);
    assert.equal(traced(() => torch.inferenceMode(() => model.forward(paddedBatch([40, 40])))).fused, true);
  });

  it('left padding and a batch without a mask give the eager results too', () => {
    torch.manualSeed(2);
    const model = BertForSequenceClassification.fromConfig(bertConfig());
    model.eval();
    const left = paddedBatch([30, 12, 3], true);
    const noMask = { input_ids: paddedBatch([33, 33]).input_ids };
    for (const batch of [left, noMask]) {
      const eager = eagerOnly(() => torch.noGrad(() => model.forward(batch).logits));
      const { value, fused } = traced(() => torch.inferenceMode(() => model.forward(batch).logits.clone()));
      assert.ok(fused);
      assert.ok(maxDiff(value, eager) < 1e-5, `max |Δ| ${maxDiff(value, eager)}`);
    }
  });

  it('RoBERTa and DistilBERT classification and a relu BERT take it as well', () => {
    torch.manualSeed(3);
    const roberta = RobertaForSequenceClassification.fromConfig(new RobertaConfig({
      vocabSize: 120, hiddenSize: 256, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 512, maxPositionEmbeddings: 42,
    }));
    const reluBert = BertForSequenceClassification.fromConfig(bertConfig({ hiddenAct: 'relu' }));
    const distilbert = DistilBertForSequenceClassification.fromConfig(new DistilBertConfig({
      vocabSize: 120, dim: 256, nLayers: 2, nHeads: 4, hiddenDim: 512, maxPositionEmbeddings: 40,
    }));
    const batch = paddedBatch();
    batch.input_ids = batch.input_ids.where(batch.attention_mask.bool(), torch.tensor(1));  // RoBERTa pads with id 1
    for (const model of [roberta, reluBert, distilbert]) {
      model.eval();
      const eager = eagerOnly(() => torch.noGrad(() => model.forward(batch).logits));
      const { value, fused } = traced(() => torch.inferenceMode(() => model.forward(batch).logits.clone()));
      assert.ok(fused, model.constructor.name);
      assert.ok(maxDiff(value, eager) < 1e-5, `${model.constructor.name}: max |Δ| ${maxDiff(value, eager)}`);
    }
  });

  it('sees every weight update: an AdamW step (a raw-pointer kernel) and an in-place edit between two evaluations', () => {
    torch.manualSeed(5);
    const model = BertForSequenceClassification.fromConfig(bertConfig());
    const opt = new optim.AdamW(model.parameters(), { lr: 1e-2 });
    const batch = paddedBatch();
    const evaluate = () => {
      model.eval();
      const fused = torch.inferenceMode(() => model.forward(batch).logits.clone());
      const eager = eagerOnly(() => torch.noGrad(() => model.forward(batch).logits));
      assert.ok(maxDiff(fused, eager) < 1e-5, `max |Δ| ${maxDiff(fused, eager)}`);
      return fused;
    };
    const first = evaluate();
    const query = model.bert.encoder.layer.get(0).attention.self.query.weight;
    const version = query._version;
    model.train();
    torch.tidy(() => {
      model.forward({ ...batch, labels: torch.tensor([0, 1, 1]) }).loss!.backward();
      opt.step();
      opt.zeroGrad();
    });
    assert.ok(query._version > version, 'the fused AdamW kernel counts its update');
    const second = evaluate();
    assert.ok(maxDiff(first, second) > 1e-4, 'the step changed the logits');
    torch.noGrad(() => model.bert.encoder.layer.get(1).attention.self.value.bias!.add_(0.5));
    assert.ok(maxDiff(second, evaluate()) > 1e-4, 'the in-place edit changed the logits');
  });

  it('does not run where it would compute something else: training, gradients, outputs asked of the layers, LoRA, gelu_new', () => {
    torch.manualSeed(4);
    const batch = paddedBatch();
    const model = BertForSequenceClassification.fromConfig(bertConfig());
    model.train();
    assert.equal(traced(() => torch.noGrad(() => model.forward(batch))).fused, false, 'training mode');
    model.eval();
    assert.equal(traced(() => model.forward(batch)).fused, false, 'gradients enabled');
    assert.equal(traced(() => torch.noGrad(() => model.forward({ ...batch, output_hidden_states: true }))).fused, false, 'hidden states');
    assert.equal(traced(() => torch.noGrad(() => model.forward({ ...batch, output_attentions: true }))).fused, false, 'attentions');
    const gelu = BertForSequenceClassification.fromConfig(bertConfig({ hiddenAct: 'gelu_new' }));
    gelu.eval();
    assert.equal(traced(() => torch.noGrad(() => gelu.forward(batch))).fused, false, 'gelu_new');

    // LoRA adds B·A·x to query and value: the fused kernel would drop it
    const peft = getPeftModel(model, new LoraConfig({ r: 2, loraAlpha: 4, targetModules: ['query', 'value'], initLoraWeights: false }));
    peft.eval();
    const { value, fused } = traced(() => torch.noGrad(() => peft.forward(batch).logits));
    assert.equal(fused, false, 'LoRA');
    assert.ok(maxDiff(value, eagerOnly(() => torch.noGrad(() => peft.forward(batch).logits))) === 0);
  });
});
