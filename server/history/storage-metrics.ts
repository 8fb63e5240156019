/**
 * The InfluxDB writer's Prometheus metrics (`hallwatch_storage_*`): the counters it bumps, and
 * gauges read at scrape time from its queue and what it lost.
 */
import type { CounterHandle, Metrics } from '../http/metrics.ts';
import type { WriteQueue } from './write-queue.ts';

/** Counters the writer bumps as lines are queued, written, retried and rejected. */
export interface StorageCounters {
  written: CounterHandle;
  queued: CounterHandle;
  retried: CounterHandle;
  deadLettered: CounterHandle;
  /** Seconds spent in successful write requests. */
  latency: CounterHandle;
  /** Write requests by `outcome`: ok, partial, rejected, failed. */
  requests: CounterHandle;
}

/** What the gauges read from the writer. */
export interface StorageState {
  queue: WriteQueue;
  /** Lines InfluxDB dropped as older than the retention policy. */
  droppedBeyondRetention(): number;
  /** Age of the oldest unsent line, ms. */
  behindMs(): number;
  degraded(): boolean;
}

/** Registers the writer's counters and gauges on `metrics`; returns the counters. */
export function storageMetrics(metrics: Metrics, w: StorageState): StorageCounters {
  const count: StorageCounters = {
    written: metrics.counter('hallwatch_storage_lines_written_total', 'Lines InfluxDB accepted'),
    queued: metrics.counter('hallwatch_storage_lines_queued_total', 'Lines handed to the writer (history produced)'),
    retried: metrics.counter('hallwatch_storage_write_retries_total', 'Write requests retried after a failure'),
    deadLettered: metrics.counter('hallwatch_storage_lines_dead_lettered_total', 'Lines InfluxDB rejected, kept in the dead-letter log'),
    latency: metrics.counter('hallwatch_storage_write_seconds_total', 'Time spent in successful write requests'),
    requests: metrics.counter('hallwatch_storage_write_requests_total', 'Write requests by outcome', ['outcome']),
  };
  count.written({}, 0);
  count.retried({}, 0);
  count.deadLettered({}, 0);
  const q = w.queue;
  metrics.gauge('hallwatch_storage_lines_buffered', 'Lines waiting to be written (memory and disk)', () => [[{}, q.size]]);
  metrics.gauge('hallwatch_storage_bytes_buffered', 'Bytes of the lines waiting in memory (sealed, open and in requests)', () => [[{}, q.memoryBytes]]);
  metrics.gauge('hallwatch_storage_lines_spilled', 'Lines waiting on disk', () => [[{}, q.spilledLines]]);
  const droppedHelp = 'Lines lost for good, by reason: buffer_full (memory and disk full), spill_refused (the disk refused the spill file: full or read-only), '
    + 'beyond_retention (InfluxDB refused them as older than the retention policy)';
  metrics.counterFrom('hallwatch_storage_lines_dropped_total', droppedHelp, ['reason'], () => [
    [{ reason: 'buffer_full' }, q.dropped],
    [{ reason: 'spill_refused' }, q.spillDropped],
    [{ reason: 'beyond_retention' }, w.droppedBeyondRetention()],
  ]);
  metrics.gauge('hallwatch_storage_oldest_unsent_age_seconds', 'Age of the oldest line waiting to be written (0 when none waits): how far history is behind',
    () => [[{}, w.behindMs() / 1000]]);
  metrics.counterFrom('hallwatch_storage_spill_failures_total', 'Spill files the storage directory refused (full, read-only); their lines are dropped', [],
    () => [[{}, q.spillFailures]]);
  metrics.gauge('hallwatch_storage_degraded', '1 while writes to InfluxDB are failing', () => [[{}, w.degraded() ? 1 : 0]]);
  return count;
}
