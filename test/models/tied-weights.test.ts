// Tied weights, as transformers' tie_weights / _tied_weights_keys: an input embedding and an
// output projection that are ONE Parameter must stay one through construction, fromPretrained
// (a checkpoint holds one copy, or both), to(dtype), an optimizer step, and
// savePretrained → fromPretrained, and the safetensors file holds the tensor once. No model of
// the library ties weights yet (MLM heads come later), so a small language model is defined here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { nn, optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { readSafetensorsHeader } from '../../src/engine/safetensors.js';
import {
  BertConfig, BertForSequenceClassification, DistilBertConfig, DistilBertForSequenceClassification, PreTrainedModel, PretrainedConfig, logging,
} from '../../src/models/index.js';
import type { ConfigOptions, ModelInputs } from '../../src/models/index.js';
import { initNormalWeights } from '../../src/models/initialization.js';
import { readInputs } from '../../src/models/model_inputs.js';

logging.setVerbosity('error');
const dirs: string[] = [];
const scratch = () => dirs[dirs.push(mkdtempSync(join(tmpdir(), 'finetune-tied-'))) - 1];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

class TinyLMConfig extends PretrainedConfig {
  static override modelType = 'tiny-lm';
  vocabSize = 11;
  hiddenSize = 4;
  constructor(init: ConfigOptions = {}) {
    super();
    this.applyOptions(init);
  }
}

/** embed_tokens → LayerNorm → lm_head, the head's weight tied to the embedding (as GPT-2 or BERT's MLM head). */
class TinyLM extends PreTrainedModel<TinyLMConfig> {
  static override configClass: typeof PreTrainedModel.configClass = TinyLMConfig;
  static override tiedWeightsKeys = ['lm_head\\.weight'];
  static override forwardInputNames = ['input_ids', 'labels'];
  static override labelNames = ['labels'];
  embed_tokens: nn.Embedding;
  norm: nn.LayerNorm;
  lm_head: nn.Linear;

  constructor(config: TinyLMConfig) {
    super(config);
    this.embed_tokens = new nn.Embedding(config.vocabSize, config.hiddenSize);
    this.norm = new nn.LayerNorm(config.hiddenSize);
    this.lm_head = new nn.Linear(config.hiddenSize, config.vocabSize, { bias: false });
    this.postInit();
  }

  protected override initWeights(module: nn.Module): void {
    initNormalWeights(module, 0.5);
  }

  override getInputEmbeddings(): nn.Embedding {
    return this.embed_tokens;
  }

  override getOutputEmbeddings(): nn.Linear {
    return this.lm_head;
  }

  forward(inputs: ModelInputs | Tensor): { logits: Tensor; loss?: Tensor } {
    return torch.tidy(() => {
      const x = readInputs(inputs, this);
      const logits = this.lm_head.forward(this.norm.forward(this.embed_tokens.forward(x.inputIds)));
      if (!x.labels) return { logits };
      return { logits, loss: nn.functional.crossEntropy(logits.view(-1, this.config.vocabSize), x.labels.view(-1)) };
    });
  }
}

const ids = () => torch.tensor([[1, 4, 7, 2], [3, 3, 9, 10]], { dtype: 'int64' });
const labels = () => torch.tensor([[4, 7, 2, 0], [3, 9, 10, 1]], { dtype: 'int64' });
const isTied = (m: TinyLM) => m.lm_head.weight === m.embed_tokens.weight;
const tensorNames = (file: string) => Object.keys(readSafetensorsHeader(file).tensors).sort();
const logitsOf = (m: TinyLM) => torch.noGrad(() => m.forward(ids()).logits);

describe('tied weights', () => {
  it('tie_weights at construction: one Parameter, listed once, in the state dict under both names', () => {
    const model = new TinyLM(new TinyLMConfig());
    assert.ok(isTied(model));
    assert.deepEqual([...model.namedParameters()].map(([n]) => n), ['embed_tokens.weight', 'norm.weight', 'norm.bias']);
    assert.deepEqual(Object.keys(model.stateDict()), ['embed_tokens.weight', 'norm.weight', 'norm.bias', 'lm_head.weight']);
    const untied = new TinyLM(new TinyLMConfig({ tieWordEmbeddings: false }));
    assert.ok(!isTied(untied), 'tie_word_embeddings: false leaves the head its own weight');
  });

  it('savePretrained writes the tensor once; fromPretrained reports nothing missing, initialises nothing, and keeps one tensor', async () => {
    torch.manualSeed(0);
    const model = new TinyLM(new TinyLMConfig());
    const dir = scratch();
    await model.savePretrained(dir);
    assert.deepEqual(tensorNames(join(dir, 'model.safetensors')), ['embed_tokens.weight', 'norm.bias', 'norm.weight'], 'the tied key is left out, as transformers');
    torch.manualSeed(1);
    const expectedDraw = torch.randn([3]).toArray();
    torch.manualSeed(1);
    const loaded = await TinyLM.fromPretrained(dir);
    assert.deepEqual(torch.randn([3]).toArray(), expectedDraw, 'loading a complete checkpoint draws no random numbers (no head re-initialised)');
    assert.deepEqual(loaded.loadingInfo?.missingKeys, []);
    assert.deepEqual(loaded.loadingInfo?.unexpectedKeys, []);
    assert.equal(loaded.loadingInfo?.report, '');
    assert.ok(isTied(loaded), 'the adopted checkpoint tensor is held by both modules');
    assert.ok(loaded.lm_head.weight.equal(model.embed_tokens.weight));
    assert.ok(logitsOf(loaded).equal(logitsOf(model)));
    // the same from a caller's state dict (copied instead of adopted)
    const copied = await TinyLM.fromPretrained('memory', { config: new TinyLMConfig(), stateDict: { 'embed_tokens.weight': model.embed_tokens.weight, 'norm.weight': model.norm.weight!, 'norm.bias': model.norm.bias! } });
    assert.deepEqual(copied.loadingInfo?.missingKeys, []);
    assert.ok(isTied(copied) && copied.lm_head.weight.equal(model.embed_tokens.weight));
  });

  it('a checkpoint holding both copies (as torch.save writes them) loads with no unexpected key, still one tensor', async () => {
    const model = new TinyLM(new TinyLMConfig());
    const both = model.stateDict();
    assert.equal(Object.keys(both).length, 4);
    const loaded = await TinyLM.fromPretrained('memory', { config: new TinyLMConfig(), stateDict: both });
    assert.deepEqual([loaded.loadingInfo?.missingKeys, loaded.loadingInfo?.unexpectedKeys], [[], []]);
    assert.ok(isTied(loaded) && loaded.embed_tokens.weight.equal(model.embed_tokens.weight));
  });

  it("to('float64') converts the one Parameter in place: still one object, in the new dtype", () => {
    const model = new TinyLM(new TinyLMConfig());
    const parameter = model.embed_tokens.weight;
    model.to('float64');
    assert.ok(isTied(model));
    assert.equal(model.embed_tokens.weight, parameter, 'the same Parameter object (optimizers holding it see the change)');
    assert.equal(model.lm_head.weight.dtype, 'float64');
    assert.equal(model.parameters().length, 3);
  });

  it('an AdamW step updates the one tensor with the gradient of both uses; save → load gives the same model', async () => {
    torch.manualSeed(2);
    const model = new TinyLM(new TinyLMConfig());
    // the same network untied: its two weights' gradients must add up to the tied one's
    const untied = new TinyLM(new TinyLMConfig({ tieWordEmbeddings: false }));
    untied.loadStateDict(model.stateDict());
    torch.tidy(() => model.forward({ input_ids: ids(), labels: labels() }).loss!.backward());
    torch.tidy(() => untied.forward({ input_ids: ids(), labels: labels() }).loss!.backward());
    const sum = torch.tidy(() => untied.embed_tokens.weight.grad!.add(untied.lm_head.weight.grad!));
    assert.ok(torch.tidy(() => model.embed_tokens.weight.grad!.sub(sum).abs().max().item()) < 1e-6, 'gradient of the embedding and the head together');

    const opt = new optim.AdamW(model.parameters(), { lr: 0.1 });
    const before = model.embed_tokens.weight.clone();
    opt.step();
    assert.ok(isTied(model), 'still one Parameter after the step');
    assert.ok(!model.lm_head.weight.equal(before), 'the head moved with the embedding');

    const dir = scratch();
    await model.savePretrained(dir);
    assert.deepEqual(tensorNames(join(dir, 'model.safetensors')), ['embed_tokens.weight', 'norm.bias', 'norm.weight']);
    const again = await TinyLM.fromPretrained(dir);
    assert.ok(isTied(again));
    assert.ok(logitsOf(again).equal(logitsOf(model.eval())), 'the trained model comes back exactly');
  });

  it('untied (tie_word_embeddings: false): both weights are saved, and a checkpoint without the head reports it missing', async () => {
    const untied = new TinyLM(new TinyLMConfig({ tieWordEmbeddings: false }));
    const dir = scratch();
    await untied.savePretrained(dir);
    assert.deepEqual(tensorNames(join(dir, 'model.safetensors')), ['embed_tokens.weight', 'lm_head.weight', 'norm.bias', 'norm.weight']);
    const tiedDir = scratch();
    await new TinyLM(new TinyLMConfig()).savePretrained(tiedDir);
    const loaded = await TinyLM.fromPretrained(tiedDir, { tieWordEmbeddings: false });
    assert.deepEqual(loaded.loadingInfo?.missingKeys, ['lm_head.weight'], 'transformers reports it too: the config says the head is its own');
    assert.ok(!isTied(loaded));
  });

  it('the library\'s models: input embeddings found through the base model, no output embeddings (nothing tied)', () => {
    const bert = new BertForSequenceClassification(new BertConfig({ vocabSize: 20, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16 }));
    assert.equal(bert.getInputEmbeddings(), bert.bert.embeddings.word_embeddings);
    assert.equal(bert.bert.getInputEmbeddings(), bert.bert.embeddings.word_embeddings);
    assert.equal(bert.getOutputEmbeddings(), null);
    const distil = new DistilBertForSequenceClassification(new DistilBertConfig({ vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16 }));
    assert.equal(distil.getInputEmbeddings(), distil.distilbert.embeddings.word_embeddings);
    class Headless extends TinyLM {
      override getInputEmbeddings(): nn.Embedding {
        return PreTrainedModel.prototype.getInputEmbeddings.call(this);
      }
    }
    assert.throws(() => new Headless(new TinyLMConfig()), /Headless has no input embeddings: define getInputEmbeddings\(\) or a static inputEmbeddingsPath/);
  });
});
