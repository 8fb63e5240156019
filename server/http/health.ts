/**
 * `/healthz`: ok, or degraded with the reason of each check that is not. `healthFacts` reads the
 * facts from the running modules; `healthReport`, pure, decides what they mean.
 */
import type { InfluxWriter } from '../history/influx-writer.ts';
import type { Health } from './http-server.ts';

export interface HealthFacts {
  mqttConnected: boolean;
  /** Null without InfluxDB (history in memory only). */
  storage: null | {
    status: string;
    lastError: string | null;
    linesWaiting: number;
    behindS: number;
    maxBehindS: number;
    /** The last refused spill write and its age, ms; null when none is recent. */
    spillError: { message: string; ageMs: number } | null;
    spillDroppedLines: number;
  };
  /** Host clock step not followed, ms (0 when none). */
  clockStepMs: number;
  alertsSaveError: { message: string; failures: number } | null;
  /** A pair's view of its cluster; null for a single server. */
  cluster?: null | { connected: boolean; leader: boolean; silentS: number; failOpen: boolean };
}

/** The modules whose state `/healthz` reports. */
export interface HealthSources {
  ingest: { readonly connected: boolean };
  /** Null without InfluxDB. */
  writer: InfluxWriter | null;
  /** History further behind than this is degraded, s (--storage-max-behind-s). */
  maxBehindS: number;
  /** Host clock step not followed, ms (0 when none). */
  clockStepMs: () => number;
  alerts: { readonly saveError: HealthFacts['alertsSaveError'] };
  clock: () => number;
  /** A pair's cluster facts, read now; absent for a single server. */
  cluster?: () => NonNullable<HealthFacts['cluster']>;
}

/** The facts `healthReport` decides on, read from the running modules now. */
export function healthFacts(src: HealthSources): HealthFacts {
  const { writer, clock } = src;
  const spill = writer?.queue.spillError;
  return {
    mqttConnected: src.ingest.connected,
    storage: writer && {
      status: writer.status, lastError: writer.lastError, linesWaiting: writer.queue.size,
      behindS: Math.round(writer.behindMs() / 1000), maxBehindS: src.maxBehindS,
      spillError: spill ? { message: spill.message, ageMs: clock() - spill.atMs } : null, spillDroppedLines: writer.queue.spillDropped,
    },
    clockStepMs: src.clockStepMs(),
    alertsSaveError: src.alerts.saveError,
    ...(src.cluster ? { cluster: src.cluster() } : {}),
  };
}

/** A refused spill within this long means history is being lost now. */
const SPILL_RECENT_MS = 60_000;

/** `/healthz`'s answer: ok, or degraded with each failing check's reason. */
export function healthReport(f: HealthFacts): Health {
  const checks: Record<string, string> = { mqtt: f.mqttConnected ? 'connected' : 'disconnected' };
  let ok = f.mqttConnected;
  const s = f.storage;
  if (!s) checks.storage = 'memory';
  else {
    const spilling = !!s.spillError && s.spillError.ageMs < SPILL_RECENT_MS;
    const spill = spilling ? `; spill to disk failing (${s.spillError!.message}), ${s.spillDroppedLines} lines lost` : '';
    const behind = s.behindS > s.maxBehindS;
    checks.storage = s.status === 'degraded' ? `degraded: ${s.lastError ?? 'writes failing'}; ${s.linesWaiting} lines buffered${spill}`
      : behind ? `behind: history ${s.behindS} s behind, ${s.linesWaiting} lines waiting${spill}`
      : spilling ? `degraded${spill}` : `influxdb ${s.status}`;
    ok &&= s.status !== 'degraded' && !behind && !spilling;
  }
  if (f.clockStepMs !== 0) {
    checks.clock = `host clock stepped by ${f.clockStepMs > 0 ? '+' : ''}${Math.round(f.clockStepMs / 1000)} s; not followed until the telemetry agrees`;
    ok = false;
  }
  if (f.alertsSaveError) {
    checks.alerts = `state not saved (${f.alertsSaveError.message}); ${f.alertsSaveError.failures} failed saves`;
    ok = false;
  }
  const c = f.cluster;
  if (c) {
    checks.cluster = c.failOpen ? `no answer for ${Math.round(c.silentS)} s (no quorum, or out of reach): notifying directly (fail-open)`
      : !c.connected ? 'disconnected; reconnecting' : c.leader ? 'leader' : 'standby';
    ok &&= c.connected && !c.failOpen;
  }
  return { status: ok ? 'ok' : 'degraded', checks };
}
