// Code written from transformers' tutorials works as in Python, or fails at construction
// naming what to write instead: TrainingArguments('test-trainer'), Trainer's positional order,
// snake_case options, a CustomTrainer's compute_loss, `const [logits, labels] = evalPred`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AutoConfig, AutoModelForSequenceClassification, BertForSequenceClassification, EvalPrediction, Trainer, TrainingArguments, nn, torch } from '../../src/index.js';
import { args, syntheticDataset, tinyModel, tmp } from './trainer_helpers.js';

type Tensor = torch.Tensor;
const quiet = { report_to: 'none', log_level: 'error' } as const;

describe('TrainingArguments as in Python', () => {
  it('takes the output directory positionally, with snake_case or camelCase fields', () => {
    const a = new TrainingArguments('test-trainer');
    assert.equal(a.outputDir, 'test-trainer');
    const b = new TrainingArguments('out', { num_train_epochs: 2, per_device_train_batch_size: 4, evalStrategy: 'epoch' });
    assert.deepEqual([b.outputDir, b.numTrainEpochs, b.perDeviceTrainBatchSize, b.evalStrategy], ['out', 2, 4, 'epoch']);
    const c = new TrainingArguments({ output_dir: 'x', learning_rate: 1e-4 });
    assert.deepEqual([c.outputDir, c.learningRate], ['x', 1e-4]);
    assert.equal(c.with({ learning_rate: 3e-4 }).learningRate, 3e-4);
  });

  it('names the real field for a misspelt one, and refuses one given twice', () => {
    assert.throws(() => new TrainingArguments('o', { num_train_epoch: 2 } as never), /unknown argument 'num_train_epoch'\. Did you mean num_train_epochs/);
    assert.throws(() => new TrainingArguments({ outputDir: 'o', output_dir: 'p' }), /output_dir is given twice/);
    assert.throws(() => new TrainingArguments(42 as never), /expected the output directory \(a string\) or an options object/);
  });
});

describe('fromPretrained options in snake_case', () => {
  it('AutoConfig takes num_labels as numLabels', async () => {
    const config = await AutoConfig.fromPretrained('../shared/configs/bert-tiny', { num_labels: 3 });
    assert.equal(config.numLabels, 3);
  });

  it('a model takes num_labels and ignore_mismatched_sizes (a new 5-way head on a 2-way checkpoint)', async () => {
    const dir = '../shared/checkpoints/tiny-bert-seqcls-hf4.30';
    await assert.rejects(AutoModelForSequenceClassification.fromPretrained(dir, { num_labels: 5 }), /size mismatch|ignoreMismatchedSizes/i);
    const model = await AutoModelForSequenceClassification.fromPretrained(dir, { num_labels: 5, ignore_mismatched_sizes: true });
    assert.deepEqual((model as unknown as { classifier: nn.Linear }).classifier.weight.shape[0], 5);
  });
});

describe('Trainer as in Python', () => {
  it('takes transformers\' positional order (model, args, data_collator, train_dataset, eval_dataset, …)', () => {
    const model = tinyModel();
    const a = args(tmp('positional'));
    const train = syntheticDataset(16);
    const evalDs = syntheticDataset(8, 2);
    const metrics = () => ({ x: 1 });
    const t = new Trainer(model, a, null, train, evalDs, null, null, null, metrics);
    assert.equal(t.model, model);
    assert.equal(t.args, a);
    assert.equal(t.trainDataset, train);
    assert.equal(t.evalDataset, evalDs);
    assert.equal(t.computeMetrics, metrics);
    assert.throws(() => new Trainer(model, { outputDir: 'x' } as never), /second positional argument must be a TrainingArguments/);
  });

  it('accepts snake_case options and rejects unknown ones, naming the closest', () => {
    const train = syntheticDataset(16);
    const t = new Trainer({ model: tinyModel(), args: new TrainingArguments('o', quiet), train_dataset: train, compute_metrics: () => ({}) });
    assert.equal(t.trainDataset, train);
    assert.equal(typeof t.computeMetrics, 'function');
    assert.throws(() => new Trainer({ model: tinyModel(), train_datasets: train } as never), /unknown option 'train_datasets'\. Did you mean train_dataset\?/);
    assert.throws(() => new Trainer({ model: tinyModel(), evalDatset: train } as never), /Did you mean evalDataset\?/);
    assert.throws(() => new Trainer({ model: tinyModel(), model_init: () => tinyModel() } as never), /model_init is not supported by finetune; pass the model itself/);
  });

  it('refuses a subclass that overrides compute_loss (Python\'s name), naming computeLoss', () => {
    class CustomTrainer extends Trainer {
      compute_loss(): Tensor {
        throw new Error('never called');
      }
    }
    assert.throws(() => new CustomTrainer({ model: tinyModel(), args: args(tmp('snake')) }), /CustomTrainer defines compute_loss, the Python name, which finetune never calls; rename it to computeLoss\(model, inputs, returnOutputs\)/);
    class Deeper extends CustomTrainer {}
    assert.throws(() => new Deeper({ model: tinyModel() }), /CustomTrainer defines compute_loss/);
    class Stepper extends Trainer {
      prediction_step(): void {}
    }
    assert.throws(() => new Stepper({ model: tinyModel() }), /rename it to predictionStep/);
  });

  it('refuses training_step and compute_metrics methods too, each naming its camelCase method', () => {
    class TrainingStepper extends Trainer {
      training_step(): void {}
    }
    assert.throws(() => new TrainingStepper({ model: tinyModel() }), /TrainingStepper defines training_step, the Python name, which finetune never calls; rename it to trainingStep\(model, inputs\)/);
    class Metered extends Trainer {
      compute_metrics(): void {}
    }
    assert.throws(() => new Metered({ model: tinyModel() }), /Metered defines compute_metrics, the Python name, which finetune never calls; rename it to computeMetrics\(evalPrediction\)/);
  });

  it('calls a camelCase computeLoss override with class weights, and its predictionStep override', async () => {
    const weights: Tensor[] = [];
    let predictionSteps = 0;
    class WeightedTrainer extends Trainer<BertForSequenceClassification> {
      override computeLoss(model: BertForSequenceClassification, inputs: Record<string, unknown>, returnOutputs = false): Tensor | [Tensor, unknown] {
        const { labels, ...rest } = inputs;
        const outputs = model.forward(rest);
        const weight = torch.tensor([1.0, 3.0], { dtype: 'float32' });
        weights.push(weight);
        const loss = nn.functional.crossEntropy(outputs.logits, labels as Tensor, { weight });
        return returnOutputs ? [loss, outputs] : loss;
      }
      override predictionStep(model: nn.Module, inputs: Record<string, unknown>, lossOnly: boolean): [number | null, Tensor | null, Tensor | null] {
        predictionSteps++;
        return super.predictionStep(model, inputs, lossOnly);
      }
    }
    const trainer = new WeightedTrainer({ model: tinyModel(), args: args(tmp('weighted'), { maxSteps: 2 }), trainDataset: syntheticDataset(16), evalDataset: syntheticDataset(8, 2) });
    await trainer.train();
    assert.equal(weights.length, 2);
    await trainer.evaluate();
    assert.equal(predictionSteps, 1);
  });

  it('uses compute_loss_func for the loss, as transformers 4.46 does', async () => {
    const seen: string[] = [];
    const trainer = new Trainer({
      model: tinyModel(), args: args(tmp('loss-func'), { maxSteps: 1 }), trainDataset: syntheticDataset(8),
      compute_loss_func: (outputs, labels) => {
        seen.push(Object.keys(outputs as object).join(','));
        return nn.functional.crossEntropy((outputs as { logits: Tensor }).logits, labels);
      },
    });
    await trainer.train();
    assert.deepEqual(seen, ['logits']); // the model ran without labels, so it made no loss of its own
  });

  it('hands computeMetrics an EvalPrediction that destructures as [logits, labels]', async () => {
    let shapes: number[][] = [];
    const trainer = new Trainer({
      model: tinyModel(), args: args(tmp('evalpred')), evalDataset: syntheticDataset(8, 2),
      computeMetrics: (evalPred) => {
        const [logits, labels] = evalPred;
        shapes = [logits!.shape, labels!.shape];
        return {};
      },
    });
    await trainer.evaluate();
    assert.deepEqual(shapes, [[8, 2], [8]]);
    const p = new EvalPrediction(torch.zeros([2, 2]), torch.tensor([0, 1]));
    assert.equal([...p].length, 2);
  });
});
