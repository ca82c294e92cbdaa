/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text format.
 * Runtime-neutral (prom-client needs Node), and all this service needs.
 */
type Labels = Record<string, string | number>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly type: 'counter' | 'gauge' = 'counter',
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines;
  }
}

/** A value read when scraped (queue depth, uploads in flight). */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`];
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ) {}
  observe(seconds: number, labels: Labels = {}): void {
    const k = key(labels);
    const s = this.series.get(k) ?? { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
    this.bounds.forEach((b, i) => {
      if (seconds <= b) s.buckets[i]!++;
    });
    s.sum += seconds;
    s.count++;
    this.series.set(k, s);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`, `${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines;
  }
}

/** Everything the service counts, in one place. */
export class Metrics {
  readonly requests = new Counter('mms_media_http_requests_total', 'HTTP requests by route, method and status.');
  readonly requestSeconds = new Histogram('mms_media_http_request_duration_seconds', 'HTTP request latency by route.');
  readonly uploads = new Counter('mms_media_uploads_total', 'Files offered for hosting, by kind and outcome.');
  readonly storedBytes = new Counter('mms_media_stored_bytes_total', 'Bytes written to storage, by kind.');
  readonly imageSeconds = new Histogram('mms_media_image_processing_seconds', 'Time spent fitting images.');
  readonly sends = new Counter('mms_media_upstream_sends_total', 'Calls to the send endpoint, by outcome.');
  readonly sendSeconds = new Histogram('mms_media_upstream_send_duration_seconds', 'Send endpoint latency.');
  private readonly gauges: Gauge[] = [];

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  render(): string {
    const all: Metric[] = [this.requests, this.requestSeconds, this.uploads, this.storedBytes, this.imageSeconds, this.sends, this.sendSeconds, ...this.gauges];
    return `${all.flatMap((m) => m.render()).join('\n')}\n`;
  }
}
