// The server's metrics in Prometheus' text exposition format (version 0.0.4): requests by
// route and status, request latency and batch sizes as histograms, the queue depth as a gauge.
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((b, i) => { if (value <= b) this.counts[i]++; });
  }
  lines(name: string, labels: string): string[] {
    const join = (extra: string) => `{${[labels, extra].filter(Boolean).join(',')}}`;
    const out = this.buckets.map((b, i) => `${name}_bucket${join(`le="${b}"`)} ${this.counts[i]}`);
    out.push(`${name}_bucket${join('le="+Inf"')} ${this.count}`);
    const plain = labels ? `{${labels}}` : '';
    out.push(`${name}_sum${plain} ${this.sum}`, `${name}_count${plain} ${this.count}`);
    return out;
  }
}

const label = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  private requests = new Map<string, number>();
  private latency = new Map<string, Histogram>();
  readonly batchSizes = new Histogram(BATCH_BUCKETS);

  constructor(private readonly queueDepth: () => number, private readonly inFlight: () => number) {}

  /** One finished request: its route (a known path, else "other"), status and seconds taken. */
  record(route: string, status: number, seconds: number): void {
    const key = `route="${label(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.latency.get(route);
    if (!h) this.latency.set(route, (h = new Histogram(LATENCY_BUCKETS)));
    h.observe(seconds);
  }

  observeBatch(size: number): void {
    this.batchSizes.observe(size);
  }

  /** The exposition text, for GET /metrics. */
  render(): string {
    const out: string[] = [
      '# HELP finetune_serve_requests_total HTTP requests answered, by route and status.',
      '# TYPE finetune_serve_requests_total counter',
    ];
    for (const [key, n] of [...this.requests].sort()) out.push(`finetune_serve_requests_total{${key}} ${n}`);
    out.push('# HELP finetune_serve_request_duration_seconds Time from the request to its reply, by route.', '# TYPE finetune_serve_request_duration_seconds histogram');
    for (const [route, h] of [...this.latency].sort()) out.push(...h.lines('finetune_serve_request_duration_seconds', `route="${label(route)}"`));
    out.push('# HELP finetune_serve_batch_size Items per pipeline call.', '# TYPE finetune_serve_batch_size histogram');
    out.push(...this.batchSizes.lines('finetune_serve_batch_size', ''));
    out.push('# HELP finetune_serve_queue_depth Requests waiting for a pipeline call.', '# TYPE finetune_serve_queue_depth gauge', `finetune_serve_queue_depth ${this.queueDepth()}`);
    out.push('# HELP finetune_serve_in_flight_requests Requests received and not yet answered.', '# TYPE finetune_serve_in_flight_requests gauge', `finetune_serve_in_flight_requests ${this.inFlight()}`);
    return `${out.join('\n')}\n`;
  }
}
