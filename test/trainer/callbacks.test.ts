// Callbacks and state with transformers/trainer_callback.py's semantics: the handler's flag
// resets and order, DefaultFlowCallback's decisions, EarlyStoppingCallback, and trainer_state.json
// byte for byte as Python's json.dumps writes it (fixture: scripts/fixtures/make_trainer_fixtures.py).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  CallbackHandler, DefaultFlowCallback, EarlyStoppingCallback, PrinterCallback, TrainerCallback, TrainerControl, TrainerState, TrainingArguments,
} from '../../src/trainer-index.js';
import type { CallbackEvent } from '../../src/trainer-index.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/trainer/pyjson.json', import.meta.url), 'utf8'));
const decode = (v: unknown): unknown =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Array.isArray(v) ? v.map(decode) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)])) : v;

describe('TrainerState', () => {
  const input = decode(fixture.trainer_state.input) as Record<string, unknown>;
  it('writes trainer_state.json exactly as transformers\' save_to_json', () => {
    const state = TrainerState.fromDict(input);
    assert.equal(state.globalStep, 20);
    assert.equal(state.bestModelCheckpoint, '/tmp/out/checkpoint-10');
    assert.equal(state.toJsonString(), fixture.trainer_state.expected);
  });
  it('reads it back, NaN and Infinity included; keys from newer versions are skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-state-'));
    const path = join(dir, 'trainer_state.json');
    TrainerState.fromDict({ ...input, best_global_step: 10 }).saveToJson(path);
    assert.equal(readFileSync(path, 'utf8'), fixture.trainer_state.expected);
    const back = TrainerState.loadFromJson(path);
    assert.ok(Number.isNaN(back.logHistory[2].loss));
    assert.equal(back.logHistory[2].grad_norm, Infinity);
    assert.deepEqual(back.toDict(), TrainerState.fromDict(input).toDict());
  });
  it('computeSteps resolves ratios against max_steps (ceil)', () => {
    const s = new TrainerState();
    s.computeSteps({ loggingSteps: 0.1, evalSteps: null, saveSteps: 0.25 }, 95);
    assert.deepEqual([s.loggingSteps, s.evalSteps, s.saveSteps], [10, 500, 24]);
  });
  it('stateful_callbacks: states by class name, a list for several of one class', () => {
    const s = new TrainerState({ statefulCallbacks: [new TrainerControl(), new EarlyStoppingCallback({ earlyStoppingPatience: 2 }), new EarlyStoppingCallback()] });
    assert.deepEqual(Object.keys(s.statefulCallbacks), ['TrainerControl', 'EarlyStoppingCallback']);
    assert.equal((s.statefulCallbacks.EarlyStoppingCallback as unknown[]).length, 2);
    const restored = EarlyStoppingCallback.fromState({ args: { early_stopping_patience: 3, early_stopping_threshold: 0.5 }, attributes: { early_stopping_patience_counter: 2 } });
    assert.deepEqual([restored.earlyStoppingPatience, restored.earlyStoppingThreshold, restored.earlyStoppingPatienceCounter], [3, 0.5, 2]);
  });
});

describe('CallbackHandler', () => {
  const args = new TrainingArguments({ outputDir: 'o', reportTo: 'none' });
  it('calls the callbacks in order, resets control flags as Hugging Face, passes model/optimizer and logs', async () => {
    const seen: string[] = [];
    class Recorder extends TrainerCallback {
      constructor(private readonly tag: string) { super(); }
      override onStepBegin(_a: TrainingArguments, _s: TrainerState, control: TrainerControl) { seen.push(`${this.tag}:begin:${control.shouldLog}`); }
      override async onLog(_a: TrainingArguments, _s: TrainerState, _c: TrainerControl, event: CallbackEvent) { seen.push(`${this.tag}:log:${event.logs?.loss}:${event.model}`); }
      override onEvaluate(_a: TrainingArguments, _s: TrainerState, control: TrainerControl) { control.shouldTrainingStop = true; return control; }
    }
    const plain = { onLog: (_a: TrainingArguments, _s: TrainerState, _c: TrainerControl, e: CallbackEvent) => { seen.push(`plain:log:${e.logs?.loss}`); } };
    const handler = new CallbackHandler([DefaultFlowCallback, new Recorder('a'), new Recorder('b'), plain], { model: 'M' });
    const control = new TrainerControl({ shouldLog: true, shouldSave: true, shouldEvaluate: true });
    await handler.onStepBegin(args, new TrainerState(), control);
    assert.deepEqual([control.shouldLog, control.shouldSave, control.shouldEvaluate], [false, false, false]);
    await handler.onLog(args, new TrainerState(), control, { loss: 0.5 });
    const c = await handler.onEvaluate(args, new TrainerState(), control, { eval_loss: 1 });
    assert.equal(c.shouldTrainingStop, true);
    assert.deepEqual(seen, ['a:begin:false', 'b:begin:false', 'a:log:0.5:M', 'b:log:0.5:M', 'plain:log:0.5']);
    assert.equal(handler.callbackList, 'DefaultFlowCallback\nRecorder\nRecorder\nHooksCallback');
    assert.ok(handler.popCallback(plain) !== undefined);
    assert.ok(handler.popCallback(DefaultFlowCallback) instanceof DefaultFlowCallback);
  });
});

describe('DefaultFlowCallback', () => {
  const flow = new DefaultFlowCallback();
  const step = (args: TrainingArguments, globalStep: number, maxSteps = 100) => {
    const state = new TrainerState({ globalStep, maxSteps });
    state.computeSteps(args as never, maxSteps);
    return flow.onStepEnd(args, state, new TrainerControl());
  };
  it('steps strategies: log/evaluate/save on multiples, first step if asked, save and stop at the end', () => {
    const args = new TrainingArguments({ loggingSteps: 10, evalStrategy: 'steps', evalSteps: 20, saveSteps: 30, loggingFirstStep: true, reportTo: 'none' });
    const flags = (c: TrainerControl) => [c.shouldLog, c.shouldEvaluate, c.shouldSave, c.shouldTrainingStop];
    assert.deepEqual(flags(step(args, 1)), [true, false, false, false]);
    assert.deepEqual(flags(step(args, 20)), [true, true, false, false]);
    assert.deepEqual(flags(step(args, 30)), [true, false, true, false]);
    assert.deepEqual(flags(step(args, 7)), [false, false, false, false]);
    assert.deepEqual(flags(step(args, 100)), [true, true, true, true]);
  });
  it('eval_delay postpones evaluation; epoch strategies act at the epoch\'s end only', () => {
    const delayed = new TrainingArguments({ evalStrategy: 'steps', evalSteps: 10, evalDelay: 25, reportTo: 'none' });
    assert.equal(step(delayed, 20).shouldEvaluate, false);
    assert.equal(step(delayed, 30).shouldEvaluate, true);
    const epoch = new TrainingArguments({ evalStrategy: 'epoch', saveStrategy: 'epoch', loggingStrategy: 'epoch', reportTo: 'none' });
    const end = step(epoch, 100);
    assert.deepEqual([end.shouldSave, end.shouldEvaluate, end.shouldTrainingStop], [false, false, true]);
    const c = flow.onEpochEnd(epoch, new TrainerState({ epoch: 1 }), new TrainerControl());
    assert.deepEqual([c.shouldLog, c.shouldEvaluate, c.shouldSave], [true, true, true]);
  });
});

describe('EarlyStoppingCallback', () => {
  it('counts evaluations without an improvement larger than the threshold (vs state.bestMetric)', () => {
    const args = new TrainingArguments({ evalStrategy: 'epoch', saveStrategy: 'epoch', loadBestModelAtEnd: true, metricForBestModel: 'f1', reportTo: 'none' });
    const cb = new EarlyStoppingCallback({ earlyStoppingPatience: 2, earlyStoppingThreshold: 0.01 });
    cb.onTrainBegin(args);
    const state = new TrainerState();
    const control = new TrainerControl();
    const evaluate = (f1: number) => {
      cb.onEvaluate(args, state, control, { metrics: { eval_f1: f1 } });
      if (state.bestMetric === null || f1 > state.bestMetric) state.bestMetric = f1; // what the Trainer does after the hooks
      return [cb.earlyStoppingPatienceCounter, control.shouldTrainingStop];
    };
    assert.deepEqual(evaluate(0.5), [0, false]); // no best yet
    assert.deepEqual(evaluate(0.6), [0, false]); // +0.1
    assert.deepEqual(evaluate(0.605), [1, false]); // better but within the threshold
    assert.deepEqual(evaluate(0.7), [0, false]);
    assert.deepEqual(evaluate(0.65), [1, false]);
    assert.deepEqual(evaluate(0.69), [2, true]);
  });
  it('loss-like metrics: lower is better', () => {
    const args = new TrainingArguments({ evalStrategy: 'steps', evalSteps: 10, saveSteps: 10, loadBestModelAtEnd: true, reportTo: 'none' });
    const cb = new EarlyStoppingCallback();
    const state = new TrainerState({ bestMetric: 0.5 });
    const control = new TrainerControl();
    cb.onEvaluate(args, state, control, { metrics: { eval_loss: 0.4 } });
    assert.equal(control.shouldTrainingStop, false);
    cb.onEvaluate(args, state, control, { metrics: { eval_loss: 0.6 } });
    assert.equal(control.shouldTrainingStop, true);
  });
  it('Hugging Face\'s requirements at train begin', () => {
    const cb = new EarlyStoppingCallback();
    assert.throws(() => cb.onTrainBegin(new TrainingArguments({ evalStrategy: 'epoch', reportTo: 'none' })), { message: 'EarlyStoppingCallback requires metric_for_best_model to be defined' });
    assert.throws(() => cb.onTrainBegin(new TrainingArguments({ metricForBestModel: 'f1', reportTo: 'none' })), { message: 'EarlyStoppingCallback requires IntervalStrategy of steps or epoch' });
  });
});

describe('PrinterCallback', () => {
  it('prints logs as Python prints the dict, without total_flos', () => {
    const lines: string[] = [];
    const cb = new PrinterCallback((l) => lines.push(l));
    cb.onLog(new TrainingArguments({ reportTo: 'none' }), new TrainerState(), new TrainerControl(), { logs: { loss: 0.6931, grad_norm: 1.5, learning_rate: 5e-5, epoch: 0.5, total_flos: 1e12 } });
    // Python: print({'loss': 0.6931, 'grad_norm': 1.5, 'learning_rate': 5e-05, 'epoch': 0.5})
    assert.deepEqual(lines, ["{'loss': 0.6931, 'grad_norm': 1.5, 'learning_rate': 5e-05, 'epoch': 0.5}"]);
  });
});
