// Dynamic batching: requests wait in a bounded queue; one pipeline call runs at a time (the
// model uses every core already), over the oldest request and those behind it that share its
// key (same task options), up to maxBatchSize items, after at most maxWaitMs of waiting for
// company. The results are split back per request. A full queue refuses at once (503 with
// Retry-After); a request not answered within its timeout gets a 504 and leaves the queue.
import { HttpError } from './http.js';

export interface BatcherOptions {
  maxBatchSize: number;
  maxWaitMs: number;
  /** Requests that may wait (not counting the batch being run). */
  maxQueue: number;
  timeoutMs: number;
  /** Called with the number of items of each pipeline call. */
  onBatch?: (size: number) => void;
}

export interface Submission {
  /** Requests with equal keys may share a pipeline call. */
  key: string;
  items: unknown[];
  /** false: always a call of its own (a stream, a pipeline that takes one text). */
  batchable: boolean;
  /** The pipeline call over the items of every request of a batch: one result per item. */
  execute(items: unknown[]): Promise<unknown[]>;
}

interface Entry extends Submission {
  resolve(results: unknown[]): void;
  reject(error: Error): void;
  arrived: number;
  timer: NodeJS.Timeout;
  settled: boolean;
}

export class Batcher {
  private queue: Entry[] = [];
  private running = 0;
  private wakeTimer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  /** Set by idle(): no new request will come to batch with, so nothing waits for company. */
  private flushing = false;

  constructor(readonly options: BatcherOptions) {}

  /** Requests waiting for a pipeline call. */
  get depth(): number {
    return this.queue.length;
  }

  /** Waiting or being run. */
  get busy(): boolean {
    return this.queue.length > 0 || this.running > 0;
  }

  /** The request's results (one per item), once its batch has run. */
  submit(submission: Submission): Promise<unknown[]> {
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new HttpError(503, `the queue is full (${this.options.maxQueue} requests waiting, --max-queue); retry shortly`, { 'Retry-After': '1' }));
    }
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        ...submission, resolve, reject, arrived: Date.now(), settled: false,
        timer: setTimeout(() => this.expire(entry), this.options.timeoutMs),
      };
      this.queue.push(entry);
      this.pump();
    });
  }

  /** For a drain: runs what waits without waiting for more, and resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    this.flushing = true;
    this.pump();
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private expire(entry: Entry): void {
    const at = this.queue.indexOf(entry);
    if (at >= 0) this.queue.splice(at, 1);
    this.settle(entry, new HttpError(504, `no answer within ${this.options.timeoutMs} ms (--timeout-ms)`));
    this.checkIdle();
  }

  private settle(entry: Entry, outcome: Error | unknown[]): void {
    if (entry.settled) return;
    entry.settled = true;
    clearTimeout(entry.timer);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  /** Starts the next batch when the runner is free and the oldest request has waited enough or has company enough. */
  private pump(): void {
    if (this.running > 0 || this.queue.length === 0) return;
    const head = this.queue[0];
    if (head.batchable) {
      const ready = this.queue.filter((e) => e.key === head.key).reduce((n, e) => n + e.items.length, 0) >= this.options.maxBatchSize;
      const waited = Date.now() - head.arrived;
      if (!ready && !this.flushing && waited < this.options.maxWaitMs) {
        if (!this.wakeTimer) this.wakeTimer = setTimeout(() => { this.wakeTimer = null; this.pump(); }, this.options.maxWaitMs - waited);
        return;
      }
    }
    if (this.wakeTimer) { clearTimeout(this.wakeTimer); this.wakeTimer = null; }
    const batch = this.take(head);
    this.running++;
    void this.run(batch).finally(() => {
      this.running--;
      this.checkIdle();
      this.pump();
    });
  }

  /** The head and, if it batches, the requests of the same key behind it, up to maxBatchSize items. */
  private take(head: Entry): Entry[] {
    const batch = [head];
    let size = head.items.length;
    if (head.batchable) {
      for (const e of this.queue.slice(1)) {
        if (e.key !== head.key || size + e.items.length > this.options.maxBatchSize) continue;
        batch.push(e);
        size += e.items.length;
      }
    }
    this.queue = this.queue.filter((e) => !batch.includes(e));
    return batch;
  }

  private async run(batch: Entry[]): Promise<void> {
    const items = batch.flatMap((e) => e.items);
    this.options.onBatch?.(items.length);
    let results: unknown[];
    try {
      results = await batch[0].execute(items);
      if (results.length !== items.length) throw new Error(`internal: ${items.length} items gave ${results.length} results`);
    } catch (error) {
      // one request's fault should not fail the others: each runs again alone
      if (batch.length === 1) this.settle(batch[0], error instanceof Error ? error : new Error(String(error)));
      else for (const e of batch) if (!e.settled) await this.run([e]);
      return;
    }
    let at = 0;
    for (const e of batch) {
      this.settle(e, results.slice(at, at + e.items.length));
      at += e.items.length;
    }
  }

  private checkIdle(): void {
    if (this.busy) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
