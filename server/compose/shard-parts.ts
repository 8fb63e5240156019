/**
 * Part of the composition root (server/main.ts): what makes a server a hall shard (`--halls`) —
 * its hold on its halls in the cluster and what it publishes to the campus view.
 */
import { hostname } from 'node:os';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { SiteSpec } from '../../protocol/site.ts';
import { shardId, siteKey } from '../../protocol/campus-subjects.ts';
import type { ClusterLink } from '../cluster/cluster-link.ts';
import { siteClaim } from '../cluster/site-fingerprint.ts';
import type { LiveState } from '../state/live-state.ts';
import type { AlertDesk } from '../alerts/alert-desk.ts';
import type { RouteAnswer } from '../http/history-routes.ts';
import { HallClaims } from '../campus/hall-claims.ts';
import { ShardPublisher } from '../campus/shard-publisher.ts';
import type { ClusterRole } from '../cluster/cluster-role.ts';

export interface ShardPartsDeps {
  cluster: ClusterLink;
  /** The campus's whole site file (the shard's own site has only its halls). */
  campusSpec: SiteSpec;
  log: Logger;
  clock: () => number;
}

export interface ShardLiveDeps {
  state: LiveState;
  alerts: AlertDesk;
  history: (path: string, params: URLSearchParams) => Promise<RouteAnswer | null>;
  telemetryFlows: () => boolean;
  /** Whether this server leads its shard's pair (always true for a single shard). */
  leads: () => boolean;
}

/**
 * Whether this server publishes its shard to the campus view: the leader of its pair, or a server
 * alone in it (a restarted single shard need not wait for its old lease to lapse).
 */
export function shardPublishes(role: ClusterRole | null, serverName: string | undefined): () => boolean {
  if (!role) return () => true;
  return () => role.lease.isLeader() || role.members.current().every((m) => m.serverName === serverName);
}

/** The hold on the halls (taken before the ingest starts), and the publisher once the shard runs. */
export function shardParts(cfg: ServerConfig, d: ShardPartsDeps): { claims: HallClaims; publisher: (live: ShardLiveDeps) => ShardPublisher } {
  const halls = cfg.halls!;
  const shard = shardId(halls);
  const serverName = cfg.serverName ?? `${hostname()}:${cfg.port}`;
  const claims = new HallClaims({ shard, halls, serverName, replicas: cfg.clusterReplicas, ttlMs: 15_000, renewMs: 3_000 }, { cluster: d.cluster, log: d.log, clock: d.clock });
  const siteSha256 = siteClaim(d.campusSpec, serverName, 0).sha256;
  const publisher = (live: ShardLiveDeps) => new ShardPublisher(
    { siteKey: siteKey(d.campusSpec.name), shard, maxRowsPerMessage: 2000, resyncMs: 5000, beatMs: 1000, alertsEveryMs: 2000 },
    {
      connection: () => d.cluster.connection, leads: live.leads, state: live.state, alerts: live.alerts, history: live.history, log: d.log, clock: d.clock,
      beat: () => ({
        shard, halls: [...halls].sort(), serverName, siteSha256, racks: live.state.site.racks.length, cdus: live.state.site.cdus.length,
        telemetryFlows: live.telemetryFlows(), dashboardUrl: cfg.publicUrl ?? null,
      }),
    },
  );
  return { claims, publisher };
}
