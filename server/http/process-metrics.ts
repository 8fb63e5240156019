/** Process gauges for /metrics: event-loop lag, RSS, heap, and live/stale/offline rack counts. */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Metrics } from './metrics.ts';
import type { LiveState } from '../state/live-state.ts';

export class ProcessMetrics {
  private histogram: IntervalHistogram | null = null;

  constructor(metrics: Metrics, private readonly state: LiveState) {
    metrics.gauge('hallwatch_event_loop_lag_seconds', 'Event-loop delay since the last scrape (p50, p99, max)', () => {
      const h = this.histogram;
      if (!h) return [];
      const out: [Record<string, string>, number][] = [
        [{ quantile: '0.5' }, h.percentile(50) / 1e9],
        [{ quantile: '0.99' }, h.percentile(99) / 1e9],
        [{ quantile: '1' }, h.max / 1e9],
      ];
      h.reset();
      return out;
    });
    metrics.gauge('hallwatch_process_resident_memory_bytes', 'Resident set size', () => [[{}, process.memoryUsage.rss()]]);
    metrics.gauge('hallwatch_racks', 'Racks by telemetry state', () => {
      const t = this.state.siteTotals;
      return [
        [{ state: 'live' }, t.racksLive],
        [{ state: 'stale' }, t.racksStale],
        [{ state: 'offline' }, t.racksOffline],
        [{ state: 'nodata' }, t.racksNoData],
      ];
    });
  }

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
  }

  stop(): void {
    this.histogram?.disable();
    this.histogram = null;
  }
}
