// torch.profiler: where the time goes. Between start() and stop() every dispatched aten op and
// every autograd backward node is recorded (libtorch's RecordFunction hooks, the ones PyTorch's
// profiler is built on: native/src/ops_profiler.cc); keyAverages().table() prints them in
// PyTorch's format, so a finetune profile and a PyTorch profile read side by side.
//
//   const prof = torch.profiler.profile({ activities: [ProfilerActivity.CPU], recordShapes: true });
//   prof.run(() => { model.forward(batch).loss.backward(); });
//   console.log(prof.keyAverages().table({ sortBy: 'cpu_time_total', rowLimit: 10 }));
import { writeFileAtomic } from '../util/atomic.js';
import { withContext } from './autograd.js';
import { N } from './native.js';
import type { ProfilerColumns } from './native-ops.js';

export type ProfilerActivity = 'cpu' | 'cuda';
export const ProfilerActivity = { CPU: 'cpu', CUDA: 'cuda' } as const;

export interface ProfileOptions {
  /** Default ['cpu']. CUDA kernels are not traced (libtorch's CPU hooks only); asking for them warns. */
  activities?: ProfilerActivity[];
  /** Record each call's input shapes (keyAverages({ groupByInputShape: true }) splits by them). */
  recordShapes?: boolean;
}

/** A tensor's sizes, [] for a non-tensor argument, a list of sizes for a tensor list. */
export type InputShape = number[] | number[][];

/** One recorded call: PyTorch's FunctionEvent, CPU fields, times in microseconds. */
export interface FunctionEvent {
  name: string;
  startUs: number;
  endUs: number;
  threadId: number;
  /** Including the calls made inside it. */
  cpuTimeTotal: number;
  /** Excluding the calls made inside it. */
  selfCpuTimeTotal: number;
  inputShapes: InputShape[] | null;
  /** Input shapes as PyTorch prints them. */
  inputShapesText: string;
}

/** Calls of one operator (and input shapes, when grouped by them): PyTorch's FunctionEventAvg. */
export interface FunctionEventAvg {
  key: string;
  count: number;
  cpuTimeTotal: number;
  selfCpuTimeTotal: number;
  /** cpuTimeTotal / count. */
  cpuTime: number;
  inputShapes: InputShape[] | null;
  inputShapesText: string;
}

export interface TableOptions {
  /** cpu_time_total (default order: as recorded), self_cpu_time_total, cpu_time, count; camelCase too. */
  sortBy?: string;
  rowLimit?: number;
  maxNameColumnWidth?: number;
  maxShapesColumnWidth?: number;
  header?: string;
}

const SORT_KEYS: Record<string, keyof FunctionEventAvg> = {
  cpu_time_total: 'cpuTimeTotal', cpuTimeTotal: 'cpuTimeTotal',
  self_cpu_time_total: 'selfCpuTimeTotal', selfCpuTimeTotal: 'selfCpuTimeTotal',
  cpu_time: 'cpuTime', cpuTime: 'cpuTime', count: 'count',
};

/** What keyAverages() returns: an array of averages that prints itself as PyTorch's table. */
export class EventList extends Array<FunctionEventAvg> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  table(options: TableOptions = {}): string {
    return buildTable([...this], options);
  }
}

let warnedCuda = false;

export class Profile {
  private columns: ProfilerColumns | null = null;
  private running = false;
  private readonly recordShapes: boolean;

  constructor(options: ProfileOptions = {}) {
    const activities = options.activities ?? ['cpu'];
    for (const activity of activities) {
      if (activity !== 'cpu' && activity !== 'cuda') throw new TypeError(`profiler.profile: unknown activity ${JSON.stringify(activity)} (expected 'cpu' or 'cuda')`);
    }
    if (activities.includes('cuda') && !warnedCuda) {
      warnedCuda = true;
      console.warn(N.cudaIsAvailable()
        ? 'profiler.profile: CUDA kernels are not traced (libtorch\'s CPU hooks only); the table shows CPU time, including the launches'
        : 'profiler.profile: CUDA is not available, disabling CUDA profiling');
    }
    this.recordShapes = options.recordShapes ?? false;
  }

  start(): this {
    if (this.running) throw new Error('profiler.profile: start() called twice; call stop() first');
    N.profilerStart(this.recordShapes);
    this.running = true;
    return this;
  }

  stop(): void {
    if (!this.running) throw new Error('profiler.profile: stop() without start()');
    this.columns = N.profilerStop();
    this.running = false;
  }

  /** Python's `with profile(...) as prof:` — fn (sync or async) runs profiled. */
  run<T>(fn: (prof: this) => T): T {
    this.start();
    return withContext(() => fn(this), () => this.stop());
  }

  /** Every finished call in the order they began. */
  events(): FunctionEvent[] {
    const c = this.recorded();
    const n = c.names.length;
    const childTime = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const parent = c.parents[i]!;
      if (c.endUs[i]! >= 0 && parent >= 0) childTime[parent]! += c.endUs[i]! - c.startUs[i]!;
    }
    const events: FunctionEvent[] = [];
    for (let i = 0; i < n; i++) {
      if (c.endUs[i]! < 0) continue;
      const total = c.endUs[i]! - c.startUs[i]!;
      // a user range has no inputs: PyTorch prints [] for it too
      const text = this.recordShapes ? c.shapes[i] || '[]' : '';
      events.push({
        name: c.names[i]!, startUs: c.startUs[i]!, endUs: c.endUs[i]!, threadId: c.threads[i]!,
        cpuTimeTotal: total, selfCpuTimeTotal: Math.max(0, total - childTime[i]!),
        inputShapes: text ? JSON.parse(text) as InputShape[] : null, inputShapesText: text,
      });
    }
    return events;
  }

  /** Totals per operator name (and per input shapes with groupByInputShape), in first-call order. */
  keyAverages(options: { groupByInputShape?: boolean } = {}): EventList {
    const byKey = new Map<string, FunctionEventAvg>();
    for (const e of this.events()) {
      const key = options.groupByInputShape ? `${e.name}\u0000${e.inputShapesText}` : e.name;
      let avg = byKey.get(key);
      if (!avg) {
        avg = { key: e.name, count: 0, cpuTimeTotal: 0, selfCpuTimeTotal: 0, cpuTime: 0, inputShapes: e.inputShapes, inputShapesText: e.inputShapesText };
        byKey.set(key, avg);
      }
      avg.count++;
      avg.cpuTimeTotal += e.cpuTimeTotal;
      avg.selfCpuTimeTotal += e.selfCpuTimeTotal;
      avg.cpuTime = avg.cpuTimeTotal / avg.count;
    }
    const list = new EventList();
    list.push(...byKey.values());
    return list;
  }

  /** A trace for chrome://tracing or Perfetto (complete events, microseconds). */
  exportChromeTrace(path: string): void {
    const pid = process.pid;
    const traceEvents = this.events().map((e) => ({
      ph: 'X', cat: 'cpu_op', name: e.name, pid, tid: e.threadId, ts: e.startUs, dur: e.cpuTimeTotal,
      ...(e.inputShapes ? { args: { 'Input Dims': e.inputShapes } } : {}),
    }));
    writeFileAtomic(path, JSON.stringify({ traceEvents }));
  }

  private recorded(): ProfilerColumns {
    if (this.running) throw new Error('profiler.profile: the profiler is still running; call stop() (or use run()) before reading its events');
    if (!this.columns) throw new Error('profiler.profile: nothing recorded yet; call start() and stop() (or run()) first');
    return this.columns;
  }
}

/** torch.profiler.profile. */
export function profile(options: ProfileOptions = {}): Profile {
  return new Profile(options);
}

/**
 * What `--profile` does in the benchmarks and the CLI: fn (sync or async) runs under the CPU
 * profiler, then `report` gets the table of its top operators by self CPU time.
 */
export async function profileTopOperators<T>(fn: () => T | Promise<T>, report: (table: string) => void, rowLimit = 20): Promise<T> {
  const prof = profile({ activities: ['cpu'] });
  try {
    return await prof.run(fn);
  } finally {
    report(prof.keyAverages().table({ sortBy: 'self_cpu_time_total', rowLimit }));
  }
}

/** torch.profiler.record_function: fn's calls appear inside a row of their own, named `name`. */
export function recordFunction<T>(name: string, fn: () => T): T {
  N.profilerRangePush(name);
  return withContext(fn, () => N.profilerRangePop());
}

/** PyTorch's _format_time. */
export function formatTime(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(3)}s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(3)}ms`;
  return `${us.toFixed(3)}us`;
}

function formatShare(us: number, totalUs: number): string {
  return totalUs === 0 ? 'NaN' : `${((us * 100) / totalUs).toFixed(2)}%`;
}

/** torch.autograd.profiler_util._build_table, CPU columns: right-aligned, two spaces apart. */
function buildTable(events: FunctionEventAvg[], options: TableOptions): string {
  const field = options.sortBy === undefined ? undefined : SORT_KEYS[options.sortBy];
  if (options.sortBy !== undefined && !field) throw new TypeError(`table: cannot sort by ${JSON.stringify(options.sortBy)} (expected one of ${Object.keys(SORT_KEYS).join(', ')})`);
  if (events.length === 0) return '';
  if (field) events = [...events].sort((a, b) => (b[field] as number) - (a[field] as number));
  const { rowLimit = 100, maxNameColumnWidth = 55, maxShapesColumnWidth = 80 } = options;
  const hasShapes = events.some((e) => e.inputShapes !== null && e.inputShapes.length > 0);
  const nameWidth = Math.min(Math.max(...events.map((e) => e.key.length)) + 4, maxNameColumnWidth);
  const shapesWidth = Math.min(Math.max(...events.map((e) => e.inputShapesText.length)) + 4, maxShapesColumnWidth);
  const headers = ['Name', 'Self CPU %', 'Self CPU', 'CPU total %', 'CPU total', 'CPU time avg', '# of Calls'];
  const widths = [nameWidth, 12, 12, 12, 12, 12, 12];
  if (hasShapes) {
    headers.push('Input Shapes');
    widths.push(shapesWidth);
  }
  const row = (cells: (string | number)[]) => cells.map((cell, i) => String(cell).padStart(widths[i]!) + '  ').join('');
  const separator = widths.map((w) => '-'.repeat(w) + '  ').join('');
  const selfTotal = events.reduce((sum, e) => sum + e.selfCpuTimeTotal, 0);
  const lines: string[] = [];
  if (options.header !== undefined) lines.push('='.repeat(separator.length - 2), options.header);
  lines.push(separator, row(headers), separator);
  for (const e of events.slice(0, rowLimit)) {
    const name = e.key.length >= maxNameColumnWidth - 3 ? `${e.key.slice(0, maxNameColumnWidth - 3)}...` : e.key;
    const cells: (string | number)[] = [name, formatShare(e.selfCpuTimeTotal, selfTotal), formatTime(e.selfCpuTimeTotal),
      formatShare(e.cpuTimeTotal, selfTotal), formatTime(e.cpuTimeTotal), formatTime(e.cpuTime), e.count];
    if (hasShapes) cells.push(e.inputShapesText.slice(0, shapesWidth));
    lines.push(row(cells));
  }
  lines.push(separator, `Self CPU time total: ${formatTime(selfTotal)}`);
  return lines.map((line) => `${line}\n`).join('');
}
