/**
 * A server's `/healthz`, `/readyz` and whether its telemetry flows, from the parts that know:
 * ingest, the InfluxDB writer, the host clock, alerts, the pair's cluster role and the live
 * state's staleness. Reads them when asked; no I/O of its own.
 */
import { healthFacts, healthReport, type HealthSources } from '../http/health.ts';
import { readiness, readyFacts, telemetryFlows, type ReadySources } from '../http/readiness.ts';
import type { ClusterLink } from '../cluster/cluster-link.ts';
import type { ClusterRole } from '../cluster/cluster-role.ts';

export interface HealthPartsDeps extends Omit<HealthSources, 'cluster'>, Omit<ReadySources, 'clusterConnected'> {
  cluster: ClusterLink | null;
  role: ClusterRole | null;
}

export function healthParts(d: HealthPartsDeps): {
  health: () => ReturnType<typeof healthReport>; ready: () => ReturnType<typeof readiness>; seesSite: () => boolean;
} {
  const { cluster, role } = d;
  const pair = role && cluster
    ? () => ({ connected: cluster.connected, leader: role.lease.isLeader(), silentS: role.members.silentForMs() / 1000, failOpen: role.failOpen() })
    : undefined;
  const healthSources: HealthSources = { ...d, cluster: pair };
  const readySources: ReadySources = { ...d, clusterConnected: cluster ? () => cluster.connected : null };
  return {
    health: () => healthReport(healthFacts(healthSources)),
    ready: () => readiness(readyFacts(readySources)),
    seesSite: () => telemetryFlows(readyFacts(readySources)),
  };
}
