// Progress display for training and evaluation: a tqdm-style bar redrawn in place on a
// terminal; on a pipe or file (logs, CI), a plain line every tenth of the way and at the end,
// so that log files stay readable. ProgressCallback drives it from the Trainer's hooks.
import { formatLogs, TrainerCallback } from './callbacks.js';
import type { CallbackEvent } from './callbacks.js';
import type { TrainingArguments } from './training_args.js';
import type { TrainerControl, TrainerState } from './trainer_state.js';

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'off';

interface Stream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total?: number | null;
  desc?: string;
  /** 'auto': a bar on a TTY, plain lines otherwise, nothing under `node --test`. */
  mode?: ProgressMode;
  /** Where the bar goes (stderr, as tqdm). */
  stream?: Stream;
  /** Where write() messages go (stdout, as tqdm.write). */
  out?: Stream;
  /** Keep the finished bar on screen (true) or erase it. */
  leave?: boolean;
  now?: () => number;
}

/** h:mm:ss or mm:ss, as tqdm. */
export function formatInterval(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const p = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${p(m)}:${p(sec)}` : `${p(m)}:${p(sec)}`;
}

export class ProgressBar {
  n = 0;
  readonly total: number | null;
  private readonly mode: Exclude<ProgressMode, 'auto'>;
  private readonly stream: Stream;
  private readonly out: Stream;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastPlainTenth = 0;
  private closed = false;
  private desc: string;
  private postfix = '';

  constructor(private readonly options: ProgressOptions = {}) {
    this.total = options.total ?? null;
    this.desc = options.desc ?? '';
    this.stream = options.stream ?? process.stderr;
    this.out = options.out ?? process.stdout;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    const mode = options.mode ?? 'auto';
    this.mode = mode !== 'auto' ? mode : process.env.NODE_TEST_CONTEXT ? 'off' : this.stream.isTTY ? 'bar' : 'plain';
  }

  private describe(): { elapsed: number; rate: number; remaining: number } {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.n / elapsed : 0;
    const remaining = this.total !== null && rate > 0 ? (this.total - this.n) / rate : NaN;
    return { elapsed, rate, remaining };
  }

  private rateText(rate: number): string {
    if (rate === 0) return '?it/s';
    return rate >= 1 ? `${rate.toFixed(2)}it/s` : `${(1 / rate).toFixed(2)}s/it`;
  }

  /** The bar line as tqdm prints it: ' 25%|██▌       | 50/200 [00:15<00:46,  3.20it/s]'. */
  render(width = this.stream.columns ?? 80): string {
    const { elapsed, rate, remaining } = this.describe();
    const desc = this.desc ? `${this.desc}: ` : '';
    const stats = `${this.n}/${this.total ?? '?'} [${formatInterval(elapsed)}<${formatInterval(remaining)}, ${this.rateText(rate).padStart(9)}${this.postfix ? `, ${this.postfix}` : ''}]`;
    if (this.total === null || this.total <= 0) return `${desc}${stats}`;
    const frac = Math.min(this.n / this.total, 1);
    const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
    const barWidth = Math.max(10, width - desc.length - pct.length - stats.length - 4);
    const eighths = Math.floor(frac * barWidth * 8);
    const partial = eighths % 8 ? ' ▏▎▍▌▋▊▉'[eighths % 8] : '';
    const bar = ('█'.repeat(Math.floor(eighths / 8)) + partial).padEnd(barWidth, ' ');
    return `${desc}${pct}|${bar}| ${stats}`;
  }

  /** The plain line written to logs: 'Training: 50/200 (25%) elapsed 00:15, remaining 00:46, 3.20 it/s'. */
  plainLine(): string {
    const { elapsed, rate, remaining } = this.describe();
    const pct = this.total ? ` (${Math.floor((100 * this.n) / this.total)}%)` : '';
    return `${this.desc || 'Progress'}: ${this.n}/${this.total ?? '?'}${pct} elapsed ${formatInterval(elapsed)}, remaining ${formatInterval(remaining)}, ${this.rateText(rate)}`;
  }

  private draw(force = false): void {
    if (this.mode === 'bar') {
      const t = this.now();
      if (!force && t - this.lastDraw < 100) return; // at most ten redraws a second
      this.lastDraw = t;
      this.stream.write(`\r${this.render()}\x1b[K`);
    } else if (this.mode === 'plain' && this.total) {
      const tenth = Math.floor((10 * this.n) / this.total);
      if (tenth > this.lastPlainTenth || (force && this.n > 0 && tenth !== this.lastPlainTenth)) {
        this.lastPlainTenth = tenth;
        this.stream.write(`${this.plainLine()}\n`);
      }
    }
  }

  /** tqdm's set_description: the text before the bar. */
  setDescription(desc: string): void {
    this.desc = desc;
    this.draw();
  }

  /** tqdm's set_postfix: `loss=0.123, acc=0.9` after the rate. */
  setPostfix(values: Record<string, unknown> | string): void {
    const fmt = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)).toString() : String(v));
    this.postfix = typeof values === 'string' ? values : Object.entries(values).map(([k, v]) => `${k}=${fmt(v)}`).join(', ');
    this.draw();
  }

  update(n = 1): void {
    this.n += n;
    this.draw(this.total !== null && this.n >= this.total);
  }

  /** A message above the bar (the bar is redrawn below it). */
  write(line: string): void {
    if (this.mode === 'bar' && !this.closed) this.stream.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    if (this.mode === 'bar' && !this.closed) this.draw(true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.mode === 'bar') this.stream.write(this.options.leave === false ? '\r\x1b[K' : `\r${this.render()}\x1b[K\n`);
    else if (this.mode === 'plain' && this.total && Math.floor((10 * this.n) / this.total) !== this.lastPlainTenth) this.stream.write(`${this.plainLine()}\n`);
  }
}

/**
 * A bar that is also the iteration: `for (const x of new Tqdm(items))` advances it per item and
 * closes it at the end (tqdm's own model); tqdm() in tqdm.ts is the usual way to make one.
 */
export class Tqdm<T = number> extends ProgressBar implements Iterable<T>, AsyncIterable<T> {
  constructor(private readonly source: Iterable<T> | AsyncIterable<T> | null, options: ProgressOptions = {}) {
    const length = (source as { length?: unknown } | null)?.length;
    super({ ...options, total: options.total ?? (typeof length === 'number' ? length : null) });
  }

  private requireSource(): Iterable<T> | AsyncIterable<T> {
    if (!this.source) throw new TypeError('tqdm: nothing to iterate; this bar was made with tqdm({ total }) and is advanced by update()');
    return this.source;
  }

  *[Symbol.iterator](): Generator<T> {
    const src = this.requireSource();
    if (!(Symbol.iterator in src)) throw new TypeError('tqdm: the source is async (a DataLoader with an async collator, a stream); iterate with `for await`');
    try {
      for (const item of src) {
        yield item;
        this.update();
      }
    } finally {
      this.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    const src = this.requireSource();
    try {
      for await (const item of src) {
        yield item;
        this.update();
      }
    } finally {
      this.close();
    }
  }
}

/** for (const batch of progress(loader)) … — a bar over any (async) iterable. */
export function progress<T>(iterable: Iterable<T>, options?: ProgressOptions): Generator<T>;
export function progress<T>(iterable: AsyncIterable<T>, options?: ProgressOptions): AsyncGenerator<T>;
export function progress<T>(iterable: Iterable<T> | AsyncIterable<T>, options: ProgressOptions = {}): Generator<T> | AsyncGenerator<T> {
  const bar = new Tqdm(iterable, options);
  return Symbol.asyncIterator in iterable ? bar[Symbol.asyncIterator]() : bar[Symbol.iterator]();
}

/** Hugging Face's ProgressCallback: the training bar, an evaluation bar, logs printed above them. */
export class ProgressCallback extends TrainerCallback {
  trainingBar: ProgressBar | null = null;
  predictionBar: ProgressBar | null = null;
  private currentStep = 0;

  constructor(private readonly options: Omit<ProgressOptions, 'total' | 'desc'> = {}) {
    super();
  }

  override onTrainBegin(_args: TrainingArguments, state: TrainerState): void {
    if (state.isWorldProcessZero) this.trainingBar = new ProgressBar({ ...this.options, total: state.maxSteps, desc: 'Training' });
    this.currentStep = 0;
  }

  override onStepEnd(_args: TrainingArguments, state: TrainerState): void {
    if (state.isWorldProcessZero && this.trainingBar) {
      this.trainingBar.update(state.globalStep - this.currentStep);
      this.currentStep = state.globalStep;
    }
  }

  override onPredictionStep(_args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    const length = (event.evalDataloader as { length?: number } | undefined)?.length;
    if (!state.isWorldProcessZero || typeof length !== 'number') return;
    this.predictionBar ??= new ProgressBar({ ...this.options, total: length, desc: 'Evaluating', leave: this.trainingBar === null });
    this.predictionBar.update(1);
  }

  override onEvaluate(_args: TrainingArguments, state: TrainerState): void {
    if (state.isWorldProcessZero) this.predictionBar?.close();
    this.predictionBar = null;
  }

  override onPredict(_args: TrainingArguments, state: TrainerState): void {
    this.onEvaluate(_args, state);
  }

  override onLog(_args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    if (state.isWorldProcessZero && this.trainingBar && event.logs) this.trainingBar.write(formatLogs(event.logs, true));
  }

  override onTrainEnd(_args: TrainingArguments, state: TrainerState): void {
    if (state.isWorldProcessZero) this.trainingBar?.close();
    this.trainingBar = null;
  }
}
