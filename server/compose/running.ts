/**
 * What a started server hands back — a whole-site server, a hall shard or a campus view alike —
 * and the part of it a fleet view on a hub has (no site of its own).
 */
import type { LiveState } from '../state/live-state.ts';
import type { Metrics } from '../http/metrics.ts';
import type { AlertDesk } from '../alerts/alert-desk.ts';

export interface RunningFleet {
  /** HTTP port actually bound. */
  port: number;
  /** Broker(s) the ingest reads from, comma-separated as `--mqtt` takes them (the embedded one's URL when it runs; '' for none). */
  mqttUrl: string;
  stop(): Promise<void>;
}

export interface RunningServer extends RunningFleet {
  state: LiveState;
  metrics: Metrics;
  alerts: AlertDesk;
}
