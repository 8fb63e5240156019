/** This server's view of the cluster on /metrics: whether it is connected, and how long its key-value writes take. */
import type { Metrics } from '../http/metrics.ts';

/** Upper bounds of the write-latency buckets, s: a write takes milliseconds, a stream-leader election stalls it for seconds. */
const KV_WRITE_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the gauge and the histogram; returns what each key-value write reports to (KvStoreOptions.onWrite). */
export function registerClusterMetrics(metrics: Metrics, link: { readonly connected: boolean }): (ms: number, stored: boolean) => void {
  metrics.gauge('hallwatch_cluster_connected', '1 while this server holds a connection to a node of the NATS cluster (--cluster), else 0',
    () => [[{}, link.connected ? 1 : 0]]);
  const observe = metrics.histogram('hallwatch_cluster_kv_write_seconds',
    'Time a write of operator state to the cluster\'s key-value store took, by whether it was stored', KV_WRITE_BUCKETS_S, ['outcome']);
  return (ms, stored) => observe(ms / 1000, { outcome: stored ? 'stored' : 'not_stored' });
}
