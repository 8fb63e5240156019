/**
 * The outbox of a pair of servers: a replicated JetStream work-queue stream, `HALLWATCH_NOTIFY`,
 * instead of the outbox directory. The leader publishes each delivery with its ID as the
 * message ID, so the stream drops a second copy within its duplicate window (the same
 * notification decided again by a new leader, a publish retried after a lost answer); the leader
 * alone pulls from its durable consumer and sends through the channels: ack on success, nak with
 * a delay on a retryable failure, term (and the failed log) on a permanent one. A delivery
 * published by a leader that died before sending it is sent by the next.
 */
import { registerNotificationMetrics, type Backlog, type NotificationCounts } from './notification-metrics.ts';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AckPolicy, headers, nanos, RetentionPolicy, StorageType, type JsMsg } from 'nats';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import type { LeaseCluster } from '../cluster/leader-lease.ts';
import { jitteredBackoffMs } from '../util/backoff.ts';
import type { Delivery, NotificationQueue, SendOutcome, Sender } from './outbox.ts';

export const NOTIFY_STREAM = 'HALLWATCH_NOTIFY';
const SUBJECT_PREFIX = 'hallwatch.notify.';
const CONSUMER = 'hallwatch-notify';
const BATCH = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A delivery as the stream carries it. */
interface StreamDelivery extends Delivery {
  /** A newer delivery of the same channel whose ID starts with this replaces this one unsent. */
  supersede?: string;
}

export interface NotifyStreamConfig {
  replicas: number;
  /** Deliveries older than this are given up, ms (the stream's max age too; 24 h). */
  maxAgeMs: number;
  /** The stream drops a second message with the same ID within this, ms (1 h). */
  duplicateWindowMs: number;
  maxRetryDelayMs: number;
  /** Deliveries given up on are appended here (`{storage-dir}/outbox/failed.jsonl`). */
  failedLogPath: string;
  /** How long one publish may wait for the cluster before it is tried again, ms. */
  publishTimeoutMs: number;
  /** Stream, subject prefix and consumer (server/cluster/pair-names.ts); the whole site's when absent. */
  names?: { stream: string; subjectPrefix: string; consumer: string };
}

export interface NotifyStreamDeps {
  cfg: NotifyStreamConfig;
  cluster: LeaseCluster;
  senders: Record<string, Sender>;
  metrics: Metrics;
  /** The deliveries counter when another queue shares it (the pair's fail-open outbox); else registered here. */
  counts?: NotificationCounts;
  log: Logger;
  /** Wall-clock ms, for a delivery's age. */
  clock: () => number;
  /** Whether this server leads now: only the leader publishes and sends. */
  isLeader: () => boolean;
  /** The lease epoch, carried in each message (`Hallwatch-Epoch`) to tell which leader decided it. */
  epoch: () => number;
  /**
   * Stop retrying a publish the stream has not taken (the cluster lost its quorum and this server
   * now notifies on its own: `ClusterRole.failOpen`); `publishAll` returns what was given up.
   */
  giveUp?: () => boolean;
}

/** A delivery the stream did not take before `giveUp` said to stop: its channel and payload. */
export interface Unpublished {
  channel: string;
  payload: unknown;
}

export class NotifyStream implements NotificationQueue {
  private stopped = false;
  private publishing = 0;
  private loop: Promise<void> | null = null;
  /** Pauses under way, ended early by stop(). */
  private readonly waiting = new Set<() => void>();
  /** Stream messages waiting and the oldest one's time, as of the last look (every few seconds). */
  private stored = { messages: 0, firstMs: Number.NaN, atMs: Number.NEGATIVE_INFINITY };
  /** Per `channel|prefix`, the newest superseding delivery seen. */
  private readonly newest = new Map<string, number>();
  private readonly count: (l?: Record<string, string>, by?: number) => void;
  private readonly cfg: NotifyStreamConfig;

  /** The stream, its subjects and consumer: the pair's own (a hall shard's), else the whole site's. */
  private readonly names: NonNullable<NotifyStreamConfig['names']>;

  constructor(private readonly deps: NotifyStreamDeps) {
    this.names = deps.cfg.names ?? { stream: NOTIFY_STREAM, subjectPrefix: SUBJECT_PREFIX, consumer: CONSUMER };
    this.cfg = deps.cfg;
    this.count = deps.counts ?? registerNotificationMetrics(deps.metrics, [this], deps.clock);
  }

  /** Deliveries waiting (stored in the stream, as of the last look, and being published) and the oldest one's time. */
  backlog(): Backlog {
    return { count: this.stored.messages + this.publishing, oldestMs: this.stored.messages > 0 ? this.stored.firstMs : Number.NaN };
  }

  /** Creates the stream and its consumer when missing, then sends while this server leads. */
  async start(): Promise<void> {
    await mkdir(dirname(this.cfg.failedLogPath), { recursive: true });
    const jsm = this.deps.cluster.jsm;
    const streamCfg = {
      name: this.names.stream, subjects: [`${this.names.subjectPrefix}>`], retention: RetentionPolicy.Workqueue, storage: StorageType.File,
      num_replicas: this.cfg.replicas, max_age: nanos(this.cfg.maxAgeMs), duplicate_window: nanos(this.cfg.duplicateWindowMs),
    };
    await jsm.streams.info(this.names.stream).then(() => jsm.streams.update(this.names.stream, streamCfg), () => jsm.streams.add(streamCfg));
    await jsm.consumers.add(this.names.stream, { durable_name: this.names.consumer, ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_deliver: -1 });
    this.loop = this.consume();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const done of [...this.waiting]) done();
    await this.loop;
  }

  /**
   * Publishes a delivery per channel (`payloadFor` undefined skips one) with the delivery's ID
   * as message ID; retried until the stream holds it. Resolves once it does. Not the leader:
   * nothing is published (counted).
   */
  enqueue(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<void> {
    return this.publishAll(notificationId, payloadFor, supersede).then(() => undefined);
  }

  /** As `enqueue`; resolves with the deliveries given up on (`giveUp`), for the caller to send another way. */
  publishAll(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<Unpublished[]> {
    const published: Promise<Unpublished | null>[] = [];
    for (const channel of Object.keys(this.deps.senders)) {
      const payload = payloadFor(channel);
      if (payload === undefined) continue;
      if (!this.deps.isLeader()) {
        this.count({ channel, outcome: 'not_leader' });
        continue;
      }
      const now = this.deps.clock();
      const d: StreamDelivery = { id: `${notificationId}:${channel}`, channel, payload, attempts: 0, nextAtMs: now, createdMs: now, ...(supersede ? { supersede } : {}) };
      published.push(this.publish(d));
    }
    return Promise.all(published).then((r) => r.filter((u): u is Unpublished => u !== null));
  }

  /** Publishes `d` until the stream takes it (null), or returns it when told to give up. */
  private async publish(d: StreamDelivery): Promise<Unpublished | null> {
    this.publishing++;
    const h = headers();
    h.set('Hallwatch-Epoch', String(this.deps.epoch()));
    try {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          const ack = await this.deps.cluster.js.publish(this.names.subjectPrefix + d.channel, encoder.encode(JSON.stringify(d)), {
            msgID: d.id, headers: h, timeout: this.cfg.publishTimeoutMs,
          });
          if (ack.duplicate) this.count({ channel: d.channel, outcome: 'duplicate' });
          return null;
        } catch (e) {
          if (this.deps.giveUp?.()) {
            this.deps.log.warn(`alerts: notification stream unreachable; ${d.id} goes through this server's own outbox (fail-open)`);
            return { channel: d.channel, payload: d.payload };
          }
          if (this.deps.clock() - d.createdMs > this.cfg.maxAgeMs) {
            this.count({ channel: d.channel, outcome: 'not_published' });
            this.deps.log.error(`alerts: gave up publishing ${d.id} to the notification stream: ${(e as Error).message}`);
            return null;
          }
          if (attempt === 0) this.deps.log.warn(`alerts: notification stream did not take ${d.id} (${(e as Error).message}); retrying`);
          await this.pause(jitteredBackoffMs(attempt, 500, 10_000, 8));
        }
      }
      return null;
    } finally {
      this.publishing--;
    }
  }

  /** While this server leads: pull a batch, send each delivery, answer the stream for each. */
  private async consume(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.look();
        if (!this.deps.isLeader()) {
          await this.pause(250);
          continue;
        }
        const consumer = await this.deps.cluster.js.consumers.get(this.names.stream, this.names.consumer);
        const batch = await consumer.fetch({ max_messages: BATCH, expires: 1000 });
        const handled: Promise<void>[] = [];
        for await (const m of batch) handled.push(this.handle(m));
        await Promise.all(handled);
        failures = 0;
      } catch (e) {
        if (failures++ === 0) this.deps.log.warn(`alerts: cannot read the notification stream (${(e as Error).message}); retrying`);
        await this.pause(Math.min(5000, 500 * failures));
      }
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    let d: StreamDelivery;
    try {
      d = JSON.parse(decoder.decode(m.data)) as StreamDelivery;
      if (typeof d?.id !== 'string' || typeof d.channel !== 'string' || !Number.isFinite(d.createdMs)) throw new Error('not a delivery');
    } catch (e) {
      this.deps.log.error(`alerts: unreadable notification ${m.seq} dropped (${(e as Error).message})`);
      return m.term();
    }
    const sender = this.deps.senders[d.channel];
    if (!sender) return this.finish(m, d, 'no_channel');
    if (this.superseded(d)) return this.finish(m, d, 'superseded');
    // Checked again right before sending: a holder whose lease ran out while it waited sends nothing.
    if (!this.deps.isLeader()) return m.nak();
    const attempts = m.info.redeliveryCount - 1;
    let outcome: SendOutcome;
    try {
      outcome = await sender({ ...d, attempts });
    } catch (e) {
      outcome = { ok: false, retry: true, reason: (e as Error).message };
    }
    if (outcome.ok) {
      await m.ackAck().catch(() => undefined);
      return this.count({ channel: d.channel, outcome: 'delivered' });
    }
    const now = this.deps.clock();
    if (!outcome.retry || now - d.createdMs > this.cfg.maxAgeMs) {
      this.deps.log.error(`alerts: ${d.channel} gave up on ${d.id}: ${outcome.reason}`);
      // When the log cannot be appended to, the line above already says it.
      await appendFile(this.cfg.failedLogPath, JSON.stringify({ ...d, attempts, reason: outcome.reason, atMs: now }) + '\n').catch(() => undefined);
      return this.finish(m, d, 'failed');
    }
    const backoff = jitteredBackoffMs(attempts + 1, 1000, this.cfg.maxRetryDelayMs, 12);
    if (attempts === 0) this.deps.log.warn(`alerts: ${d.channel} delivery failed (${outcome.reason}); retrying`);
    this.count({ channel: d.channel, outcome: 'retry' });
    // Whole milliseconds: nats-server reads the delay as integer nanoseconds and treats a fraction as a plain nak (at once).
    m.nak(Math.round(Math.min(this.cfg.maxRetryDelayMs, Math.max(backoff, outcome.retryAfterMs ?? 0))));
  }

  private finish(m: JsMsg, d: StreamDelivery, outcome: string): void {
    m.term();
    this.count({ channel: d.channel, outcome });
  }

  /** A superseding delivery (a full-state refresh) older than one already seen for its channel. */
  private superseded(d: StreamDelivery): boolean {
    if (!d.supersede) return false;
    const key = `${d.channel}|${d.supersede}`;
    const newest = this.newest.get(key) ?? Number.NEGATIVE_INFINITY;
    if (d.createdMs < newest) return true;
    this.newest.set(key, d.createdMs);
    return false;
  }

  /** Refreshes what the pending gauges report, at most every 5 s. */
  private async look(): Promise<void> {
    if (performance.now() - this.stored.atMs < 5000) return;
    this.stored.atMs = performance.now();
    const s = (await this.deps.cluster.jsm.streams.info(this.names.stream)).state;
    this.stored = { messages: s.messages, firstMs: s.messages > 0 ? Date.parse(s.first_ts) : Number.NaN, atMs: this.stored.atMs };
  }

  /** Waits `ms`, or less when stopping. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiting.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiting.add(done);
    });
  }
}
