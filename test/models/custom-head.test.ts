// A user-written head on BertModel (the tutorial model of examples/custom_head.ts): its
// parameters register under Hugging Face-style names, gradients reach the encoder, and a
// hand-written loop fits a small task.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { BertConfig, BertModel, logging } from '../../src/models/index.js';
import type { ModelInputs } from '../../src/models/index.js';

logging.setVerbosity('error');

class BertClassifier extends nn.Module {
  bert: BertModel;
  dropout = new nn.Dropout(0.1);
  classifier: nn.Linear;

  constructor(bert: BertModel, numLabels: number) {
    super();
    this.bert = bert;
    this.classifier = new nn.Linear(bert.config.hiddenSize, numLabels);
    nn.init.xavierUniform_(this.classifier.weight);
    nn.init.zeros_(this.classifier.bias!);
  }

  forward(batch: ModelInputs): Tensor {
    return this.classifier.forward(this.dropout.forward(this.bert.forward(batch).lastHiddenState.select(1, 0)));
  }
}

describe('a custom head on BertModel', () => {
  it('registers as bert.* + classifier.*, and a hand-written loop learns a token-presence task', () => {
    torch.manualSeed(0);
    const config = new BertConfig({ vocabSize: 30, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 16 });
    const model = new BertClassifier(BertModel.fromConfig(config), 2);
    const names = Object.keys(model.stateDict());
    assert.ok(names.includes('bert.encoder.layer.1.attention.self.query.weight'));
    assert.deepEqual(names.filter((n) => !n.startsWith('bert.')), ['classifier.weight', 'classifier.bias']);
    // label 1 when token 7 occurs anywhere after [CLS]: the head must read it from the [CLS] vector
    const ids = torch.randint(8, 30, [64, 10]);
    const labels = torch.randint(0, 2, [64]);
    torch.noGrad(() => ids.select(1, 0).fill_(1));
    for (let i = 0; i < 64; i++) if (labels.data()[i] === 1n) torch.noGrad(() => ids.select(0, i).select(0, 1 + (i % 9)).fill_(7));
    const opt = new optim.AdamW(model.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      losses.push(torch.tidy(() => {
        const loss = nn.functional.crossEntropy(model.forward({ input_ids: ids }), labels);
        loss.backward();
        if (step === 0) {
          const grad = model.bert.embeddings.word_embeddings.weight.grad!;
          assert.ok(grad.abs().sum().item() > 0, 'gradients reach the encoder');
        }
        opt.step();
        opt.zeroGrad();
        return loss.item();
      }));
    }
    model.eval();
    const accuracy = torch.tidy(() => torch.noGrad(() => model.forward({ input_ids: ids }).argmax(1).eq(labels).float().mean().item()));
    assert.ok(losses.at(-1)! < 0.3 * losses[0], `loss ${losses[0]} → ${losses.at(-1)}`);
    assert.ok(accuracy > 0.9, `accuracy ${accuracy}`);
  });
});
