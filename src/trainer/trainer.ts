// Hugging Face's Trainer: new Trainer({ model, args, trainDataset, … }).train() runs the
// training loop (gradient accumulation, clipping, the scheduler, mixed precision), logs every
// loggingSteps, evaluates and saves as the strategies say, keeps the best checkpoint, and
// reports metrics under Hugging Face's names. Everything that depends on the number of
// processes or on precision goes through this.accelerator; the loop is innerTrainingLoop(),
// which a subclass may override like any other step. Evaluation, checkpoints and setup live
// in trainer_eval.ts, trainer_checkpoint.ts and trainer_setup.ts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Accelerator } from '../accelerate/accelerator.js';
import { writeFileAtomic } from '../util/atomic.js';
import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DataLoader } from '../data/dataloader.js';
import type { Module } from '../nn/module.js';
import type { AutoBaseModel, AutoSequenceClassificationModel } from '../models/auto.js';
import { crossEntropy } from '../nn/functional.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { CallbackHandler, DefaultFlowCallback, PrinterCallback, TrainerCallback } from './callbacks.js';
import { writeLossPlot } from './plot.js';
import { ProgressCallback } from './progress.js';
import { getReportingIntegrationCallbacks } from './reporting.js';
import { TrainerControl, TrainerState, type ExportableState, type LogEntry } from './trainer_state.js';
import { TrainingArguments } from './training_args.js';
import { type CheckpointParts, isUsableCheckpoint, lastCheckpoint, loadModelFrom, loadTrainerState, rotateCheckpoints, saveCheckpoint, saveModelTo } from './trainer_checkpoint.js';
import { evaluationLoop, logitsOf, predictionStep } from './trainer_eval.js';
import { batchesFrom, withNumItemsInBatch, InterruptWatch, resumePoint, trainingPlan, yieldToEventLoop, type LossTracker } from './trainer_loop.js';
import * as setup from './trainer_setup.js';
import type { Collator, TrainerDataset } from './trainer_setup.js';
import { checkOverrideNames, trainerOptionsFrom, type TrainerInit, type TrainerModel, type TrainerOptions } from './trainer_options.js';
import { EvalTable, floatingPointOps, modelLabelNames, recordBestMetric, round, speedMetrics, toDevice, trainingHeader } from './trainer_utils.js';
import type { EvalPrediction, Metrics, PredictionOutput, TrainOutput } from './trainer_utils.js';

type CallbackLike = TrainerCallback | (new () => TrainerCallback);

/** The loss out of computeLoss's result (the loss, or [loss, outputs]). */
export function lossOf(result: Tensor | readonly [Tensor, unknown], where: string): Tensor {
  const loss = Array.isArray(result) ? result[0] : result;
  if (!(loss instanceof torch.Tensor)) throw new TypeError(`${where} must return the loss tensor, or [loss, outputs] when returnOutputs is true; got ${loss === null ? 'null' : typeof loss}`);
  return loss as Tensor;
}
export type { TrainerOptions, TrainerInit, TrainerSnakeOptions } from './trainer_options.js';

/**
 * M is the model type computeLoss receives: `class WeightedTrainer extends
 * Trainer<BertForSequenceClassification>` types `model.forward(inputs).logits` in an override.
 */
export class Trainer<M = TrainerModel> {
  model: Module;
  /** The model as the accelerator prepared it (wrapped for gradient sync in several processes). */
  modelWrapped: Module;
  args: TrainingArguments;
  accelerator: Accelerator;
  dataCollator: Collator;
  trainDataset: TrainerDataset | null;
  evalDataset: TrainerDataset | null;
  processingClass: unknown;
  computeMetrics: TrainerOptions['computeMetrics'];
  optimizer: Optimizer<ParamGroup> | null;
  lrScheduler: LambdaLR | null;
  callbackHandler: CallbackHandler;
  state = new TrainerState();
  control = new TrainerControl();
  labelNames: string[];
  /** Seconds spent in forward/backward/optimizer during the last train() (bench: the rest is overhead). */
  computeSeconds = 0;
  /** A checkpoint whose generator state the first batch of a resumed epoch restores. */
  private rngToRestore: string | null = null;
  protected evalTable: EvalTable | null = null;
  protected lastLoggedLoss: number | null = null;
  /** FLOPs of this process since the last storeFlos(). */
  protected currentFlos = 0;

  computeLossFunc: TrainerOptions['computeLossFunc'];

  /**
   * `new Trainer({ model, args, trainDataset, … })` (snake_case names accepted), or
   * transformers' positional order: `new Trainer(model, args, dataCollator, trainDataset, …)`.
   */
  constructor(options: TrainerInit);
  constructor(model: TrainerModel, args?: TrainingArguments | null, dataCollator?: Collator | null, trainDataset?: TrainerDataset | null, evalDataset?: TrainerDataset | null, processingClass?: unknown, modelInit?: null, computeLossFunc?: TrainerOptions['computeLossFunc'], computeMetrics?: TrainerOptions['computeMetrics'], callbacks?: CallbackLike[] | null, optimizers?: TrainerOptions['optimizers']);
  constructor(...given: unknown[]) {
    checkOverrideNames(this, Trainer.prototype);
    const options = trainerOptionsFrom(given);
    if (!options.model) throw new Error('Trainer requires either a model or a model_init argument');
    this.args = options.args ?? new TrainingArguments({ outputDir: 'tmp_trainer' });
    // as Hugging Face's __init__: seeds dropout and any later initialisation the same way each run
    torch.manualSeed(this.args.seed);
    this.accelerator = this.createAccelerator();
    this.model = options.model as Module;
    this.modelWrapped = this.accelerator.prepareModel(this.model);
    this.processingClass = options.processingClass ?? options.tokenizer ?? null;
    this.dataCollator = options.dataCollator ?? setup.defaultCollatorFor(this.processingClass);
    this.trainDataset = options.trainDataset ?? null;
    this.evalDataset = options.evalDataset ?? null;
    this.computeMetrics = options.computeMetrics ?? null;
    this.computeLossFunc = options.computeLossFunc ?? null;
    [this.optimizer, this.lrScheduler] = options.optimizers ?? [null, null];
    this.labelNames = this.args.labelNames ?? modelLabelNames(this.model);
    // a dataset without a length fails here, not when train() or evaluate() reaches it
    if (this.evalDataset) setup.datasetLength(this.evalDataset);
    const trainLength = this.trainDataset ? setup.datasetLength(this.trainDataset) : null;
    if (this.args.maxSteps <= 0 && trainLength === 0) throw new Error('Trainer: the training dataset is empty');
    const callbacks: CallbackLike[] = [DefaultFlowCallback, ...getReportingIntegrationCallbacks(this.args.reportTo), ...(options.callbacks ?? [])];
    this.callbackHandler = new CallbackHandler(callbacks, { model: this.model, processingClass: this.processingClass, optimizer: this.optimizer, lrScheduler: this.lrScheduler });
    this.callbackHandler.addCallback(this.args.disableTqdm ? PrinterCallback : ProgressCallback);
    void this.callbackHandler.onInitEnd(this.args, this.state, this.control);
  }

  /** The seam for processes and precision (Hugging Face's create_accelerator_and_postprocess). */
  protected createAccelerator(): Accelerator {
    // the Trainer divides the loss by gradientAccumulationSteps itself, so the accelerator must not
    const mixedPrecision = this.args.bf16 ? 'bf16' : this.args.fp16 ? 'fp16' : 'no';
    return new Accelerator({ mixedPrecision, cpu: this.args.useCpu });
  }

  get device(): string {
    return this.accelerator.device;
  }

  /** Alias of processingClass, as the deprecated `trainer.tokenizer`. */
  get tokenizer(): unknown {
    return this.processingClass;
  }

  addCallback(callback: CallbackLike): void {
    this.callbackHandler.addCallback(callback);
  }
  popCallback(callback: CallbackLike): TrainerCallback | undefined {
    return this.callbackHandler.popCallback(callback);
  }
  removeCallback(callback: CallbackLike): void {
    this.callbackHandler.removeCallback(callback);
  }

  /** Header and info lines, from the main process; quiet when logLevel asks for warnings or less. */
  info(line: string): void {
    if (this.accelerator.isMainProcess && !['warning', 'error', 'critical'].includes(this.args.logLevel)) process.stdout.write(`${line}\n`);
  }

  // ---- building blocks a subclass may override, as in Hugging Face

  getTrainDataloader(): DataLoader<Record<string, unknown>> {
    if (!this.trainDataset) throw new Error('Trainer: training requires a trainDataset.');
    const ds = setup.removeUnusedColumns(this.trainDataset, this.model, this.args, 'training');
    return this.accelerator.prepare(setup.makeTrainLoader(ds, this.args, this.dataCollator))[0];
  }

  getEvalDataloader(evalDataset?: TrainerDataset | null): DataLoader<Record<string, unknown>> {
    const ds = evalDataset ?? this.evalDataset;
    if (!ds) throw new Error('Trainer: evaluation requires an evalDataset.');
    return this.accelerator.prepare(setup.makeEvalLoader(setup.removeUnusedColumns(ds, this.model, this.args, 'evaluation'), this.args, this.dataCollator))[0];
  }

  getTestDataloader(testDataset: TrainerDataset): DataLoader<Record<string, unknown>> {
    return this.accelerator.prepare(setup.makeEvalLoader(setup.removeUnusedColumns(testDataset, this.model, this.args, 'test'), this.args, this.dataCollator))[0];
  }

  createOptimizer(): Optimizer<ParamGroup> {
    this.optimizer ??= setup.createOptimizer(this.model, this.args);
    this.callbackHandler.optimizer = this.optimizer;
    return this.optimizer;
  }

  createScheduler(numTrainingSteps: number, optimizer?: Optimizer<ParamGroup>): LambdaLR {
    this.lrScheduler ??= setup.createScheduler(optimizer ?? this.optimizer ?? this.createOptimizer(), this.args, numTrainingSteps);
    this.callbackHandler.lrScheduler = this.lrScheduler;
    return this.lrScheduler;
  }

  createOptimizerAndScheduler(numTrainingSteps: number): void {
    this.createOptimizer();
    this.createScheduler(numTrainingSteps, this.optimizer!);
    this.accelerator.prepare(this.optimizer!, this.lrScheduler!);
  }

  /**
   * The loss of one batch. Override it for a custom loss (class weights, …): it receives the
   * collator's batch with labels and returns the loss, or [loss, outputs] when returnOutputs.
   * One signature, so an override needs no overloads or casts.
   */
  computeLoss(model: M, inputs: Record<string, unknown>, returnOutputs = false, numItemsInBatch: number | null = null): Tensor | [Tensor, unknown] {
    const eps = this.args.labelSmoothingFactor;
    const forward = (x: Record<string, unknown>) => (model as { forward(x: unknown): unknown }).forward(x);
    if (this.computeLossFunc && inputs.labels instanceof torch.Tensor) {
      // transformers' compute_loss_func: the model runs without labels, the function makes the loss
      const { labels, ...rest } = inputs;
      const outputs = forward(rest);
      const loss = this.computeLossFunc(outputs, labels as Tensor, numItemsInBatch ?? undefined);
      return returnOutputs ? [loss, outputs] : loss;
    }
    if (eps > 0 && inputs.labels instanceof torch.Tensor) {
      // Hugging Face's LabelSmoother: the model runs without labels, the smoothed cross-entropy is computed here
      const { labels, ...rest } = inputs;
      const outputs = forward(rest);
      const logits = logitsOf(outputs)!;
      const loss = crossEntropy(logits.view(-1, logits.size(-1)), (labels as Tensor).view(-1), { labelSmoothing: eps, ignoreIndex: -100 });
      return returnOutputs ? [loss, outputs] : loss;
    }
    // models that take num_items_in_batch (causal LMs) normalise by the whole accumulated batch's label tokens
    const outputs = forward(numItemsInBatch !== null && this.modelAcceptsLossKwargs() ? { ...inputs, num_items_in_batch: numItemsInBatch } : inputs);
    const loss = (outputs as { loss?: Tensor } | null)?.loss;
    if (!(loss instanceof torch.Tensor)) {
      const keys = outputs && typeof outputs === 'object' && !(outputs instanceof torch.Tensor) ? Object.keys(outputs).join(',') : typeof outputs;
      throw new Error(`The model did not return a loss from the inputs, only the following keys: ${keys}. For reference, the inputs it received are ${Object.keys(inputs).join(',')}.`);
    }
    return returnOutputs ? [loss, outputs] : loss;
  }

  /**
   * One forward/backward on one batch; returns the loss (already divided by
   * gradientAccumulationSteps) as a number. Gradients accumulate in the parameters.
   */
  trainingStep(model: Module, inputs: Record<string, unknown>, numItemsInBatch: number | null = null): number {
    model.train();
    const gas = this.args.gradientAccumulationSteps;
    return torch.tidy(() => {
      const loss = lossOf(this.accelerator.autocast(() => this.computeLoss(model as M, inputs, false, numItemsInBatch)), 'computeLoss');
      // a loss already divided by the group's label tokens is not divided again (transformers' training_step)
      const normalised = numItemsInBatch !== null && (this.modelAcceptsLossKwargs() || this.computeLossFunc);
      const scaled = gas > 1 && !normalised ? loss.div(gas) : loss;
      this.accelerator.backward(scaled);
      return scaled.item() as number;
    });
  }

  /** transformers' model_accepts_loss_kwargs: the model's forward takes num_items_in_batch. */
  protected modelAcceptsLossKwargs(): boolean {
    // a wrapper (PeftModel) declares its base model's inputs on the instance, a model class statically
    const m = this.model as unknown as { forwardInputNames?: readonly string[]; constructor: { forwardInputNames?: readonly string[] } };
    return (m.forwardInputNames ?? m.constructor.forwardInputNames)?.includes('num_items_in_batch') ?? false;
  }

  /** How get_batch_samples counts a batch's label tokens, or null when nothing uses the count. */
  protected numItemsCounter(): ((batch: Record<string, unknown>) => number | null) | null {
    if (!this.modelAcceptsLossKwargs() && !this.computeLossFunc) return null;
    const m = this.model as unknown as { lossShiftsLabels?: boolean; constructor: { lossShiftsLabels?: boolean } };
    const shifts = (m.lossShiftsLabels ?? m.constructor.lossShiftsLabels) === true;
    return (batch) => {
      const labels = batch.labels;
      if (!(labels instanceof torch.Tensor)) return null;
      return torch.tidy(() => (shifts ? labels.narrow(-1, 1, labels.size(-1) - 1) : labels).ne(-100).sum().item() as number);
    };
  }

  /** Adds epoch and step, records the entry in state.logHistory and calls the onLog hooks. */
  async log(logs: LogEntry): Promise<void> {
    if (this.state.epoch !== null) logs.epoch = this.state.epoch;
    if (this.args.includeNumInputTokensSeen) logs.num_input_tokens_seen = this.state.numInputTokensSeen;
    this.state.logHistory.push({ ...logs, step: this.state.globalStep });
    this.control = await this.callbackHandler.onLog(this.args, this.state, this.control, logs);
  }

  // ---- training

  /**
   * Trains and resolves with the result. A Ctrl-C during training saves a checkpoint after the
   * current step and resolves with `interrupted: true`; a second Ctrl-C ends the process.
   */
  async train(options: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<TrainOutput> {
    let resume = options.resumeFromCheckpoint ?? this.args.resumeFromCheckpoint ?? null;
    if (resume === true) {
      resume = lastCheckpoint(this.args.outputDir);
      if (!resume) throw new Error(`No valid checkpoint found in output directory (${this.args.outputDir})`);
    }
    if (resume === false) resume = null;
    if (resume) loadModelFrom(this.model, resume as string);
    return this.innerTrainingLoop(resume as string | null);
  }

  /**
   * Hugging Face's _inner_training_loop:
   *
   *   for each epoch:                          the sampler reshuffles from (seed, epoch)
   *     for each batch:                        forward + backward, gradients accumulate (unsynced)
   *       every gradientAccumulationSteps:     clip, optimizer.step, scheduler.step, zero grads
   *         log / evaluate / save as the strategies say (DefaultFlowCallback decides)
   *
   * Resuming restores model, optimizer, scheduler, trainer state and the RNG, then skips the
   * batches already seen in the current epoch, so the run continues exactly where it stopped.
   */
  protected async innerTrainingLoop(resume: string | null): Promise<TrainOutput> {
    const { args } = this;
    const loader = this.getTrainDataloader();
    this.callbackHandler.trainDataloader = loader;
    const plan = trainingPlan(args, loader.length);
    const numExamples = setup.datasetLength(this.trainDataset!);
    this.state = new TrainerState({ trainBatchSize: args.trainBatchSize });
    this.state.isHyperParamSearch = false;
    this.state.isWorldProcessZero = this.accelerator.isMainProcess;
    this.state.isLocalProcessZero = this.accelerator.isLocalMainProcess;
    this.state.computeSteps(args, plan.maxSteps);
    this.createOptimizerAndScheduler(plan.maxSteps);
    this.state.initTrainingReferences(plan.maxSteps, plan.numTrainEpochs);
    const start = resume ? await this.resumeTrainerState(resume, plan) : { epochsTrained: 0, batchesToSkip: 0 };
    for (const line of trainingHeader(args, numExamples, plan, this.numTrainableParameters(), this.accelerator.numProcesses)) this.info(line);

    const startTime = performance.now();
    this.computeSeconds = 0;
    this.currentFlos = 0;
    const tracker: LossTracker = { trLoss: 0, totalLoss: 0, lastLoggedStep: this.state.globalStep, gradNorm: null };
    const startStep = this.state.globalStep;
    this.state.epoch = this.state.epoch ?? 0;
    this.model.zeroGrad();
    this.control = await this.callbackHandler.onTrainBegin(args, this.state, this.control);
    // a sanity check of the evaluation set-up before any training time is spent
    if (args.evalOnStart && !resume) await this.evaluate();

    const interrupt = new InterruptWatch().start();
    let interrupted = false;
    try {
      // Mid-epoch, as transformers: the epoch's order is drawn again, its first batches skipped,
      // and the checkpoint's generator state restored once the first new batch is in hand.
      // The order is drawn from the state the epoch began with when the checkpoint recorded it
      // (finetune's checkpoints do), so a run resumed in any epoch continues the original one.
      if (resume && start.batchesToSkip > 0) {
        this.accelerator.loadEpochStartRng(resume);
        this.rngToRestore = resume;
      } else if (resume) {
        await this.accelerator.loadState(resume, { optimizer: null, scheduler: null });
      }
      for (let epoch = start.epochsTrained; epoch < plan.numTrainEpochs && !interrupted; epoch++) {
        interrupted = await this.trainEpoch(loader, epoch, epoch === start.epochsTrained ? start.batchesToSkip : 0, tracker, interrupt);
        if (interrupted) break;
        this.control = await this.callbackHandler.onEpochEnd(args, this.state, this.control);
        await this.maybeLogSaveEvaluate(tracker);
        if (this.control.shouldTrainingStop) break;
      }
    } finally {
      interrupt.stop();
    }
    if (interrupted) {
      const saved = await this.saveCheckpoint(null);
      process.stderr.write(`Saved ${saved}; resume with train({ resumeFromCheckpoint: '${saved}' })\n`);
    } else if (args.loadBestModelAtEnd && this.state.bestModelCheckpoint) {
      this.loadBestModel();
    }
    return this.finishTraining(tracker, startStep, startTime, plan.maxSteps, numExamples, interrupted);
  }

  /** Restores optimizer, scheduler and trainer state from a checkpoint; returns where to pick up. */
  protected async resumeTrainerState(dir: string, plan: ReturnType<typeof trainingPlan>): Promise<ReturnType<typeof resumePoint>> {
    const saved = loadTrainerState(dir);
    await this.accelerator.loadState(dir, { optimizer: this.optimizer, scheduler: this.lrScheduler, rng: false });
    Object.assign(this.state, { globalStep: saved.globalStep, logHistory: saved.logHistory, bestMetric: saved.bestMetric, bestModelCheckpoint: saved.bestModelCheckpoint, totalFlos: saved.totalFlos, epoch: saved.epoch, numInputTokensSeen: saved.numInputTokensSeen });
    this.state.computeSteps(this.args, plan.maxSteps);
    const point = resumePoint(saved.globalStep, plan, this.args);
    this.info('  Continuing training from checkpoint, will skip to saved global_step');
    this.info(`  Continuing training from epoch ${point.epochsTrained}`);
    this.info(`  Continuing training from global step ${saved.globalStep}`);
    if (point.batchesToSkip) this.info(`  Will skip the first ${point.epochsTrained} epochs then the first ${point.batchesToSkip} batches in the first epoch.`);
    return point;
  }

  /** One epoch from batch `skip` on; true when a Ctrl-C asked to stop. */
  protected async trainEpoch(loader: DataLoader<Record<string, unknown>>, epoch: number, skip: number, tracker: LossTracker, interrupt: InterruptWatch): Promise<boolean> {
    const { args } = this;
    const gas = args.gradientAccumulationSteps;
    const batchesPerEpoch = loader.length;
    loader.setEpoch(epoch);
    this.control = await this.callbackHandler.onEpochBegin(args, this.state, this.control);
    let step = skip - 1;
    this.accelerator.markEpochStart();
    for await (const [raw, numItemsInBatch] of withNumItemsInBatch(batchesFrom(loader, skip), gas, this.numItemsCounter())) {
      step++;
      if (this.rngToRestore) {
        await this.accelerator.loadState(this.rngToRestore, { optimizer: null, scheduler: null });
        this.rngToRestore = null;
      }
      const inputs = toDevice(raw, this.device);
      const endsGroup = (step + 1) % gas === 0 || step + 1 === batchesPerEpoch;
      if (step % gas === 0) this.control = await this.callbackHandler.onStepBegin(args, this.state, this.control);
      const t0 = performance.now();
      this.accelerator.setSyncGradients(endsGroup);
      const loss = endsGroup ? this.trainingStep(this.modelWrapped, inputs, numItemsInBatch)
        : this.accelerator.noSync(this.modelWrapped, () => this.trainingStep(this.modelWrapped, inputs, numItemsInBatch));
      this.computeSeconds += (performance.now() - t0) / 1000;
      if (!Number.isFinite(loss)) {
        torch.dispose(raw);
        throw new Error(`Training stopped: the loss is ${loss} at step ${this.state.globalStep + 1} (epoch ${epoch + (step + 1) / batchesPerEpoch}). Lower the learning rate, check the inputs and labels, or enable gradient clipping (maxGradNorm).`);
      }
      tracker.trLoss += loss;
      this.currentFlos += floatingPointOps(this.model, inputs);
      if (args.includeNumInputTokensSeen) this.state.numInputTokensSeen += (inputs.attention_mask as torch.Tensor | undefined)?.sum().item() ?? 0;
      torch.dispose(raw);
      if (inputs !== raw) torch.dispose(inputs);

      if (endsGroup) {
        await this.optimizerStep(tracker);
        this.state.epoch = epoch + (step + 1) / batchesPerEpoch;
        this.control = await this.callbackHandler.onStepEnd(args, this.state, this.control);
        await this.maybeLogSaveEvaluate(tracker);
        await yieldToEventLoop();
        if (interrupt.requested) return true;
      } else {
        this.control = await this.callbackHandler.onSubstepEnd(args, this.state, this.control);
      }
      if (this.control.shouldEpochStop || this.control.shouldTrainingStop) break;
    }
    return false;
  }

  /** Clip, optimizer and scheduler step, zeroed gradients: one update. */
  protected async optimizerStep(tracker: LossTracker): Promise<void> {
    const t1 = performance.now();
    tracker.gradNorm = this.clipGradients();
    this.control = await this.callbackHandler.onPreOptimizerStep(this.args, this.state, this.control);
    this.optimizer!.step();
    this.control = await this.callbackHandler.onOptimizerStep(this.args, this.state, this.control);
    this.lrScheduler!.step();
    this.model.zeroGrad();
    this.computeSeconds += (performance.now() - t1) / 1000;
    this.state.globalStep += 1;
  }

  protected async finishTraining(tracker: LossTracker, startStep: number, startTime: number, maxSteps: number, numExamples: number, interrupted: boolean): Promise<TrainOutput> {
    const { args } = this;
    tracker.totalLoss += this.meanOverProcesses(tracker.trLoss);
    this.storeFlos();
    const stepsRun = Math.max(this.state.globalStep - startStep, 0.001);
    const trainLoss = tracker.totalLoss / stepsRun;
    const numSamples = args.maxSteps > 0 ? maxSteps * args.trainBatchSize * args.gradientAccumulationSteps : numExamples * args.numTrainEpochs;
    const metrics = { ...speedMetrics('train', startTime, numSamples, maxSteps), total_flos: this.state.totalFlos, train_loss: trainLoss };
    await this.log(metrics);
    this.control = await this.callbackHandler.onTrainEnd(args, this.state, this.control);
    if (this.accelerator.isMainProcess) {
      this.saveState();
      this.writeCurves();
    }
    return { globalStep: this.state.globalStep, trainingLoss: trainLoss, metrics, interrupted };
  }

  /** Called by the loop after each optimisation step and at each epoch's end. */
  async maybeLogSaveEvaluate(tracker: LossTracker): Promise<void> {
    if (this.control.shouldLog && this.state.globalStep > tracker.lastLoggedStep) {
      const trLoss = this.meanOverProcesses(tracker.trLoss);
      const logs: LogEntry = { loss: round(trLoss / (this.state.globalStep - tracker.lastLoggedStep), 4) };
      if (tracker.gradNorm !== null) logs.grad_norm = tracker.gradNorm;
      logs.learning_rate = this.lrScheduler!.getLastLr()[0];
      tracker.totalLoss += trLoss;
      tracker.trLoss = 0;
      tracker.lastLoggedStep = this.state.globalStep;
      this.lastLoggedLoss = logs.loss;
      await this.log(logs);
    }
    let metrics: Metrics | null = null;
    if (this.control.shouldEvaluate) {
      metrics = await this.evaluate();
      if (this.args.evalStrategy === 'epoch') {
        this.evalTable ??= new EvalTable((l) => this.info(l));
        this.evalTable.row(this.state.epoch ?? 0, this.lastLoggedLoss, metrics);
      }
    }
    if (this.control.shouldSave) {
      await this.saveCheckpoint(metrics);
      this.control = await this.callbackHandler.onSave(this.args, this.state, this.control);
    }
  }

  /** Updates the best metric from this evaluation, writes checkpoint-<step>, rotates old ones. */
  async saveCheckpoint(metrics: Metrics | null = null): Promise<string> {
    const path = join(this.args.outputDir, `checkpoint-${this.state.globalStep}`);
    if (metrics && recordBestMetric(this.args, this.state, metrics)) this.state.bestModelCheckpoint = path;
    this.storeFlos();
    const stateful = this.callbackHandler.callbacks.filter((cb) => typeof (cb as unknown as ExportableState).state === 'function') as unknown as ExportableState[];
    this.state.statefulCallbacks = TrainerState.exportCallbacks([...stateful, this.control]);
    const saved = await saveCheckpoint({
      accelerator: this.accelerator, model: this.accelerator.unwrapModel(this.model), optimizer: this.optimizer, scheduler: this.lrScheduler,
      state: this.state, args: this.args, tokenizer: this.processingClass as CheckpointParts['tokenizer'],
    });
    if (this.accelerator.isMainProcess) rotateCheckpoints(this.args, this.state.bestModelCheckpoint);
    await this.accelerator.waitForEveryone();
    return saved;
  }

  /** Model (safetensors + config) and tokenizer files into dir (default: outputDir), from the main process. */
  async saveModel(outputDir?: string): Promise<void> {
    if (!this.accelerator.isMainProcess) return this.accelerator.waitForEveryone();
    const dir = outputDir ?? this.args.outputDir;
    await saveModelTo(this.accelerator.unwrapModel(this.model), dir);
    const tok = this.processingClass as { savePretrained?: (d: string) => Promise<unknown> } | null;
    if (tok && typeof tok.savePretrained === 'function') await tok.savePretrained(dir);
    writeFileAtomic(join(dir, 'training_args.json'), this.args.toJsonString());
    await this.accelerator.waitForEveryone();
  }

  /** Writes trainer_state.json into outputDir (Hugging Face's save_state). */
  saveState(): void {
    mkdirSync(this.args.outputDir, { recursive: true });
    this.state.saveToJson(join(this.args.outputDir, 'trainer_state.json'));
  }

  /** The loss and metric curves as an SVG in outputDir; returns its path. */
  writeCurves(): string {
    return writeLossPlot(this.state.logHistory, join(this.args.outputDir, 'training_curves.svg'), { title: `${this.args.runName ?? ''}`.trim() || undefined });
  }

  /** Restores the best checkpoint's weights (loadBestModelAtEnd). */
  loadBestModel(): void {
    const best = this.state.bestModelCheckpoint;
    if (!best || !isUsableCheckpoint(best)) return;
    this.info(`\nLoading best model from ${best} (score: ${this.state.bestMetric}).`);
    loadModelFrom(this.model, best);
  }

  // ---- evaluation and prediction

  async evaluate(evalDataset?: TrainerDataset | null, _ignoreKeys?: string[], metricKeyPrefix = 'eval'): Promise<Metrics> {
    const loader = this.getEvalDataloader(evalDataset);
    this.callbackHandler.evalDataloader = loader;
    const start = performance.now();
    const output = await evaluationLoop(this, loader, metricKeyPrefix);
    output.predictions.dispose();
    output.labelIds?.dispose();
    Object.assign(output.metrics, speedMetrics(metricKeyPrefix, start, output.numSamples, Math.ceil(output.numSamples / this.args.evalBatchSize)));
    await this.log(output.metrics);
    this.control = await this.callbackHandler.onEvaluate(this.args, this.state, this.control, output.metrics);
    return output.metrics;
  }

  async predict(testDataset: TrainerDataset, _ignoreKeys?: string[], metricKeyPrefix = 'test'): Promise<PredictionOutput> {
    const loader = this.getTestDataloader(testDataset);
    this.callbackHandler.evalDataloader = loader;
    const start = performance.now();
    const output = await evaluationLoop(this, loader, metricKeyPrefix);
    Object.assign(output.metrics, speedMetrics(metricKeyPrefix, start, output.numSamples, Math.ceil(output.numSamples / this.args.evalBatchSize)));
    this.control = await this.callbackHandler.onPredict(this.args, this.state, this.control, output.metrics);
    return { predictions: output.predictions, labelIds: output.labelIds, metrics: output.metrics };
  }

  /**
   * One evaluation batch without gradients: [loss or null, logits or null, labels or null]
   * (Hugging Face's prediction_step). Override it to score a batch differently.
   */
  predictionStep(model: Module, inputs: Record<string, unknown>, predictionLossOnly: boolean): [number | null, Tensor | null, Tensor | null] {
    return predictionStep(this, inputs, predictionLossOnly, model);
  }

  async onPredictionStep(): Promise<void> {
    this.control = await this.callbackHandler.onPredictionStep(this.args, this.state, this.control);
  }

  /** One batch's logits without labels or loss (for pipelines and quick checks). */
  predictBatch(inputs: Record<string, unknown>): Tensor {
    this.model.eval();
    const forward = (x: Record<string, unknown>) => (this.modelWrapped as unknown as { forward(x: unknown): unknown }).forward(x);
    return torch.tidy(() => torch.noGrad(() => this.accelerator.autocast(() => logitsOf(forward(toDevice(inputs, this.device)))!.to('float32'))));
  }

  // ---- numbers the loop needs

  /** A number's mean over processes (each process's training loss: the logged loss is the global batch's). */
  protected meanOverProcesses(value: number): number {
    return this.accelerator.reduceNumbers([value], 'mean')[0]!;
  }

  /** Hugging Face's store_flos: this process's FLOPs since the last store, summed over processes, into the state. */
  protected storeFlos(): void {
    const [flos] = this.accelerator.reduceNumbers([this.currentFlos], 'sum');
    this.state.totalFlos += flos!;
    this.currentFlos = 0;
  }

  numTrainableParameters(): number {
    return this.model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  }

  /** The gradients' total norm before clipping (null when maxGradNorm is off). */
  clipGradients(): number | null {
    if (!(this.args.maxGradNorm > 0)) return null;
    const norm = this.accelerator.clipGradNorm_(this.model.parameters(), this.args.maxGradNorm);
    const value = norm.item() as number;
    norm.dispose();
    return value;
  }
}
