// The training loop itself (Hugging Face's _inner_training_loop), for one process:
//
//   for each epoch:                          the sampler reshuffles from (seed, epoch)
//     for each batch:                        forward + backward, gradients accumulate
//       every gradientAccumulationSteps:     clip, optimizer.step, scheduler.step, zero grads
//         log / evaluate / save as the strategies say (DefaultFlowCallback decides)
//
// Resuming restores model, optimizer, scheduler, trainer state and the RNG, then skips the
// batches already seen in the current epoch, so the run continues exactly where it stopped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { DataLoader } from '../data/dataloader.js';
import { Dataset } from '../datasets/dataset.js';
import { TrainerState } from './trainer_state.js';
import { datasetLength } from './trainer_setup.js';
import type { Trainer } from './trainer.js';
import type { TrainOutput } from './trainer_utils.js';
import { speedMetrics, toDevice } from './trainer_utils.js';

/** The DataLoader's batches from position `skip` on (the order is the sampler's for the current epoch). */
async function* batchesFrom(loader: DataLoader<Record<string, unknown>>, skip: number): AsyncGenerator<Record<string, unknown>> {
  let i = 0;
  for (const indices of loader.batchSampler) {
    if (i++ < skip) continue;
    const ds = loader.dataset;
    const rows = ds instanceof Dataset ? ds.getRows(indices) : indices.map((k) => (ds as unknown as Record<number, never>)[k]);
    yield (await loader.collateFn(rows)) as Record<string, unknown>;
  }
}

/** Lets pending signals (Ctrl-C) run: the loop's awaits are microtasks, which never yield to them. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function runTrainingLoop(trainer: Trainer, resume: string | null): Promise<TrainOutput> {
  const { args } = trainer;
  const loader = trainer.getTrainDataloader();
  trainer.callbackHandler.trainDataloader = loader;
  const gas = args.gradientAccumulationSteps;
  const lenDataloader = loader.length;
  if (lenDataloader === 0) throw new Error('Trainer: the training dataloader has no batches (dataset smaller than the batch size with dataloaderDropLast?)');
  // the last, shorter group of an epoch still makes an update, so an epoch has ceil(batches / gas) updates
  const updatesPerEpoch = Math.max(Math.ceil(lenDataloader / gas), 1);
  const numExamples = datasetLength(trainer.trainDataset!);
  let maxSteps: number;
  let numTrainEpochs: number;
  if (args.maxSteps > 0) {
    maxSteps = args.maxSteps;
    numTrainEpochs = Math.ceil(maxSteps / updatesPerEpoch);
  } else {
    maxSteps = Math.ceil(args.numTrainEpochs * updatesPerEpoch);
    numTrainEpochs = Math.ceil(args.numTrainEpochs);
  }

  trainer.state = new TrainerState({ trainBatchSize: args.trainBatchSize });
  trainer.state.isHyperParamSearch = false;
  trainer.state.computeSteps(args, maxSteps);
  trainer.createOptimizerAndScheduler(maxSteps);
  trainer.state.initTrainingReferences(maxSteps, numTrainEpochs);

  let epochsTrained = 0;
  let stepsTrainedInEpoch = 0;
  if (resume) {
    if (!existsSync(join(resume, 'trainer_state.json'))) throw new Error(`Can't find a valid checkpoint at ${resume}`);
    const saved = trainer.loadCheckpointState(resume);
    Object.assign(trainer.state, { globalStep: saved.globalStep, logHistory: saved.logHistory, bestMetric: saved.bestMetric, bestModelCheckpoint: saved.bestModelCheckpoint, totalFlos: saved.totalFlos, epoch: saved.epoch, numInputTokensSeen: saved.numInputTokensSeen });
    trainer.state.computeSteps(args, maxSteps);
    epochsTrained = Math.floor(saved.globalStep / updatesPerEpoch);
    // ignoreDataSkip: start the epoch's batches from the beginning instead of skipping those seen
    stepsTrainedInEpoch = args.ignoreDataSkip ? 0 : (saved.globalStep % updatesPerEpoch) * gas;
    trainer.info('  Continuing training from checkpoint, will skip to saved global_step');
    trainer.info(`  Continuing training from epoch ${epochsTrained}`);
    trainer.info(`  Continuing training from global step ${saved.globalStep}`);
    if (stepsTrainedInEpoch) trainer.info(`  Will skip the first ${epochsTrained} epochs then the first ${stepsTrainedInEpoch} batches in the first epoch.`);
  }
  for (const line of trainer.trainingHeader(numExamples, numTrainEpochs, maxSteps)) trainer.info(line);

  const start = performance.now();
  trainer.computeSeconds = 0;
  const loop = { trLoss: 0, totalLoss: 0, lastLoggedStep: trainer.state.globalStep, gradNorm: null as number | null };
  const startStep = trainer.state.globalStep;
  trainer.state.epoch = trainer.state.epoch ?? 0;
  trainer.model.zeroGrad();
  trainer.control = await trainer.callbackHandler.onTrainBegin(args, trainer.state, trainer.control);
  // a sanity check of the evaluation set-up before any training time is spent
  if (args.evalOnStart && !resume) await trainer.evaluate();

  trainer.interrupted = false;
  const onSigint = () => {
    if (trainer.interrupted) process.exit(130); // a second Ctrl-C: stop now
    trainer.interrupted = true;
    process.stderr.write('\nInterrupted: saving a checkpoint after this step (Ctrl-C again to quit without saving)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    if (resume) trainer.restoreRng(resume);
    for (let epoch = epochsTrained; epoch < numTrainEpochs; epoch++) {
      loader.setEpoch(epoch);
      const skip = epoch === epochsTrained ? stepsTrainedInEpoch : 0;
      trainer.control = await trainer.callbackHandler.onEpochBegin(args, trainer.state, trainer.control);
      let step = skip - 1;
      for await (const raw of batchesFrom(loader, skip)) {
        step++;
        const inputs = toDevice(raw, trainer.device);
        if (step % gas === 0) trainer.control = await trainer.callbackHandler.onStepBegin(args, trainer.state, trainer.control);
        const t0 = performance.now();
        const loss = trainer.trainingStep(trainer.model, inputs);
        trainer.computeSeconds += (performance.now() - t0) / 1000;
        if (!Number.isFinite(loss)) {
          torch.dispose(raw);
          throw new Error(`Training stopped: the loss is ${loss} at step ${trainer.state.globalStep + 1} (epoch ${epoch + (step + 1) / lenDataloader}). Lower the learning rate, check the inputs and labels, or enable gradient clipping (maxGradNorm).`);
        }
        loop.trLoss += loss;
        trainer.state.totalFlos += trainer.floatingPointOps(inputs);
        if (args.includeNumInputTokensSeen) trainer.state.numInputTokensSeen += (inputs.attention_mask as torch.Tensor | undefined)?.sum().item() ?? 0;
        torch.dispose(raw);
        if (inputs !== raw) torch.dispose(inputs);

        const lastOfEpoch = step + 1 === lenDataloader;
        if ((step + 1) % gas === 0 || lastOfEpoch) {
          const t1 = performance.now();
          loop.gradNorm = trainer.clipGradients();
          trainer.control = await trainer.callbackHandler.onPreOptimizerStep(args, trainer.state, trainer.control);
          trainer.optimizer!.step();
          trainer.control = await trainer.callbackHandler.onOptimizerStep(args, trainer.state, trainer.control);
          trainer.lrScheduler!.step();
          trainer.model.zeroGrad();
          trainer.computeSeconds += (performance.now() - t1) / 1000;
          trainer.state.globalStep += 1;
          trainer.state.epoch = epoch + (step + 1) / lenDataloader;
          trainer.control = await trainer.callbackHandler.onStepEnd(args, trainer.state, trainer.control);
          await trainer.maybeLogSaveEvaluate(loop);
          await yieldToEventLoop();
          if (trainer.interrupted) {
            const saved = await trainer.saveCheckpoint(null);
            process.removeListener('SIGINT', onSigint);
            process.stderr.write(`Saved ${saved}; resume with train({ resumeFromCheckpoint: '${saved}' })\n`);
            // exit as Ctrl-C would have, now that the checkpoint is on disk
            process.kill(process.pid, 'SIGINT');
            await new Promise(() => {});
          }
        } else {
          trainer.control = await trainer.callbackHandler.onSubstepEnd(args, trainer.state, trainer.control);
        }
        if (trainer.control.shouldEpochStop || trainer.control.shouldTrainingStop) break;
      }
      trainer.control = await trainer.callbackHandler.onEpochEnd(args, trainer.state, trainer.control);
      await trainer.maybeLogSaveEvaluate(loop);
      if (trainer.control.shouldTrainingStop) break;
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }

  if (args.loadBestModelAtEnd && trainer.state.bestModelCheckpoint) trainer.loadBestModel();
  loop.totalLoss += loop.trLoss;
  const stepsRun = Math.max(trainer.state.globalStep - startStep, 0.001);
  const trainLoss = loop.totalLoss / stepsRun;
  const numSamples = args.maxSteps > 0 ? maxSteps * args.trainBatchSize * gas : numExamples * args.numTrainEpochs;
  const metrics = { ...speedMetrics('train', start, numSamples, maxSteps), total_flos: trainer.state.totalFlos, train_loss: trainLoss };
  await trainer.log(metrics);
  trainer.control = await trainer.callbackHandler.onTrainEnd(args, trainer.state, trainer.control);
  trainer.saveState();
  trainer.writeCurves();
  return { globalStep: trainer.state.globalStep, trainingLoss: trainLoss, metrics };
}
