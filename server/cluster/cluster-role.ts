/**
 * This server's part in a pair: the leadership lease, the membership heartbeat, the replicated
 * notification stream, and the alerts told when this server starts or stops leading (it adopts
 * the stored evaluation before it notifies). `/metrics`: `hallwatch_cluster_leader`,
 * `hallwatch_cluster_members`, `hallwatch_cluster_lease_epoch`. The constructor does no I/O.
 */
import type { ClusterView } from '../../protocol/cluster.ts';
import { join } from 'node:path';
import type { PairNames } from './pair-names.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Sender } from '../alerts/outbox.ts';
import { NotifyStream } from '../alerts/notify-stream.ts';
import type { NotificationCounts } from '../alerts/notification-metrics.ts';
import { LeaderLease, type LeaseCluster } from './leader-lease.ts';
import { LEASE_TIMING } from './lease-decision.ts';
import { Members } from './members.ts';

export interface ClusterRoleConfig {
  serverName: string;
  replicas: number;
  /** The failed-deliveries log goes to `{storageDir}/outbox/failed.jsonl`, as with the outbox directory. */
  storageDir: string;
  /** Identifies the site file, carried in the membership heartbeat. */
  siteFingerprint?: string;
  /** The pair's names on the cluster: a hall shard's own, or the whole site's when absent. */
  names?: PairNames;
  /** A hall shard or campus view may run alone: it expects as many servers as it has seen together. */
  pairOptional?: boolean;
}

export interface ClusterRoleDeps {
  cluster: LeaseCluster;
  metrics: Metrics;
  log: Logger;
  /** Wall-clock ms (a delivery's age). */
  clock: () => number;
  /** The notification channels' senders; none: no stream. */
  senders: Record<string, Sender>;
  /** The deliveries counter the stream shares with the fail-open outbox. */
  counts?: NotificationCounts;
  /** Whether this server sees the site (its telemetry flows): one that does not leaves the lead to one that does. */
  fit?: () => boolean;
}

/** What the role tells when this server starts or stops leading (AlertService). */
export interface Led {
  lead(): Promise<void>;
  follow(): void;
  /** A clean stop of the leader: stores what it must and stops notifying, before the lease is let go. */
  handOver(): Promise<void>;
}

/** The cluster silent this long: the lease (15 s) and the longest write stall of an election (~10 s) past. */
export const FAIL_OPEN_AFTER_MS = 30_000;

export class ClusterRole {
  readonly lease: LeaderLease;
  readonly members: Members;
  /** The pair's outbox; null when no channel is configured. */
  readonly notifications: NotifyStream | null;
  private led: Led | null = null;
  /** Role changes run one after the other: an adoption finishes before the next change is applied. */
  private changes: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  private readonly serverName: string;
  private readonly fit: () => boolean;
  private started = false;
  private wasFailOpen = false;
  private readonly pairOptional: boolean;
  /** The most servers seen together in the pair (a lone shard expects only itself). */
  private mostSeen = 1;

  constructor(cfg: ClusterRoleConfig, deps: ClusterRoleDeps) {
    this.log = deps.log;
    this.serverName = cfg.serverName;
    this.pairOptional = cfg.pairOptional ?? false;
    this.fit = deps.fit ?? (() => true);
    const startedMs = deps.clock();
    this.lease = new LeaderLease(
      { serverName: cfg.serverName, replicas: cfg.replicas, timing: LEASE_TIMING, writeTimeoutMs: 5_000, bucket: cfg.names?.leaseBucket },
      { cluster: deps.cluster, log: deps.log, onRole: (leading) => this.roleChanged(leading), defer: () => this.defers() },
    );
    this.members = new Members({ serverName: cfg.serverName, replicas: cfg.replicas, everyMs: 2_000, maxAgeMs: 15_000, bucket: cfg.names?.membersBucket }, {
      cluster: deps.cluster, log: deps.log,
      heartbeat: () => ({
        serverName: cfg.serverName, leader: this.lease.isLeader(), epoch: this.lease.epoch, startedMs, fit: this.fit(),
        ...(cfg.siteFingerprint ? { siteFingerprint: cfg.siteFingerprint } : {}),
      }),
    });
    this.notifications = Object.keys(deps.senders).length === 0 ? null : new NotifyStream({
      cfg: {
        replicas: cfg.replicas, maxAgeMs: 86_400_000, duplicateWindowMs: 3_600_000, maxRetryDelayMs: 60_000,
        failedLogPath: join(cfg.storageDir, 'outbox', 'failed.jsonl'), publishTimeoutMs: 5_000,
        names: cfg.names && { stream: cfg.names.notifyStream, subjectPrefix: cfg.names.notifySubjectPrefix, consumer: cfg.names.notifyConsumer },
      },
      cluster: deps.cluster, senders: deps.senders, metrics: deps.metrics, counts: deps.counts, log: deps.log, clock: deps.clock,
      isLeader: () => this.lease.isLeader(), epoch: () => this.lease.epoch, giveUp: () => this.failOpen(),
    });
    deps.metrics.gauge('hallwatch_cluster_leader', '1 while this server leads the pair (notifies), 0 on the standby', () => [[{}, this.lease.isLeader() ? 1 : 0]]);
    deps.metrics.gauge('hallwatch_cluster_members', 'Servers of the pair heard from in the last 15 s, this one included', () => [[{}, this.members.current().length]]);
    deps.metrics.gauge('hallwatch_cluster_fail_open', '1 while the cluster does not answer and this server notifies through its own outbox', () => [[{}, this.failOpen() ? 1 : 0]]);
    deps.metrics.gauge('hallwatch_cluster_lease_epoch', 'The leadership lease epoch this server leads in, or the newest it has seen', () => [[{}, this.lease.epoch]]);
  }

  /**
   * Fail-open: the cluster has not answered for longer than the lease plus a renewal's stall
   * (two of three nodes down, or this server cut off), so no server can lead; each notifies
   * through its own outbox until the cluster answers again.
   */
  failOpen(): boolean {
    const open = this.started && this.members.silentForMs() > FAIL_OPEN_AFTER_MS;
    if (open !== this.wasFailOpen) {
      this.wasFailOpen = open;
      if (open) this.log.error(`cluster: no answer for ${Math.round(this.members.silentForMs() / 1000)} s (no quorum, or out of reach): notifying directly (fail-open)`);
      else this.log.info('cluster: answering again; notifications through the leader');
    }
    return open;
  }

  /** This server cannot see the site while another server of the pair can: it leaves the lead to that one. */
  private defers(): boolean {
    return !this.fit() && this.members.current().some((m) => m.serverName !== this.serverName && m.fit === true);
  }

  /** The pair as this server sees it (`/api/cluster`, the dashboard's header). */
  view(): ClusterView {
    const beats = this.members.current();
    const members = [...new Set([this.serverName, ...beats.map((b) => b.serverName)])].sort();
    const leader = this.lease.isLeader() ? this.serverName : beats.find((b) => b.leader && b.serverName !== this.serverName)?.serverName ?? null;
    this.mostSeen = Math.max(this.mostSeen, members.length);
    return { serverName: this.serverName, clustered: true, members, leader, ...(this.pairOptional ? { expectedMembers: this.mostSeen } : {}) };
  }

  /** Joins the pair: heartbeats, then contends for the lease; `led` is told of each change. */
  async start(led: Led): Promise<void> {
    this.led = led;
    await this.members.start();
    await this.lease.start();
    this.started = true;
  }

  /** Stops leading and lets the lease go first, so the other server takes over at once. */
  async stop(): Promise<void> {
    await this.changes;
    if (this.led && this.lease.isLeader()) {
      // At most 5 s: a cluster that does not answer must not hold up the stop (the lease then runs out instead).
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((r) => (timer = setTimeout(() => (this.log.warn('cluster: handing over took over 5 s; letting the lease go'), r()), 5000)));
      await Promise.race([this.led.handOver().catch((e: Error) => this.log.error(`cluster: handing over: ${e.message}`)), late]);
      clearTimeout(timer);
      this.led.follow();
    }
    await this.lease.stop();
    await this.changes;
    await this.members.stop();
  }

  private roleChanged(leading: boolean): void {
    this.changes = this.changes.then(() => (leading ? this.takeLead() : this.led?.follow()));
  }

  /**
   * Adopts the stored evaluation, retried every 2 s while this server still leads: without it
   * the server cannot know what was paged, so it stays in shadow until it has it.
   */
  private async takeLead(): Promise<void> {
    for (let attempt = 1; this.led && this.lease.isLeader(); attempt++) {
      try {
        await this.led.lead();
        // The lease may have gone while the evaluation loaded.
        if (!this.lease.isLeader()) this.led.follow();
        return;
      } catch (e) {
        this.led.follow();
        if (attempt === 1) this.log.error(`cluster: cannot take the lead yet, the stored alert evaluation did not load (${(e as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }
}
