// What the Trainer builds before the loop: the data loaders (columns the model does not take
// removed, the default collator, a seeded sampler) and AdamW with Hugging Face's decay
// grouping plus the scheduler the arguments name.
import { DataLoader } from '../data/dataloader.js';
import { lengthOf, type Dataset as MapDataset } from '../data/dataset.js';
import { DataCollatorWithPadding, defaultDataCollator } from '../data/collators.js';
import type { CollatorTokenizer } from '../data/collators.js';
import { LengthGroupedSampler, RandomSampler, SequentialSampler } from '../data/samplers.js';
import type { Sampler } from '../data/samplers.js';
import { Dataset, type Row } from '../datasets/dataset.js';
import type { Tensor } from '../engine/tensor.js';
import type { Module } from '../nn/module.js';
import { AdamW } from '../optim/adamw.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import { getScheduler, type LambdaLR } from '../optim/schedulers.js';
import { SGD } from '../optim/sgd.js';
import type { TrainingArguments } from './training_args.js';
import type { OptimizerName } from './training_args_fields.js';
import { decayParameterNames, modelLabelNames, signatureColumns } from './trainer_utils.js';

/** A dataset the Trainer can read: a Dataset, a data.Dataset subclass, or anything indexable with a length. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TrainerDataset = Dataset | MapDataset<any> | { readonly length: number; [index: number]: Row };
export type Collator = (examples: Row[]) => unknown;

export function datasetLength(ds: TrainerDataset): number {
  return ds instanceof Dataset ? ds.numRows : lengthOf('Trainer', ds);
}

/** DataCollatorWithPadding when there is a tokenizer (dynamic padding), else default_data_collator. */
export function defaultCollatorFor(tokenizer: unknown): Collator {
  const t = tokenizer as Partial<CollatorTokenizer> | null | undefined;
  if (t && typeof t.pad === 'function') return new DataCollatorWithPadding({ tokenizer: t as CollatorTokenizer });
  return defaultDataCollator;
}

/** Hugging Face's _remove_unused_columns: drop what forward() does not take (strings, idx, …). */
export function removeUnusedColumns(ds: TrainerDataset, model: unknown, args: TrainingArguments, description: string): TrainerDataset {
  if (!args.removeUnusedColumns || !(ds instanceof Dataset)) return ds;
  const signature = signatureColumns(model, args.labelNames ?? modelLabelNames(model));
  if (!signature) return ds; // the model declares no forwardInputNames: it gets every column
  const keep = new Set(signature);
  const ignored = ds.columnNames.filter((c) => !keep.has(c));
  if (ignored.length === ds.columnNames.length) {
    throw new Error(`No columns in the dataset match the model's forward method signature (${[...keep].join(', ')}). The following columns have been ignored: [${ignored.join(', ')}]. Please check the dataset and model. You may need to set \`removeUnusedColumns: false\` in TrainingArguments.`);
  }
  return ignored.length ? ds.removeColumns(ignored) : ds;
}

/** The training order: a fresh permutation each epoch from dataSeed (or seed), or length-grouped. */
export function trainSampler(ds: TrainerDataset, args: TrainingArguments): Sampler {
  const seed = args.dataSeed ?? args.seed;
  if (args.groupByLength) {
    if (ds instanceof Dataset) {
      const name = ds.columnNames.includes(args.lengthColumnName) ? args.lengthColumnName : null;
      // no seed: the order comes from torch's global generator, which the Trainer seeded with
      // args.seed, as transformers' Trainer builds its LengthGroupedSampler (data_seed unused there)
      return name
        ? new LengthGroupedSampler(args.trainBatchSize * args.gradientAccumulationSteps, { lengths: ds.column(name) as number[] })
        : new LengthGroupedSampler(args.trainBatchSize * args.gradientAccumulationSteps, { dataset: ds as never });
    }
    throw new Error('groupByLength needs a Dataset with an input_ids (or length) column');
  }
  return new RandomSampler(datasetLength(ds), { seed });
}

export function makeTrainLoader(ds: TrainerDataset, args: TrainingArguments, collate: Collator): DataLoader<Record<string, unknown>> {
  return new DataLoader(ds, { batchSize: args.trainBatchSize, sampler: trainSampler(ds, args), dropLast: args.dataloaderDropLast, collateFn: collate as never });
}

export function makeEvalLoader(ds: TrainerDataset, args: TrainingArguments, collate: Collator): DataLoader<Record<string, unknown>> {
  return new DataLoader(ds, { batchSize: args.evalBatchSize, sampler: new SequentialSampler(datasetLength(ds)), dropLast: args.dataloaderDropLast, collateFn: collate as never });
}

type Groups = { params: Tensor[]; weightDecay: number }[];
const adamw = (groups: Groups, args: TrainingArguments) => new AdamW(groups, { lr: args.learningRate, betas: [args.adamBeta1, args.adamBeta2], eps: args.adamEpsilon });

/** The optimizer each `optim` name builds; one entry per OPTIMIZER_NAMES value, checked by the compiler. */
const OPTIMIZERS: Record<OptimizerName, (groups: Groups, args: TrainingArguments) => Optimizer<ParamGroup>> = {
  adamw_torch: adamw,
  adamw_torch_fused: adamw, // one fused native update already
  adamw_hf: adamw,
  sgd: (groups, args) => new SGD(groups, { lr: args.learningRate }),
};

/** AdamW (or SGD) over two groups: weights that decay, and biases/LayerNorm weights that do not. */
export function createOptimizer(model: Module, args: TrainingArguments): Optimizer<ParamGroup> {
  const decay = decayParameterNames(model);
  const named = [...model.namedParameters()].filter(([, p]) => p.requiresGrad);
  const groups = [
    { params: named.filter(([n]) => decay.has(n)).map(([, p]) => p), weightDecay: args.weightDecay },
    { params: named.filter(([n]) => !decay.has(n)).map(([, p]) => p), weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
  return OPTIMIZERS[args.optim](groups, args);
}

export function createScheduler(optimizer: Optimizer<ParamGroup>, args: TrainingArguments, numTrainingSteps: number): LambdaLR {
  const kw = args.lrSchedulerKwargs as Record<string, number>;
  return getScheduler(args.lrSchedulerType, optimizer, {
    numWarmupSteps: args.getWarmupSteps(numTrainingSteps),
    numTrainingSteps,
    schedulerSpecificKwargs: { numCycles: kw.num_cycles ?? kw.numCycles, lrEnd: kw.lr_end ?? kw.lrEnd, power: kw.power, timescale: kw.timescale },
  });
}
