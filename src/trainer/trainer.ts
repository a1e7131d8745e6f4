// Hugging Face's Trainer: new Trainer({ model, args, trainDataset, … }).train() runs the
// training loop (gradient accumulation, clipping, the scheduler, bf16 autocast), logs every
// loggingSteps, evaluates and saves as the strategies say, keeps the best checkpoint, and
// reports metrics under Hugging Face's names. The loop is in train(); evaluation, checkpoints
// and setup live in trainer_eval.ts, trainer_checkpoint.ts and trainer_setup.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../engine/torch.js';
import type { Tensor } from '../engine/tensor.js';
import type { DataLoader } from '../data/dataloader.js';
import type { Module } from '../nn/module.js';
import type { AutoSequenceClassificationModel } from '../models/auto.js';
import { clipGradNorm_ } from '../nn/utils.js';
import { crossEntropy } from '../nn/functional.js';
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import type { LambdaLR } from '../optim/schedulers.js';
import { CallbackHandler, DefaultFlowCallback, PrinterCallback, TrainerCallback } from './callbacks.js';
import { writeLossPlot } from './plot.js';
import { ProgressCallback } from './progress.js';
import { getReportingIntegrationCallbacks } from './reporting.js';
import { TrainerControl, TrainerState, type ExportableState, type LogEntry } from './trainer_state.js';
import { TrainingArguments } from './training_args.js';
import { type CheckpointParts, lastCheckpoint, loadModelFrom, loadRngState, loadTrainerState, loadTrainingState, rotateCheckpoints, saveCheckpoint, saveModelTo } from './trainer_checkpoint.js';
import { evaluationLoop, logitsOf } from './trainer_eval.js';
import * as setup from './trainer_setup.js';
import type { Collator, TrainerDataset } from './trainer_setup.js';
import { EvalTable, batchTokens, nonEmbeddingParameterCount, round, speedMetrics, toDevice, withCommas } from './trainer_utils.js';
import type { EvalPrediction, Metrics, PredictionOutput, TrainOutput } from './trainer_utils.js';
import { runTrainingLoop } from './trainer_loop.js';

type CallbackLike = TrainerCallback | (new () => TrainerCallback);

export interface TrainerOptions {
  /** A finetune model (AutoModelForSequenceClassification, …) or any nn.Module whose forward takes the collator's batch. */
  model: Module | AutoSequenceClassificationModel;
  args?: TrainingArguments;
  dataCollator?: Collator | null;
  trainDataset?: TrainerDataset | null;
  evalDataset?: TrainerDataset | null;
  /** Hugging Face's `tokenizer` (deprecated there in favour of processingClass; both work). */
  tokenizer?: unknown;
  processingClass?: unknown;
  computeMetrics?: ((p: EvalPrediction) => Metrics | Record<string, unknown> | Promise<Metrics | Record<string, unknown>>) | null;
  callbacks?: CallbackLike[];
  /** [optimizer, scheduler]: either may be null to let the Trainer create it. */
  optimizers?: [Optimizer<ParamGroup> | null, LambdaLR | null];
}

export class Trainer {
  model: Module;
  args: TrainingArguments;
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
  device: string;
  /** Set by SIGINT during train(): the loop saves a checkpoint after the current step and exits. */
  interrupted = false;
  /** Seconds spent in forward/backward/optimizer during the last train() (bench: the rest is overhead). */
  computeSeconds = 0;
  protected evalTable: EvalTable | null = null;

  constructor(options: TrainerOptions) {
    if (!options || !options.model) throw new Error('Trainer requires either a model or a model_init argument');
    this.args = options.args ?? new TrainingArguments({ outputDir: 'tmp_trainer' });
    // as Hugging Face's __init__: seeds dropout and any later initialisation the same way each run
    torch.manualSeed(this.args.seed);
    this.model = options.model as Module;
    this.processingClass = options.processingClass ?? options.tokenizer ?? null;
    this.dataCollator = options.dataCollator ?? setup.defaultCollatorFor(this.processingClass);
    this.trainDataset = options.trainDataset ?? null;
    this.evalDataset = options.evalDataset ?? null;
    this.computeMetrics = options.computeMetrics ?? null;
    [this.optimizer, this.lrScheduler] = options.optimizers ?? [null, null];
    this.labelNames = this.args.labelNames ?? ['labels'];
    this.device = this.args.useCpu || !torch.cuda.isAvailable() ? 'cpu' : 'cuda';
    if (this.device !== 'cpu') this.model.to(this.device as torch.Device);
    if (this.args.fp16 && this.device === 'cpu') {
      throw new Error('fp16 mixed precision (--fp16) needs a CUDA device; on CPU use bf16 (--bf16, torch.autocast with bfloat16) instead');
    }
    if (this.args.maxSteps <= 0 && this.trainDataset && setup.datasetLength(this.trainDataset) === 0) throw new Error('Trainer: the training dataset is empty');
    const callbacks: CallbackLike[] = [DefaultFlowCallback, ...getReportingIntegrationCallbacks(this.args.reportTo as string[]), ...(options.callbacks ?? [])];
    this.callbackHandler = new CallbackHandler(callbacks, { model: this.model, processingClass: this.processingClass, optimizer: this.optimizer, lrScheduler: this.lrScheduler });
    this.callbackHandler.addCallback(this.args.disableTqdm ? PrinterCallback : ProgressCallback);
    void this.callbackHandler.onInitEnd(this.args, this.state, this.control);
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

  /** Header and info lines; quiet when logLevel asks for warnings or less. */
  info(line: string): void {
    if (!['warning', 'error', 'critical'].includes(this.args.logLevel)) process.stdout.write(`${line}\n`);
  }

  // ---- building blocks a subclass may override, as in Hugging Face

  getTrainDataloader(): DataLoader<Record<string, unknown>> {
    if (!this.trainDataset) throw new Error('Trainer: training requires a trainDataset.');
    const ds = setup.removeUnusedColumns(this.trainDataset, this.model, this.args, 'training');
    return setup.makeTrainLoader(ds, this.args, this.dataCollator);
  }

  getEvalDataloader(evalDataset?: TrainerDataset | null): DataLoader<Record<string, unknown>> {
    const ds = evalDataset ?? this.evalDataset;
    if (!ds) throw new Error('Trainer: evaluation requires an evalDataset.');
    return setup.makeEvalLoader(setup.removeUnusedColumns(ds, this.model, this.args, 'evaluation'), this.args, this.dataCollator);
  }

  getTestDataloader(testDataset: TrainerDataset): DataLoader<Record<string, unknown>> {
    return setup.makeEvalLoader(setup.removeUnusedColumns(testDataset, this.model, this.args, 'test'), this.args, this.dataCollator);
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
  }

  /** Mixed precision around forward and loss: bf16 autocast when args.bf16 (fp16 on CUDA). */
  runForward<T>(fn: () => T): T {
    const deviceType = this.device === 'cpu' ? 'cpu' : 'cuda';
    if (this.args.bf16) return torch.autocast(deviceType, { dtype: 'bfloat16' }, fn);
    if (this.args.fp16) return torch.autocast(deviceType, { dtype: 'float16' }, fn);
    return fn();
  }

  /**
   * The loss of one batch. Override it for a custom loss (class weights, …): it receives the
   * collator's batch with labels and returns the loss, or [loss, outputs] when returnOutputs.
   */
  computeLoss(model: unknown, inputs: Record<string, unknown>, returnOutputs: true): [Tensor, unknown];
  computeLoss(model: unknown, inputs: Record<string, unknown>, returnOutputs?: false): Tensor;
  computeLoss(model: unknown, inputs: Record<string, unknown>, returnOutputs = false): Tensor | [Tensor, unknown] {
    const eps = this.args.labelSmoothingFactor;
    if (eps > 0 && inputs.labels instanceof torch.Tensor) {
      // Hugging Face's LabelSmoother: the model runs without labels, the smoothed cross-entropy is computed here
      const { labels, ...rest } = inputs;
      const outputs = (model as { forward(x: unknown): unknown }).forward(rest);
      const logits = logitsOf(outputs)!;
      const loss = crossEntropy(logits.view(-1, logits.size(-1)), (labels as Tensor).view(-1), { labelSmoothing: eps, ignoreIndex: -100 });
      return returnOutputs ? [loss, outputs] : loss;
    }
    const outputs = (model as { forward(x: unknown): unknown }).forward(inputs);
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
  trainingStep(model: Module, inputs: Record<string, unknown>): number {
    model.train();
    const gas = this.args.gradientAccumulationSteps;
    return torch.tidy(() => {
      const loss = this.runForward(() => this.computeLoss(model, inputs));
      const scaled = gas > 1 ? loss.div(gas) : loss;
      scaled.backward();
      return scaled.item() as number;
    });
  }

  /** Adds epoch and step, records the entry in state.logHistory and calls the onLog hooks. */
  async log(logs: LogEntry): Promise<void> {
    if (this.state.epoch !== null) logs.epoch = this.state.epoch;
    if (this.args.includeNumInputTokensSeen) logs.num_input_tokens_seen = this.state.numInputTokensSeen;
    this.state.logHistory.push({ ...logs, step: this.state.globalStep });
    this.control = await this.callbackHandler.onLog(this.args, this.state, this.control, logs);
  }

  // ---- training

  async train(options: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<TrainOutput> {
    let resume = options.resumeFromCheckpoint ?? this.args.resumeFromCheckpoint ?? null;
    if (resume === true) {
      resume = lastCheckpoint(this.args.outputDir);
      if (!resume) throw new Error(`No valid checkpoint found in output directory (${this.args.outputDir})`);
    }
    if (resume === false) resume = null;
    if (resume) loadModelFrom(this.model, resume as string);
    return runTrainingLoop(this, resume as string | null);
  }

  /** Called by the loop after each optimisation step and at each epoch's end. */
  async maybeLogSaveEvaluate(loop: { trLoss: number; totalLoss: number; lastLoggedStep: number; gradNorm: number | null }): Promise<void> {
    if (this.control.shouldLog && this.state.globalStep > loop.lastLoggedStep) {
      const logs: LogEntry = { loss: round(loop.trLoss / (this.state.globalStep - loop.lastLoggedStep), 4) };
      if (loop.gradNorm !== null) logs.grad_norm = loop.gradNorm;
      logs.learning_rate = this.lrScheduler!.getLastLr()[0];
      loop.totalLoss += loop.trLoss;
      loop.trLoss = 0;
      loop.lastLoggedStep = this.state.globalStep;
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
  lastLoggedLoss: number | null = null;

  /** Updates the best metric from this evaluation, writes checkpoint-<step>, rotates old ones. */
  async saveCheckpoint(metrics: Metrics | null = null): Promise<string> {
    const path = join(this.args.outputDir, `checkpoint-${this.state.globalStep}`);
    if (metrics && this.args.metricForBestModel) {
      const name = this.args.metricForBestModel.startsWith('eval_') ? this.args.metricForBestModel : `eval_${this.args.metricForBestModel}`;
      const value = metrics[name];
      if (value === undefined) {
        throw new Error(`The \`metricForBestModel\` training argument is set to '${name}', which is not found in the evaluation metrics. The available evaluation metrics are: ${Object.keys(metrics).join(', ')}. Consider changing the \`metricForBestModel\` via the TrainingArguments.`);
      }
      const better = this.args.greaterIsBetter ? value > (this.state.bestMetric ?? -Infinity) : value < (this.state.bestMetric ?? Infinity);
      if (this.state.bestMetric === null || better) {
        this.state.bestMetric = value;
        this.state.bestModelCheckpoint = path;
      }
    }
    const stateful = this.callbackHandler.callbacks.filter((cb) => typeof (cb as unknown as ExportableState).state === 'function') as unknown as ExportableState[];
    this.state.statefulCallbacks = TrainerState.exportCallbacks([...stateful, this.control]);
    const saved = await saveCheckpoint({
      model: this.model, optimizer: this.optimizer, scheduler: this.lrScheduler, state: this.state, args: this.args,
      tokenizer: this.processingClass as CheckpointParts['tokenizer'],
    });
    rotateCheckpoints(this.args, this.state.bestModelCheckpoint);
    return saved;
  }

  /** Model (safetensors + config) and tokenizer files into dir (default: outputDir). */
  async saveModel(outputDir?: string): Promise<void> {
    const dir = outputDir ?? this.args.outputDir;
    await saveModelTo(this.model, dir);
    const tok = this.processingClass as { savePretrained?: (d: string) => Promise<unknown> } | null;
    if (tok && typeof tok.savePretrained === 'function') await tok.savePretrained(dir);
    writeFileSync(join(dir, 'training_args.json'), this.args.toJsonString());
  }

  /** Writes trainer_state.json into outputDir (Hugging Face's save_state). */
  saveState(): void {
    mkdirSync(this.args.outputDir, { recursive: true });
    (this.state as TrainerState).saveToJson(join(this.args.outputDir, 'trainer_state.json'));
  }

  /** The loss and metric curves as an SVG in outputDir; returns its path. */
  writeCurves(): string {
    return writeLossPlot(this.state.logHistory, join(this.args.outputDir, 'training_curves.svg'), { title: `${this.args.runName ?? ''}`.trim() || undefined });
  }

  /** Restores the best checkpoint's weights (loadBestModelAtEnd). */
  loadBestModel(): void {
    const best = this.state.bestModelCheckpoint;
    if (!best) return;
    this.info(`\nLoading best model from ${best} (score: ${this.state.bestMetric}).`);
    loadModelFrom(this.model, best);
  }

  /** Restores optimizer, scheduler, trainer state and RNG from a checkpoint folder. */
  loadCheckpointState(dir: string): TrainerState {
    loadTrainingState(dir, this.optimizer, this.lrScheduler);
    return loadTrainerState(dir);
  }
  restoreRng(dir: string): void {
    loadRngState(dir);
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

  async onPredictionStep(): Promise<void> {
    this.control = await this.callbackHandler.onPredictionStep(this.args, this.state, this.control);
  }

  /** One batch's logits without labels or loss (for pipelines and quick checks). */
  predictBatch(inputs: Record<string, unknown>): Tensor {
    this.model.eval();
    return torch.tidy(() => torch.noGrad(() => this.runForward(() => logitsOf((this.model as unknown as { forward(x: unknown): unknown }).forward(toDevice(inputs, this.device)))!.to('float32'))));
  }

  // ---- numbers the loop needs

  numTrainableParameters(): number {
    return this.model.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  }
  floatingPointOps(inputs: Record<string, unknown>): number {
    this.nonEmbeddingParams ??= nonEmbeddingParameterCount(this.model);
    return 6 * batchTokens(inputs) * this.nonEmbeddingParams;
  }
  private nonEmbeddingParams: number | null = null;

  trainingHeader(numExamples: number, numEpochs: number, maxSteps: number): string[] {
    const a = this.args;
    return [
      '***** Running training *****',
      `  Num examples = ${withCommas(numExamples)}`,
      `  Num Epochs = ${withCommas(numEpochs)}`,
      `  Instantaneous batch size per device = ${withCommas(a.trainBatchSize)}`,
      `  Total train batch size (w. parallel, distributed & accumulation) = ${withCommas(a.trainBatchSize * a.gradientAccumulationSteps)}`,
      `  Gradient Accumulation steps = ${a.gradientAccumulationSteps}`,
      `  Total optimization steps = ${withCommas(maxSteps)}`,
      `  Number of trainable parameters = ${withCommas(this.numTrainableParameters())}`,
    ];
  }

  clipGradients(): number | null {
    if (!(this.args.maxGradNorm > 0)) return null;
    const norm = clipGradNorm_(this.model.parameters(), this.args.maxGradNorm);
    const value = norm.item() as number;
    norm.dispose();
    return value;
  }
}
