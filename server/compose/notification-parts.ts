/**
 * Part of the composition root (server/main.ts): where notifications go. One server sends
 * through its own outbox; a pair (`--cluster`) through the leader's replicated stream, and
 * through each server's own outbox while the cluster is silent (fail-open, PairQueue).
 */
import { join } from 'node:path';
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { ClusterLink } from '../cluster/cluster-link.ts';
import { ClusterRole } from '../cluster/cluster-role.ts';
import type { PairNames } from '../cluster/pair-names.ts';
import { notificationChannels } from '../alerts/channels/channels.ts';
import type { Channel } from '../alerts/notification.ts';
import { Outbox, outboxDirStore, type NotificationQueue } from '../alerts/outbox.ts';
import { PairQueue } from '../alerts/pair-queue.ts';
import { registerNotificationMetrics, type Backlog } from '../alerts/notification-metrics.ts';

export interface NotificationParts {
  channels: Channel[];
  /** The pair's lease, membership and stream; null for one server. */
  role: ClusterRole | null;
  /** This server's own outbox (null: no channel configured). */
  local: Outbox | null;
  /** Where the alert service queues a notification. */
  outbox: NotificationQueue | null;
}

export interface NotificationDeps {
  cluster: ClusterLink | null;
  mqttUrls: string[];
  metrics: Metrics;
  log: Logger;
  clock: () => number;
  /** Whether this server's telemetry flows (a pair's leader that cannot see the site hands over). */
  seesSite: () => boolean;
  /** A hall shard's names on the cluster; the whole site's when absent. */
  names?: PairNames;
}

export function notificationParts(cfg: ServerConfig, d: NotificationDeps): NotificationParts {
  const channels = notificationChannels(cfg, d.mqttUrls);
  const senders = Object.fromEntries(channels.map((c) => [c.name, c.send]));
  const outboxDir = join(cfg.storageDir, 'outbox');
  // The notification metrics once, over every queue this server has (a pair: the stream and the fail-open outbox).
  const queues: { backlog(): Backlog }[] = [];
  const counts = channels.length ? registerNotificationMetrics(d.metrics, queues, d.clock) : undefined;
  const role = d.cluster
    ? new ClusterRole({ serverName: cfg.serverName!, replicas: cfg.clusterReplicas, storageDir: cfg.storageDir, names: d.names, pairOptional: d.names !== undefined }, {
        cluster: d.cluster, metrics: d.metrics, log: d.log, clock: d.clock, senders, counts, fit: d.seesSite,
      })
    : null;
  const local = channels.length
    ? new Outbox({ cfg: { dir: outboxDir, maxAgeMs: 86_400_000, maxRetryDelayMs: 60_000 }, store: outboxDirStore(outboxDir), senders, metrics: d.metrics, counts, log: d.log, clock: d.clock })
    : null;
  const stream = role?.notifications ?? null;
  for (const q of [local, stream]) if (q) queues.push(q);
  const outbox = stream && local ? new PairQueue(stream, local, () => role!.failOpen()) : local;
  return { channels, role, local, outbox };
}
