// BERT, RoBERTa and DistilBERT sequence classifiers against PyTorch on a padded batch:
// outputs, loss and the gradient of the loss for every parameter, train-mode dropout after a
// seed, and the loss of each problem type. The reference is computed by
// scripts/fixtures/make_bert_fixture.py (transformers' networks transcribed into plain
// PyTorch, bench/peers/hf_bert.py); the checkpoints it wrote are loaded with fromPretrained.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, before } from 'node:test';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { AutoConfig, AutoModelForSequenceClassification, logging } from '../../src/models/index.js';
import type { AutoSequenceClassificationModel } from '../../src/models/index.js';
import { assertTensorMatches, fromSpec } from '../helpers/torch-fixtures.js';
import type { TensorSpec } from '../helpers/torch-fixtures.js';

const FORWARD = { atol: 1e-5, rtol: 0 };
const GRADS = { atol: 1e-4, rtol: 0 };

interface Expected {
  input_ids: TensorSpec; attention_mask: TensorSpec; token_type_ids?: TensorSpec; labels: TensorSpec;
  last_hidden_state: TensorSpec; pooler_output?: TensorSpec; logits: TensorSpec; loss: number;
  hidden_states?: TensorSpec[]; attentions?: TensorSpec[];
  grads: Record<string, TensorSpec>;
  train: { seed: number; logits: TensorSpec; loss: number };
  problem_types: { num_labels: number; problem_type: string | null; inferred: string; labels: TensorSpec; head: Record<string, TensorSpec>; logits: TensorSpec; loss: number }[];
}

const dirOf = (name: string) => new URL(`../fixtures/models/${name}`, import.meta.url).pathname;

for (const family of ['bert', 'roberta', 'distilbert']) {
  describe(`${family}: parity with PyTorch on a padded batch`, () => {
    const expected = JSON.parse(readFileSync(`${dirOf(family)}/expected.json`, 'utf8')) as Expected;
    let model: AutoSequenceClassificationModel;
    let inputs: Record<string, Tensor>;
    before(async () => {
      logging.setVerbosity('error');
      model = await AutoModelForSequenceClassification.fromPretrained(dirOf(family));
      inputs = { input_ids: fromSpec(expected.input_ids), attention_mask: fromSpec(expected.attention_mask) };
      if (expected.token_type_ids) inputs.token_type_ids = fromSpec(expected.token_type_ids);
    });

    it('loads every weight of the checkpoint, none missing or unused', () => {
      assert.deepEqual(model.loadingInfo?.missingKeys, []);
      assert.deepEqual(model.loadingInfo?.unexpectedKeys, []);
      assert.equal(model.training, false, 'fromPretrained returns the model in eval mode, as transformers');
    });

    it('computes the hidden states, logits and loss PyTorch computes (1e-5)', () => {
      model.eval();
      const out = model.forward({ ...inputs, labels: fromSpec(expected.labels), outputHiddenStates: true, outputAttentions: true });
      assertTensorMatches(out.logits, expected.logits, FORWARD, 'logits');
      assert.ok(Math.abs(out.loss.item() - expected.loss) < 1e-5, `loss ${out.loss.item()} vs ${expected.loss}`);
      assert.equal(out.hiddenStates!.length, model.config.toDict()[family === 'distilbert' ? 'n_layers' : 'num_hidden_layers'] as number + 1);
      assertTensorMatches(out.hiddenStates!.at(-1)!, expected.last_hidden_state, FORWARD, 'last hidden state');
      expected.hidden_states?.forEach((h, i) => assertTensorMatches(out.hiddenStates![i], h, FORWARD, `hidden state ${i}`));
      expected.attentions?.forEach((a, i) => assertTensorMatches(out.attentions![i], a, FORWARD, `attentions ${i}`));
      torch.dispose(out);
    });

    if (expected.pooler_output) {
      it('the base model gives the pooler output', () => {
        const base = (model as unknown as Record<string, { forward(x: unknown): { poolerOutput: Tensor; lastHiddenState: Tensor } }>)[family];
        const out = torch.noGrad(() => base.forward(inputs));
        assertTensorMatches(out.poolerOutput, expected.pooler_output!, FORWARD, 'pooler output');
        assertTensorMatches(out.lastHiddenState, expected.last_hidden_state, FORWARD, 'last hidden state');
      });
    }

    it('gives the gradient of the loss for every parameter (1e-4)', () => {
      model.eval();
      model.zeroGrad();
      const out = model.forward({ ...inputs, labels: fromSpec(expected.labels) });
      out.loss.backward();
      const names = [...model.namedParameters()].map(([n]) => n);
      assert.deepEqual(names.slice().sort(), Object.keys(expected.grads).sort(), 'the same parameters as PyTorch, by name');
      for (const [name, p] of model.namedParameters()) {
        const grad = p.grad;
        assert.ok(grad, `${name} has no gradient`);
        assertTensorMatches(grad, expected.grads[name], GRADS, `grad of ${name}`);
        grad.dispose();
      }
      model.zeroGrad();
      torch.dispose(out);
    });

    it('draws the same dropout masks as PyTorch in train mode after the same seed', () => {
      model.train();
      torch.manualSeed(expected.train.seed);
      const out = torch.noGrad(() => model.forward({ ...inputs, labels: fromSpec(expected.labels) }));
      model.eval();
      assertTensorMatches(out.logits, expected.train.logits, FORWARD, 'train-mode logits');
      assert.ok(Math.abs(out.loss.item() - expected.train.loss) < 1e-5);
    });

    for (const [i, c] of expected.problem_types.entries()) {
      it(`loss for ${c.problem_type ?? 'an inferred problem type'} with ${c.num_labels} label(s) (${c.inferred})`, async () => {
        const config = await AutoConfig.fromPretrained(dirOf(family), { numLabels: c.num_labels, problemType: c.problem_type as never });
        const other = AutoModelForSequenceClassification.fromConfig(config).eval();
        const state: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(model.stateDict())) if (k.startsWith(`${family}.`)) state[k] = v;
        for (const [k, v] of Object.entries(c.head)) state[k] = fromSpec(v);
        other.loadStateDict(state);
        const out = torch.noGrad(() => other.forward({ ...inputs, labels: fromSpec(c.labels) }));
        assertTensorMatches(out.logits, c.logits, FORWARD, `case ${i} logits`);
        assert.ok(Math.abs(out.loss.item() - c.loss) < 1e-5, `case ${i}: loss ${out.loss.item()} vs ${c.loss}`);
        assert.equal(other.config.problemType, c.inferred, 'problem_type is inferred (and stored) as transformers does');
      });
    }
  });
}
