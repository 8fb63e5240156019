/**
 * `/healthz`: ok, or degraded with the reason of each check that is not. Pure: the composition
 * root gathers the facts, this decides what they mean.
 */
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
}

/** A refused spill within this long means history is being lost now. */
const SPILL_RECENT_MS = 60_000;

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
  return { status: ok ? 'ok' : 'degraded', checks };
}
