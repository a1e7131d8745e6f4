// Weight initialisation as transformers' _init_weights: after the same seed, a new model has
// the very numbers PyTorch gives (init.json from scripts/fixtures/make_bert_fixture.py, which
// follows transformers' post_init order); the rule itself (normal(0, initializer_range), zero
// biases, LayerNorm 1/0, padding row zero) on a larger model; and after loading, only the
// weights the checkpoint lacks are initialised.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { nn } from '../../src/index.js';
import {
  BertConfig, BertForSequenceClassification, BertModel, DistilBertConfig, DistilBertForSequenceClassification, PreTrainedModel, PretrainedConfig,
  RobertaConfig, RobertaForSequenceClassification, logging,
} from '../../src/models/index.js';
import { assertTensorMatches } from '../helpers/torch-fixtures.js';
import type { TensorSpec } from '../helpers/torch-fixtures.js';

logging.setVerbosity('error');
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/init.json', import.meta.url), 'utf8')) as
  Record<'bert' | 'distilbert', { seed: number; state: Record<string, TensorSpec> }> & { sinusoidal: TensorSpec };

function stats(t: Tensor): { mean: number; std: number; absMax: number } {
  return torch.tidy(() => ({ mean: t.mean().item(), std: t.std().item(), absMax: t.abs().max().item() }));
}

describe('_init_weights', () => {
  it('BERT: after torch.manualSeed, the same numbers as PyTorch with transformers\' post_init', () => {
    torch.manualSeed(fixture.bert.seed);
    const model = new BertForSequenceClassification(new BertConfig({
      vocabSize: 10, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: 6, numLabels: 2,
    }));
    const state = model.stateDict();
    assert.deepEqual(Object.keys(state), Object.keys(fixture.bert.state), 'names and order of the state dict');
    for (const [name, spec] of Object.entries(fixture.bert.state)) assertTensorMatches(state[name], spec, { atol: 0, rtol: 0 }, name);
  });

  it('DistilBERT: the same numbers as PyTorch after the same seed', () => {
    torch.manualSeed(fixture.distilbert.seed);
    const model = new DistilBertForSequenceClassification(new DistilBertConfig({
      vocabSize: 10, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 12, maxPositionEmbeddings: 6, numLabels: 2,
    }));
    const state = model.stateDict();
    assert.deepEqual(Object.keys(state), Object.keys(fixture.distilbert.state));
    for (const [name, spec] of Object.entries(fixture.distilbert.state)) assertTensorMatches(state[name], spec, { atol: 0, rtol: 0 }, name);
  });

  it("DistilBERT's sinusoidal position table: transformers' numbers, fixed, and kept by _init_weights", () => {
    const model = new DistilBertForSequenceClassification(new DistilBertConfig({
      vocabSize: 10, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 12, maxPositionEmbeddings: 12, sinusoidalPosEmbds: true,
    }));
    const table = model.distilbert.embeddings.position_embeddings.weight;
    assertTensorMatches(table, fixture.sinusoidal, { atol: 0, rtol: 0 }, 'sinusoidal table');
    assert.equal(table.requiresGrad, false);
  });

  it('normal(0, initializer_range) weights, zero biases, LayerNorm 1 and 0, the padding row zero', () => {
    torch.manualSeed(3);
    for (const range of [0.02, 0.5]) {
      const config = new BertConfig({ vocabSize: 2000, hiddenSize: 64, numHiddenLayers: 1, numAttentionHeads: 4, intermediateSize: 128, padTokenId: 3, initializerRange: range });
      const model = BertForSequenceClassification.fromConfig(config);
      for (const [name, p] of model.namedParameters()) {
        const { mean, std, absMax } = stats(p);
        if (name.includes('LayerNorm')) {
          assert.equal(mean, name.endsWith('weight') ? 1 : 0, name);
          assert.equal(std, 0, name);
        } else if (name.endsWith('bias')) {
          assert.equal(absMax, 0, `${name} is zero`);
        } else if (p.numel() >= 4096) {
          assert.ok(Math.abs(std - range) < 0.1 * range, `${name}: std ${std}, expected ${range}`);
          assert.ok(Math.abs(mean) < 0.1 * range, `${name}: mean ${mean}`);
        }
      }
      const padRow = model.bert.embeddings.word_embeddings.weight.select(0, 3);
      assert.equal(stats(padRow).absMax, 0, 'the padding row is zero');
      assert.ok(stats(model.bert.embeddings.word_embeddings.weight.select(0, 4)).absMax > 0);
    }
  });

  it('loading a base checkpoint into a task model initialises only the head, as _init_weights does', async () => {
    torch.manualSeed(5);
    const config = new BertConfig({ vocabSize: 300, hiddenSize: 64, numHiddenLayers: 1, numAttentionHeads: 4, intermediateSize: 96, numLabels: 200, initializerRange: 0.3 });
    const base = BertModel.fromConfig(config);
    const checkpoint = base.stateDict();
    const model = await BertForSequenceClassification.fromPretrained('memory', { config, stateDict: checkpoint });
    assert.deepEqual(model.loadingInfo?.missingKeys, ['classifier.bias', 'classifier.weight']);
    for (const [name, t] of Object.entries(checkpoint)) {
      assert.ok(model.bert.stateDict()[name].equal(t), `${name} comes from the checkpoint`);
    }
    assert.equal(stats(model.classifier.bias!).absMax, 0);
    const { std } = stats(model.classifier.weight);
    assert.ok(Math.abs(std - 0.3) < 0.03, `classifier std ${std}, expected initializer_range 0.3 (not nn.Linear's default)`);
  });

  it('a module the checkpoint provides only in part keeps the part it provides (new weights first, then the checkpoint)', async () => {
    const config = new BertConfig({ vocabSize: 30, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, initializerRange: 0.3 });
    const trained = BertForSequenceClassification.fromConfig(config);
    torch.noGrad(() => trained.classifier.bias!.fill_(0.25));
    const checkpoint = trained.stateDict();
    delete checkpoint['classifier.bias'];
    const model = await BertForSequenceClassification.fromPretrained('memory', { config, stateDict: checkpoint });
    assert.deepEqual(model.loadingInfo?.missingKeys, ['classifier.bias']);
    assert.ok(model.classifier.weight.equal(trained.classifier.weight), 'classifier.weight is the checkpoint\'s, not re-initialised with its bias');
    assert.equal(stats(model.classifier.bias!).absMax, 0, 'the missing bias is initialised (zero)');
  });

  it('fromPretrained draws random numbers for exactly the missing weights: the same draws as normal_ on them alone', async () => {
    const config = new BertConfig({ vocabSize: 50, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, numLabels: 3, initializerRange: 0.7 });
    const checkpoint = BertModel.fromConfig(config).stateDict();
    torch.manualSeed(21);
    const model = await BertForSequenceClassification.fromPretrained('memory', { config, stateDict: checkpoint });
    const after = torch.randn([2]);
    torch.manualSeed(21);
    const expected = torch.empty([3, 16]);
    nn.init.normal_(expected, 0, 0.7);
    assert.ok(model.classifier.weight.equal(expected), 'the classifier is the first and only draw: no layer of the encoder drew at construction');
    assert.ok(torch.randn([2]).equal(after), 'and nothing else drew afterwards');
  });

  it("fromPretrained skips a custom layer's construction-time init too (a scope, not a patched nn.Linear prototype)", async () => {
    let resets = 0;
    class CountingLinear extends nn.Linear {
      override resetParameters(): void {
        resets++;
        super.resetParameters();
      }
    }
    class WithCustomLayer extends PreTrainedModel {
      proj: CountingLinear;
      constructor(config: PretrainedConfig) {
        super(config);
        this.proj = new CountingLinear(3, 2);
        this.postInit();
      }
      protected override initWeights(): void {}
      forward(): void {}
    }
    const built = new WithCustomLayer(new PretrainedConfig());
    assert.equal(resets, 1);
    await WithCustomLayer.fromPretrained('memory', { config: new PretrainedConfig(), stateDict: built.stateDict() });
    assert.equal(resets, 1, 'the checkpoint provides every weight: the layer must not initialise itself first');
  });

  it('PreTrainedModel has no rule of its own: a family without initWeights fails naming the class', () => {
    class NoRule extends PreTrainedModel {
      head: nn.Linear;
      constructor(config: PretrainedConfig) {
        super(config);
        this.head = new nn.Linear(2, 2);
        this.postInit();
      }
      forward(): void {}
    }
    assert.throws(() => new NoRule(new PretrainedConfig()), /NoRule defines no initWeights \(transformers' _init_weights\)/);
  });

  it("RoBERTa's own _init_weights: normal(0, initializer_range), zero biases, padding rows zero", () => {
    torch.manualSeed(11);
    const config = new RobertaConfig({ vocabSize: 3000, hiddenSize: 64, numHiddenLayers: 1, numAttentionHeads: 4, intermediateSize: 128, initializerRange: 0.2, padTokenId: 1 });
    const model = RobertaForSequenceClassification.fromConfig(config);
    const { std, mean } = stats(model.classifier.dense.weight);
    assert.ok(Math.abs(std - 0.2) < 0.02 && Math.abs(mean) < 0.02, `classifier.dense std ${std}, mean ${mean}: not nn.Linear's kaiming default`);
    assert.equal(stats(model.classifier.out_proj.bias!).absMax, 0);
    assert.equal(stats(model.roberta.embeddings.position_embeddings.weight.select(0, 1)).absMax, 0, 'position padding row');
    assert.ok(Math.abs(stats(model.roberta.embeddings.word_embeddings.weight).std - 0.2) < 0.01);
  });
});
