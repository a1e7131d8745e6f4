// Type-checked port of the movie_reviews tutorial with a hand-written Dataset and head:
// scikit-learn's trainTestSplit over plain arrays, a data.Dataset subclass the DataLoader takes,
// a BertModel + dropout + linear head, nn.CrossEntropyLoss, a hand loop with tqdm(loader).
import {
  AutoTokenizer, BertModel, DataLoader, PreTrainedTokenizerFast, data, nn, optim, torch, tqdm, trainTestSplit,
} from '../../src/index.js';

type Tensor = torch.Tensor;
interface Example { text: string; label: number }
interface Encoded { input_ids: Tensor; attention_mask: Tensor; labels: Tensor }

class MovieReviewDataset extends data.Dataset<Encoded> {
  constructor(private readonly encodings: { input_ids: Tensor; attention_mask: Tensor }, private readonly labels: number[]) {
    super();
  }
  get length(): number {
    return this.labels.length;
  }
  getItem(idx: number): Encoded {
    return { input_ids: this.encodings.input_ids.select(0, idx), attention_mask: this.encodings.attention_mask.select(0, idx), labels: torch.tensor(this.labels[idx] ?? 0) };
  }
}

class BertClassifier extends nn.Module {
  bert: BertModel;
  dropout = new nn.Dropout(0.1);
  classifier: nn.Linear;
  constructor(bert: BertModel, numLabels: number) {
    super();
    this.bert = bert;
    this.classifier = new nn.Linear(bert.config.hiddenSize, numLabels);
  }
  forward(batch: { input_ids: Tensor; attention_mask: Tensor }): Tensor {
    const pooled = this.bert.forward(batch).poolerOutput;
    return this.classifier.forward(this.dropout.forward(pooled!));
  }
}

async function encode(tokenizer: PreTrainedTokenizerFast, texts: string[]) {
  const enc = await tokenizer(texts, undefined, { padding: 'max_length', truncation: true, maxLength: 128, returnTensors: 'pt' });
  return { input_ids: enc.input_ids, attention_mask: enc.attention_mask }; // typed Tensors
}

const examples: Example[] = [{ text: 'a fine film', label: 1 }, { text: 'dull', label: 0 }];
const texts = examples.map((e) => e.text);
const labels = examples.map((e) => e.label);
const [trainTexts, valTexts, trainLabels, valLabels] = trainTestSplit(texts, labels, { testSize: 0.2, stratify: labels, randomState: 42 });

const tokenizer = await AutoTokenizer.fromPretrained('bert-base-uncased');
const trainDataset = new MovieReviewDataset(await encode(tokenizer, trainTexts), trainLabels);
const valDataset = new MovieReviewDataset(await encode(tokenizer, valTexts), valLabels);
const trainLoader = new DataLoader(trainDataset, { batchSize: 16, shuffle: true });
const valLoader = new DataLoader(valDataset, { batchSize: 16 });

const model = new BertClassifier(await BertModel.fromPretrained('bert-base-uncased'), 2);
const lossFn = new nn.CrossEntropyLoss();
const optimizer = new optim.AdamW(model.parameters(), { lr: 2e-5 });
for (let epoch = 0; epoch < 2; epoch++) {
  model.train();
  const bar = tqdm(trainLoader, { desc: `epoch ${epoch}` });
  for (const batch of bar) {
    const loss = lossFn.forward(model.forward({ input_ids: batch.input_ids!, attention_mask: batch.attention_mask! }), batch.labels!);
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
    bar.setPostfix({ loss: loss.item() });
  }
}
let correct = 0;
for (const batch of valLoader) correct += torch.noGrad(() => model.forward({ input_ids: batch.input_ids!, attention_mask: batch.attention_mask! }).argmax(-1).eq(batch.labels!).sum().item());
console.log(correct / valDataset.length);
