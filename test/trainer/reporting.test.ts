// Python-compatible JSON (against json.dumps output, fixture: scripts/fixtures/make_trainer_fixtures.py),
// the JSON-lines log, the loss/metric SVG and the progress display in both modes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  JsonlCallback, ProgressBar, ProgressCallback, TrainerControl, TrainerState, TrainingArguments, formatInterval, lossPlotSeries, lossPlotSvg,
  progress, pyJsonDumps, pyJsonLoads, readJsonl, writeLossPlot,
} from '../../src/trainer-index.js';
import type { LogEntry } from '../../src/trainer-index.js';
import { niceTicks } from '../../src/trainer/plot.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/trainer/pyjson.json', import.meta.url), 'utf8'));
const decode = (v: unknown): unknown =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Array.isArray(v) ? v.map(decode) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)])) : v;

describe('pyJsonDumps / pyJsonLoads equal Python\'s json', () => {
  for (const name of ['misc_indent', 'misc_compact'] as const) {
    it(name, () => {
      const c = fixture[name];
      const floats = new Set(c.float_keys as string[]);
      const out = pyJsonDumps(decode(c.input), { indent: name === 'misc_indent' ? 2 : null, sortKeys: name === 'misc_compact', isFloat: (k) => k !== null && floats.has(k) });
      assert.equal(out, c.expected);
    });
  }
  it('loads Python\'s NaN/Infinity but not inside strings', () => {
    assert.deepEqual(pyJsonLoads('{"a": NaN, "b": [-Infinity, Infinity], "c": "NaN Infinity"}'), { a: NaN, b: [-Infinity, Infinity], c: 'NaN Infinity' });
    assert.deepEqual(pyJsonLoads(fixture.misc_compact.expected), decode(fixture.misc_compact.input));
  });
});

describe('JsonlCallback', () => {
  it('appends each log with its step under logging_dir/log_history.jsonl', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-jsonl-'));
    const args = new TrainingArguments({ outputDir: dir, loggingDir: join(dir, 'logs'), reportTo: 'jsonl' });
    const cb = new JsonlCallback();
    const state = new TrainerState({ globalStep: 5 });
    cb.onLog(args, state, new TrainerControl(), { logs: { loss: 0.5, epoch: 1 } });
    state.globalStep = 6;
    cb.onLog(args, state, new TrainerControl(), { logs: { loss: NaN, epoch: 1.5 } });
    const text = readFileSync(join(dir, 'logs', 'log_history.jsonl'), 'utf8');
    assert.equal(text, '{"loss": 0.5, "epoch": 1.0, "step": 5}\n{"loss": NaN, "epoch": 1.5, "step": 6}\n');
    assert.ok(Number.isNaN(readJsonl(join(dir, 'logs', 'log_history.jsonl'))[1].loss));
  });
});

describe('writeLossPlot', () => {
  const history: LogEntry[] = [
    { loss: 0.9, learning_rate: 5e-5, epoch: 0.5, step: 10 },
    { loss: 0.7, learning_rate: 4e-5, epoch: 1, step: 20 },
    { eval_loss: 0.8, eval_accuracy: 0.6, eval_f1: 0.5, eval_runtime: 1.2, eval_samples_per_second: 100, eval_steps_per_second: 3, epoch: 1, step: 20 },
    { loss: 0.5, learning_rate: 2e-5, epoch: 1.5, step: 30 },
    { loss: NaN, learning_rate: 1e-5, epoch: 1.75, step: 35 },
    { eval_loss: 0.6, eval_accuracy: 0.75, eval_f1: 0.7, eval_runtime: 1.1, eval_samples_per_second: 110, eval_steps_per_second: 3.3, epoch: 2, step: 40 },
    { train_runtime: 10, train_loss: 0.7, epoch: 2, step: 40 },
  ];
  it('takes train/eval loss and eval metrics (not timings) from log_history, skipping non-finite values', () => {
    const { loss, metrics } = lossPlotSeries(history);
    assert.deepEqual(loss, [{ name: 'train loss', points: [[10, 0.9], [20, 0.7], [30, 0.5]] }, { name: 'eval loss', points: [[20, 0.8], [40, 0.6]] }]);
    assert.deepEqual(metrics.map((s) => s.name), ['accuracy', 'f1']);
  });
  it('draws a self-contained SVG whose curves go where the values say', () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-plot-'));
    const path = writeLossPlot(history, join(dir, 'sub', 'loss.svg'), { title: 'MRPC <tiny>' });
    const svg = readFileSync(path, 'utf8');
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"') && svg.trimEnd().endsWith('</svg>'));
    assert.ok(!/href=|<script|@import|url\(/.test(svg), 'nothing external');
    assert.ok(svg.includes('MRPC &lt;tiny&gt;'));
    const polyline = (name: string) => {
      const m = new RegExp(`data-name="${name}"[^>]*points="([^"]+)"`).exec(svg);
      assert.ok(m, name);
      return m[1].split(' ').map((p) => p.split(',').map(Number));
    };
    const train = polyline('train loss');
    assert.equal(train.length, 3);
    assert.ok(train[0][0] < train[1][0] && train[1][0] < train[2][0], 'x grows with the step');
    assert.ok(train[0][1] < train[1][1] && train[1][1] < train[2][1], 'lower loss is drawn lower (larger y)');
    // steps 10, 20, 30 are evenly spaced, so the x gaps are equal
    assert.ok(Math.abs((train[1][0] - train[0][0]) - (train[2][0] - train[1][0])) < 0.02);
    const f1 = polyline('f1');
    assert.ok(f1[1][1] < f1[0][1], 'f1 rose from 0.5 to 0.7');
    assert.equal(lossPlotSvg([]).includes('No loss or metric was logged'), true);
    assert.deepEqual(niceTicks(0.48, 0.93), [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });
});

describe('progress display', () => {
  // 'auto' is silent under `node --test`; these tests check what it picks outside it
  const auto = <T>(fn: () => T): T => {
    const saved = process.env.NODE_TEST_CONTEXT;
    delete process.env.NODE_TEST_CONTEXT;
    try {
      return fn();
    } finally {
      if (saved !== undefined) process.env.NODE_TEST_CONTEXT = saved;
    }
  };
  const stream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, isTTY, columns: 80, write: (s: string) => chunks.push(s) };
  };
  it('on a terminal: a tqdm-style bar redrawn in place, messages above it', () => {
    let t = 0;
    const err = stream(true);
    const out = stream(true);
    const bar = auto(() => new ProgressBar({ total: 200, mode: 'auto', stream: err, out, now: () => t }));
    t = 15000;
    bar.update(50);
    // tqdm's layout: '{percentage:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate:5.2f}it/s]'
    const line = bar.render(80);
    assert.match(line, /^ 25%\|█+[▏▎▍▌▋▊▉]? +\| 50\/200 \[00:15<00:45,  3\.33it\/s\]$/);
    assert.ok(line.length <= 80);
    const inner = line.slice(5, line.indexOf('| 50'));
    assert.ok(Math.abs([...inner].filter((c) => c === '█').length / inner.length - 0.25) < 0.05, 'a quarter of the bar is full');
    bar.write("{'loss': 0.5}");
    assert.deepEqual(out.chunks, ["{'loss': 0.5}\n"]);
    assert.ok(err.chunks.every((c) => c.startsWith('\r')));
    bar.close();
    assert.ok(err.chunks[err.chunks.length - 1].endsWith('\n'));
  });
  it('in a log file: plain lines every tenth of the way', () => {
    let t = 0;
    const err = stream(false);
    const bar = auto(() => new ProgressBar({ total: 100, mode: 'auto', stream: err, desc: 'Training', now: () => t }));
    for (let i = 0; i < 100; i++) { t += 100; bar.update(); }
    bar.close();
    assert.equal(err.chunks.length, 10);
    assert.equal(err.chunks[0], 'Training: 10/100 (10%) elapsed 00:01, remaining 00:09, 10.00it/s\n');
    assert.ok(err.chunks.every((c) => !c.includes('\r')));
  });
  it('formatInterval as tqdm; progress() wraps iterables', async () => {
    assert.deepEqual([formatInterval(5), formatInterval(75), formatInterval(3725)], ['00:05', '01:15', '1:02:05']);
    assert.deepEqual([...progress([1, 2, 3], { mode: 'off' })], [1, 2, 3]);
    const seen: number[] = [];
    for await (const x of progress((async function* () { yield 1; yield 2; })(), { mode: 'off' })) seen.push(x);
    assert.deepEqual(seen, [1, 2]);
  });
  it('ProgressCallback: training bar from the hooks, logs written above it', () => {
    const err = stream(true);
    const out = stream(true);
    const cb = new ProgressCallback({ mode: 'bar', stream: err, out });
    const args = new TrainingArguments({ reportTo: 'none' });
    const state = new TrainerState({ maxSteps: 4 });
    cb.onTrainBegin(args, state);
    state.globalStep = 2;
    cb.onStepEnd(args, state);
    assert.equal(cb.trainingBar!.n, 2);
    cb.onLog(args, state, new TrainerControl(), { logs: { loss: 0.25, epoch: 0.3333333, total_flos: 5 } });
    assert.deepEqual(out.chunks, ["{'loss': 0.25, 'epoch': 0.33}\n"]);
    cb.onPredictionStep(args, state, new TrainerControl(), { evalDataloader: { length: 3 } });
    assert.equal(cb.predictionBar!.total, 3);
    cb.onEvaluate(args, state);
    assert.equal(cb.predictionBar, null);
    cb.onTrainEnd(args, state);
    assert.equal(cb.trainingBar, null);
  });
});
