/**
 * `/healthz`: ok, or degraded with the reason of each check that is not. `healthFacts` reads the
 * facts from the running modules; `healthReport`, pure, decides what they mean.
 */
import type { InfluxWriter } from '../history/influx-writer.ts';
import type { Health } from './http-server.ts';
import type { StalenessFacts } from '../state/staleness.ts';

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
  /** How staleness is judged now: this server's own delay credited, an open delay of the telemetry. */
  staleness?: StalenessFacts;
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
  /** The live state's staleness facts, read now. */
  staleness?: () => StalenessFacts;
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
    ...(src.staleness ? { staleness: src.staleness() } : {}),
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
  const t = f.staleness;
  const telemetry = t && telemetryCheck(t);
  if (telemetry) {
    checks.telemetry = telemetry.text;
    ok &&= telemetry.ok;
  }
  const c = f.cluster;
  if (c) {
    checks.cluster = c.failOpen ? `no answer for ${Math.round(c.silentS)} s (no quorum, or out of reach): notifying directly (fail-open)`
      : !c.connected ? 'disconnected; reconnecting' : c.leader ? 'leader' : 'standby';
    ok &&= c.connected && !c.failOpen;
  }
  return { status: ok ? 'ok' : 'degraded', checks };
}

/** A credit under this share of the stale threshold is the ordinary jitter of a healthy ingest: not reported. */
const CREDIT_REPORTED_SHARE = 0.1;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The telemetry check: an open delay of the path (said, not degraded: the fault is upstream, and
 * its incident pages), or this server judging staleness later than the site's threshold because
 * its own ingest is behind (degraded once the credit is at its cap: any later, racks are marked
 * stale for this server's own delay); nothing when neither.
 */
function telemetryCheck(t: StalenessFacts): { text: string; ok: boolean } | null {
  const e = t.delay;
  if (e) {
    const ageS = Math.round(e.oldestSampleAgeMs / 1000);
    return {
      text: `delayed: ${e.racks} racks and ${e.cdus} CDUs went stale together (${e.racksStale + e.cdusStale} still stale, oldest sample ${ageS} s) — broker or gateway?`,
      ok: true,
    };
  }
  if (t.creditMs < CREDIT_REPORTED_SHARE * t.staleAfterMs) return null;
  const age = Number.isNaN(t.sampleAgeP99Ms) ? 'no recent samples' : `samples arrive ${seconds(t.sampleAgeP99Ms)} late (p99)`;
  const lag = t.loopLagMs >= 100 ? `, event loop ${seconds(t.loopLagMs)} late` : '';
  const atCap = t.creditMs >= t.capMs;
  return {
    text: `${atCap ? 'behind' : 'late'}: ${age}${lag}; `
      + `stale after ${seconds(t.staleAfterMs + t.creditMs)} instead of ${seconds(t.staleAfterMs)}${atCap ? ' (the most it is raised)' : ''}`,
    ok: !atCap,
  };
}
