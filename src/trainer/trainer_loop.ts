// The pieces of the training loop that need no Trainer (the loop itself is
// Trainer.innerTrainingLoop): how many updates a run makes, where a resumed run picks up,
// the batches from a position on, and Ctrl-C turned into a request to stop after the step.
import type { DataLoader } from '../data/dataloader.js';
import type { TrainingArguments } from './training_args.js';

export interface TrainingPlan {
  /** Optimizer updates per epoch: the last, shorter accumulation group of an epoch still makes one. */
  updatesPerEpoch: number;
  maxSteps: number;
  numTrainEpochs: number;
}

/** Hugging Face's set_initial_training_values: maxSteps wins over numTrainEpochs when set. */
export function trainingPlan(args: TrainingArguments, batchesPerEpoch: number): TrainingPlan {
  if (batchesPerEpoch === 0) throw new Error('Trainer: the training dataloader has no batches (dataset smaller than the batch size with dataloaderDropLast?)');
  const updatesPerEpoch = Math.max(Math.ceil(batchesPerEpoch / args.gradientAccumulationSteps), 1);
  if (args.maxSteps > 0) return { updatesPerEpoch, maxSteps: args.maxSteps, numTrainEpochs: Math.ceil(args.maxSteps / updatesPerEpoch) };
  return { updatesPerEpoch, maxSteps: Math.ceil(args.numTrainEpochs * updatesPerEpoch), numTrainEpochs: Math.ceil(args.numTrainEpochs) };
}

export interface ResumePoint {
  epochsTrained: number;
  /** Batches of the current epoch already seen (skipped unless ignoreDataSkip). */
  batchesToSkip: number;
}

export function resumePoint(globalStep: number, plan: TrainingPlan, args: TrainingArguments): ResumePoint {
  const epochsTrained = Math.floor(globalStep / plan.updatesPerEpoch);
  const batchesToSkip = args.ignoreDataSkip ? 0 : (globalStep % plan.updatesPerEpoch) * args.gradientAccumulationSteps;
  return { epochsTrained, batchesToSkip };
}

/** The DataLoader's batches from position `skip` on (the order is the sampler's for the current epoch). */
export async function* batchesFrom(loader: DataLoader<Record<string, unknown>>, skip: number): AsyncGenerator<Record<string, unknown>> {
  let i = 0;
  for (const indices of loader.batchIndices()) {
    if (i++ < skip) continue;
    yield (await loader.collateFn(loader.fetch(indices))) as Record<string, unknown>;
  }
}

/** Lets pending signals (Ctrl-C) run: the loop's awaits are microtasks, which never yield to them. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The first Ctrl-C during training asks the loop to save a checkpoint after the current step
 * and return; the handler then removes itself, so a second Ctrl-C gets Node's default (the
 * process ends). The library never exits the process itself: the caller decides.
 */
export class InterruptWatch {
  requested = false;
  private readonly onSigint = () => {
    this.requested = true;
    this.stop();
    process.stderr.write('\nInterrupted: saving a checkpoint after this step (Ctrl-C again to quit without saving)\n');
  };

  start(): this {
    this.requested = false;
    process.on('SIGINT', this.onSigint);
    return this;
  }

  stop(): void {
    process.removeListener('SIGINT', this.onSigint);
  }
}

/** The running sums behind the logged loss: since the last log, over the whole run, and the last gradient norm. */
export interface LossTracker {
  trLoss: number;
  totalLoss: number;
  lastLoggedStep: number;
  gradNorm: number | null;
}

/**
 * transformers' get_batch_samples: the batches of one gradient-accumulation group are read
 * together so that num_items_in_batch — the label tokens of the whole group (labels[..., 1:]
 * for models whose loss shifts them) — is known before the first of them runs. Yields each
 * batch with that count, or null when the model does not take it (count is null).
 */
export async function* withNumItemsInBatch(batches: AsyncGenerator<Record<string, unknown>>, groupSize: number,
  count: ((batch: Record<string, unknown>) => number | null) | null): AsyncGenerator<[Record<string, unknown>, number | null]> {
  if (!count) {
    for await (const batch of batches) yield [batch, null];
    return;
  }
  let group: Record<string, unknown>[] = [];
  const flush = function* (): Generator<[Record<string, unknown>, number | null]> {
    const counts = group.map(count);
    const total = counts.some((c) => c === null) ? null : (counts as number[]).reduce((a, b) => a + b, 0);
    for (const batch of group) yield [batch, total];
    group = [];
  };
  for await (const batch of batches) {
    group.push(batch);
    if (group.length === groupSize) yield* flush();
  }
  if (group.length > 0) yield* flush();
}
