/**
 * Hallwatch's Prometheus registry on prom-client: its counters and scrape-time gauges, and —
 * with `runtime` — the standard `process_*` and `nodejs_*` metrics (CPU seconds, memory, heap,
 * GC, handles, event-loop lag). Exposition, escaping and types are prom-client's.
 *
 * Counting stays off prom-client's hot path: a counter's series are plain cells (a bound cell
 * per label set, `with()`, costs one addition per event) copied into prom-client when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type Labels = Record<string, string>;

/** Adds `by` (default 1) to the series of `labels`; `with(labels)` binds one series for hot paths. */
export interface CounterHandle {
  (labels?: Labels, by?: number): void;
  with(labels: Labels): (by?: number) => void;
}

interface Cell {
  labels: Labels;
  value: number;
}

export interface MetricsOptions {
  /** Export the standard process and Node.js runtime metrics (the server does; tests need not). */
  runtime?: boolean;
}

/** A stable key for a label set (scrape and lookup only, never per event on a bound series). */
function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join('\u0000');
}

export class Metrics {
  readonly registry = new Registry();
  private readonly cells = new Map<string, Map<string, Cell>>();
  private readonly collectors = new Map<string, () => [Labels, number][]>();

  constructor(opts: MetricsOptions = {}) {
    if (opts.runtime) {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
      // Gauges named like counters (promtool: non-counter metrics should not have "_total");
      // nodejs_active_handles, _requests and _resources carry the same counts by type.
      const namedLikeCounters = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
      for (const name of namedLikeCounters) this.registry.removeSingleMetric(name);
    }
  }

  /** Declares a counter (name ends in `_total`) with its label names. */
  counter(name: string, help: string, labelNames: string[] = []): CounterHandle {
    const cells = new Map<string, Cell>();
    this.cells.set(name, cells);
    new Counter({
      name, help, labelNames, registers: [this.registry],
      collect(this: Counter) {
        this.reset();
        for (const c of cells.values()) this.inc(c.labels, c.value);
      },
    });
    const cell = (labels: Labels): Cell => {
      const key = labelKey(labels);
      let c = cells.get(key);
      if (!c) {
        const unknown = Object.keys(labels).find((k) => !labelNames.includes(k));
        if (unknown) throw new Error(`metric ${name}: label "${unknown}" is not one of [${labelNames.join(', ')}]`);
        c = { labels: { ...labels }, value: 0 };
        cells.set(key, c);
      }
      return c;
    };
    const inc = ((labels: Labels = {}, by = 1) => void (cell(labels).value += by)) as CounterHandle;
    inc.with = (labels) => {
      const c = cell(labels);
      return (by = 1) => void (c.value += by);
    };
    if (labelNames.length === 0) cell({});
    return inc;
  }

  /** Declares a counter whose series are read at scrape time (a total kept elsewhere). */
  counterFrom(name: string, help: string, labelNames: string[], collect: () => [Labels, number][]): void {
    this.collectors.set(name, collect);
    new Counter({
      name, help, labelNames, registers: [this.registry],
      collect(this: Counter) {
        this.reset();
        for (const [l, v] of collect()) this.inc(l, v);
      },
    });
  }

  /** Declares a gauge whose series are computed when scraped. */
  gauge(name: string, help: string, collect: () => [Labels, number][], labelNames: string[] = []): void {
    this.collectors.set(name, collect);
    new Gauge({
      name, help, labelNames, registers: [this.registry],
      collect(this: Gauge) {
        this.reset();
        for (const [l, v] of collect()) this.set(l, v);
      },
    });
  }

  /**
   * Declares a histogram (its name ends in the unit: `_seconds`) with the upper bounds of its
   * buckets; returns `observe(value, labels)`. For events counted in tens a second, not per sample.
   */
  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): (value: number, labels?: Labels) => void {
    const h = new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
    return (value, labels = {}) => h.observe(labels, value);
  }

  /** Current value of one of Hallwatch's own series (tests and /healthz); 0 when absent. */
  value(name: string, labels: Labels = {}): number {
    const key = labelKey(labels);
    const collect = this.collectors.get(name);
    if (collect) return collect().find(([l]) => labelKey(l) === key)?.[1] ?? 0;
    return this.cells.get(name)?.get(key)?.value ?? 0;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
