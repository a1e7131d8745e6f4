// A custom head on a BERT encoder, the transformers tutorial model: BertModel, dropout and a
// Xavier-initialised linear layer on the [CLS] vector, trained with cross-entropy in a
// hand-written loop (the Trainer comes in a later issue). No pretrained weights can be
// downloaded here, so the encoder is BERT-Tiny from its config, trained on 2,000 SST-2
// sentences; with weights, `await BertModel.fromPretrained('bert-base-uncased')` replaces
// `BertModel.fromConfig(config)` and nothing else changes.
// Run: npx tsx examples/custom_head.ts   (needs ../shared)
import { readFileSync } from 'node:fs';

import { AutoTokenizer, nn, optim, torch } from '../src/index.js';
import { AutoConfig, BertModel } from '../src/models/index.js';
import type { BertConfig, ModelInputs } from '../src/models/index.js';

// ---- the user code: model, data, training loop
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

  forward(batch: ModelInputs): torch.Tensor {
    const cls = this.bert.forward(batch).lastHiddenState.select(1, 0); // the [CLS] vector
    return this.classifier.forward(this.dropout.forward(cls));
  }
}

const read = (split: string) => readFileSync(`../shared/datasets/glue/SST-2/${split}.tsv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
const [train, dev] = [read('train').slice(0, 2000), read('dev')];
const tokenizer = await AutoTokenizer.fromPretrained('../shared/tokenizers/bert-base-uncased');
const config = (await AutoConfig.fromPretrained('../shared/configs/bert-tiny')) as BertConfig;
torch.manualSeed(0);
const model = new BertClassifier(BertModel.fromConfig(config), 2);
const opt = new optim.AdamW(model.parameters(), { lr: 5e-4, weightDecay: 0.01 });
const encode = (rows: string[][]) => tokenizer(rows.map((r) => r[0] ?? ''), undefined, { padding: true, truncation: true, maxLength: 64, returnTensors: 'pt' });

for (let epoch = 1; epoch <= 3; epoch++) {
  model.train();
  let total = 0;
  for (let i = 0; i < train.length; i += 32) {
    const rows = train.slice(i, i + 32);
    const batch = await encode(rows);
    total += torch.tidy(() => {
      const loss = nn.functional.crossEntropy(model.forward(batch), torch.tensor(rows.map((r) => Number(r[1]))));
      loss.backward();
      opt.step();
      opt.zeroGrad();
      return loss.item();
    });
    torch.dispose(batch);
  }
  model.eval();
  const batch = await encode(dev);
  const accuracy = torch.tidy(() => torch.noGrad(() => model.forward(batch).argmax(1).eq(torch.tensor(dev.map((r) => Number(r[1])))).float().mean().item()));
  torch.dispose(batch);
  console.log(`epoch ${epoch}: train loss ${(total / Math.ceil(train.length / 32)).toFixed(4)}, dev accuracy ${accuracy.toFixed(3)}`);
}
