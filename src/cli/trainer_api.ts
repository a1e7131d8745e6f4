// The CLI's link to the library's Trainer (src/trainer/trainer.ts): the options run_glue.py
// passes it, typed here so that a change in the Trainer's API fails the type check.
import type { Tensor } from '../engine/tensor.js';
import type { Dataset } from '../datasets/dataset.js';
import type { AutoSequenceClassificationModel } from '../models/auto.js';
import type { PreTrainedTokenizerFast } from '../tokenizers/tokenizer.js';
import { Trainer, type TrainerOptions } from '../trainer/trainer.js';
import type { TrainingArguments } from '../trainer/training_args.js';

export type Metrics = Record<string, number>;

export interface TrainerInit {
  model: AutoSequenceClassificationModel;
  args: TrainingArguments;
  trainDataset?: Dataset;
  evalDataset?: Dataset;
  dataCollator: TrainerOptions['dataCollator'];
  tokenizer: PreTrainedTokenizerFast;
  computeMetrics: (p: { predictions: Tensor; labelIds: Tensor | null }) => Metrics;
}

export function createTrainer(init: TrainerInit): Trainer {
  return new Trainer({
    model: init.model,
    args: init.args,
    trainDataset: init.trainDataset ?? null,
    evalDataset: init.evalDataset ?? null,
    dataCollator: init.dataCollator,
    tokenizer: init.tokenizer,
    computeMetrics: init.computeMetrics,
  });
}
