// Type-checked port of the "CustomTrainer with class weights" tutorial: computeLoss overridden
// with no casts (the model type is Trainer's parameter), nn.CrossEntropyLoss({ weight }) with a
// float32 weight (torch.tensor([1.0, 3.0]) alone would be int64 in JavaScript).
import {
  BertForSequenceClassification, Trainer, TrainingArguments, loadDataset, nn, torch,
} from '../../src/index.js';

type Tensor = torch.Tensor;

class CustomTrainer extends Trainer<BertForSequenceClassification> {
  readonly lossFct = new nn.CrossEntropyLoss({ weight: torch.tensor([1.0, 3.0], { dtype: 'float32' }) });

  override computeLoss(model: BertForSequenceClassification, inputs: Record<string, unknown>, returnOutputs = false): Tensor | [Tensor, unknown] {
    const { labels, ...rest } = inputs;
    const outputs = model.forward(rest);
    const logits = outputs.logits;
    const loss = this.lossFct.forward(logits.view(-1, 2), (labels as Tensor).view(-1));
    return returnOutputs ? [loss, outputs] : loss;
  }
}

const model = await BertForSequenceClassification.fromPretrained('bert-base-uncased', { numLabels: 2 });
const raw = await loadDataset('glue', 'sst2');
const trainer = new CustomTrainer({ model, args: new TrainingArguments('out', { num_train_epochs: 1 }), train_dataset: raw.train });
const result = await trainer.train();
const steps: number = result.globalStep;
void steps;
