/**
 * `/readyz`: whether this server can serve a browser or a wall now — what a load balancer
 * checks (config/haproxy/hallwatch.cfg). Narrower than `/healthz` on purpose: InfluxDB, the
 * outbox and the clock are left out, because both servers of a pair share them, and a shared
 * fault that made both unready would take the whole site out of the balancer while either
 * could still show the live halls. `readyFacts` reads the running modules; `readiness`, pure,
 * decides.
 */

export interface ReadyFacts {
  /** Some telemetry source (MQTT, DSX) is connected to its bus. */
  sourceConnected: boolean;
  /** Server time since the last accepted sample, ms; NaN when none was taken yet. */
  sinceSampleMs: number;
  /** Null when not clustered (`--cluster` unset); else whether the cluster connection is up. */
  clusterConnected: boolean | null;
}

export interface Readiness {
  ready: boolean;
  /** Why not, one line each; empty when ready. */
  reasons: string[];
  /** The facts decided on, for whoever reads the answer. */
  checks: { ingest: string; cluster: string };
}

/**
 * A source that dropped its connection this recently still counts: a broker node failing over
 * takes a few seconds, and both servers reconnect at once — out of the balancer together, the
 * site would answer nothing where it could answer slightly old data.
 */
export const RECENT_SAMPLE_MS = 10_000;

/** The live state is fed: a source connected, or a sample within the grace (also what lets a pair's server lead). */
export function telemetryFlows(f: ReadyFacts): boolean {
  return f.sourceConnected || f.sinceSampleMs < RECENT_SAMPLE_MS;
}

/** `/readyz`'s answer from the facts: ready when the live state is fed and, when clustered, the cluster is reachable. */
export function readiness(f: ReadyFacts): Readiness {
  const reasons: string[] = [];
  const sinceS = Number.isFinite(f.sinceSampleMs) ? `${Math.round(f.sinceSampleMs / 1000)} s ago` : 'never';
  const ingest = f.sourceConnected ? 'connected' : `disconnected; last sample ${sinceS}`;
  if (!telemetryFlows(f)) reasons.push(`telemetry: no source connected and no sample for ${RECENT_SAMPLE_MS / 1000} s (last ${sinceS})`);
  const cluster = f.clusterConnected === null ? 'not clustered' : f.clusterConnected ? 'connected' : 'disconnected';
  if (f.clusterConnected === false) reasons.push('cluster: not connected to any NATS node (shared operator state unreachable)');
  return { ready: reasons.length === 0, reasons, checks: { ingest, cluster } };
}

/** Where the facts come from. */
export interface ReadySources {
  sources: readonly { readonly connected: boolean }[];
  /** Server clock of the last accepted sample, ms (NaN when none). */
  lastSampleMs: () => number;
  /** The cluster connection's state; null when not clustered. */
  clusterConnected: (() => boolean) | null;
  clock: () => number;
}

/** The facts `readiness` decides on, read now. */
export function readyFacts(src: ReadySources): ReadyFacts {
  return {
    sourceConnected: src.sources.some((s) => s.connected),
    sinceSampleMs: src.clock() - src.lastSampleMs(),
    clusterConnected: src.clusterConnected ? src.clusterConnected() : null,
  };
}
