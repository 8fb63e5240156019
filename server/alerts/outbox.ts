/**
 * Durable notification outbox: one stored document per pending delivery (a JSON file in
 * `{storage-dir}/outbox/`), so deliveries survive a restart. Each is retried with jittered backoff (per-request timeout in the channel)
 * until it succeeds, is refused for good (4xx other than 408/429), or expires; one slow target
 * never holds up the others because deliveries run concurrently.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import { JsonDirStore } from '../storage/json-file-store.ts';
import type { KeyedStore } from '../storage/store.ts';
import { jitteredBackoffMs } from '../util/backoff.ts';
import { registerNotificationMetrics, type Backlog, type NotificationCounts } from './notification-metrics.ts';

export interface Delivery {
  /** Unique per notification and channel; sent as Idempotency-Key. */
  id: string;
  channel: string;
  payload: unknown;
  attempts: number;
  nextAtMs: number;
  createdMs: number;
}

export type SendOutcome = { ok: true } | { ok: false; retry: boolean; reason: string; retryAfterMs?: number };
export type Sender = (d: Delivery) => Promise<SendOutcome>;

/**
 * Where notifications wait to be delivered: the outbox directory of a single server (`Outbox`),
 * or the replicated stream of a pair (`NotifyStream`). AlertService does not know which it has.
 */
export interface NotificationQueue {
  /**
   * Queues a delivery for each channel, resolving once it is stored; `payloadFor` returning
   * undefined skips a channel. `supersede`: an unsent older delivery of the channel whose ID
   * starts with it is dropped (a newer full-state refresh replaces it).
   */
  enqueue(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<void>;
}

/** How long, and for how many deliveries at most, a sent delivery's ID is remembered. */
const SENT_WINDOW_MS = 3_600_000;
const SENT_MAX = 10_000;

/** Deliveries waiting, by ID. */
export type OutboxStore = KeyedStore<Delivery>;

/** The outbox directory: one `<URI-encoded ID>.json` per delivery. */
export function outboxDirStore(dir: string): OutboxStore {
  return new JsonDirStore<Delivery>(dir);
}

export interface OutboxConfig {
  /** Where deliveries given up on are logged (`failed.jsonl`). */
  dir: string;
  /** Give up after this long, ms (default 24 h). */
  maxAgeMs: number;
  maxRetryDelayMs: number;
}

export interface OutboxDeps {
  cfg: OutboxConfig;
  store: OutboxStore;
  senders: Record<string, Sender>;
  metrics: Metrics;
  /** The deliveries counter when another queue shares it (a pair's stream and outbox); else registered here. */
  counts?: NotificationCounts;
  log: Logger;
  clock: () => number;
}

export class Outbox implements NotificationQueue {
  private readonly pending = new Map<string, Delivery>();
  /**
   * Deliveries sent in the last hour, by ID, oldest first: a notification queued again under the
   * same ID (a pair's stream publish handed over when the cluster went silent, and the same page
   * decided again by the round) is sent once, as the stream's message-ID window does.
   */
  private readonly sent = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  /** The stored revision of each pending delivery (0: not stored). */
  private readonly revisions = new Map<string, number>();
  /** Per delivery, its last queued disk write: writes of one delivery run in order, each with the revision the one before left. */
  private readonly writes = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly count: (l?: Record<string, string>, by?: number) => void;
  private readonly cfg: OutboxConfig;
  private readonly store: OutboxStore;
  private readonly senders: Record<string, Sender>;
  private readonly log: Logger;
  private readonly clock: () => number;

  constructor(deps: OutboxDeps) {
    ({ cfg: this.cfg, store: this.store, senders: this.senders, log: this.log, clock: this.clock } = deps);
    this.count = deps.counts ?? registerNotificationMetrics(deps.metrics, [this], this.clock);
  }

  /** Deliveries waiting and the oldest one's creation time (NaN when none waits). */
  backlog(): Backlog {
    let oldest = Number.NaN;
    for (const d of this.pending.values()) if (!(d.createdMs >= oldest)) oldest = d.createdMs;
    return { count: this.pending.size, oldestMs: oldest };
  }

  get size(): number {
    return this.pending.size;
  }

  /** Takes up the deliveries a previous run left, then sends every 250 ms. */
  async start(): Promise<void> {
    const stored = await this.store.loadAll((key, reason) => this.log.warn(`alerts: unreadable outbox entry ${key} skipped (${reason})`));
    for (const [id, d] of stored) {
      this.pending.set(id, d.value);
      this.revisions.set(id, d.revision);
    }
    this.timer = setInterval(() => this.pump(), 250);
    this.pump();
  }

  /** Stops retrying; resolves once the disk writes under way are done. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.writes.values());
  }

  /**
   * Queues a delivery for each channel, resolving once they are stored; `payloadFor` returning
   * undefined skips a channel. `supersede` drops pending deliveries of that channel whose ID
   * starts with the given prefix (a newer full-state refresh replaces an unsent older one).
   */
  enqueue(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): Promise<void> {
    const stored: Promise<void>[] = [];
    for (const channel of Object.keys(this.senders)) {
      const id = `${notificationId}:${channel}`;
      if (this.pending.has(id) || this.sent.has(id)) continue;
      const payload = payloadFor(channel);
      if (payload === undefined) continue;
      if (supersede) {
        for (const old of this.pending.values()) {
          if (old.channel === channel && old.id.startsWith(supersede) && !this.inFlight.has(old.id)) this.done(old, 'superseded');
        }
      }
      const d: Delivery = { id, channel, payload, attempts: 0, nextAtMs: this.clock(), createdMs: this.clock() };
      this.pending.set(id, d);
      stored.push(this.persist(d));
    }
    this.pump();
    return Promise.all(stored).then(() => undefined);
  }

  /**
   * Writes a delivery to disk, after any write of it still under way (a retry that fails fast
   * must not race its first write). When the storage directory is full or read-only the delivery
   * stays in memory (still sent and retried, lost only if the server stops first); counted.
   */
  private persist(d: Delivery): Promise<void> {
    return this.inOrder(d.id, async () => {
      // Finished while earlier writes ran: the delete queued after them removes the file.
      if (!this.pending.has(d.id)) return;
      try {
        const r = await this.store.put(d.id, { ...d }, this.revisions.get(d.id) ?? 0);
        if (!r.ok) throw new Error(`stored at revision ${r.revision} by another process`);
        this.revisions.set(d.id, r.revision);
      } catch (e) {
        this.count({ channel: d.channel, outcome: 'not_persisted' });
        this.log.error(`alerts: cannot keep delivery ${d.id} on disk (${(e as Error).message}); it waits in memory only`);
      }
    });
  }

  private done(d: Delivery, outcome: string): void {
    this.pending.delete(d.id);
    if (outcome === 'delivered') this.rememberSent(d.id);
    void this.inOrder(d.id, async () => {
      this.revisions.delete(d.id);
      await this.store.delete(d.id).catch((e: Error) => this.log.warn(`alerts: cannot remove finished delivery ${d.id} from the outbox: ${e.message}`));
    });
    this.count({ channel: d.channel, outcome });
  }

  private rememberSent(id: string): void {
    const now = this.clock();
    this.sent.delete(id);
    this.sent.set(id, now);
    for (const [old, atMs] of this.sent) {
      if (now - atMs < SENT_WINDOW_MS && this.sent.size <= SENT_MAX) break;
      this.sent.delete(old);
    }
  }

  /** Runs `write` after the writes of the same delivery queued before it (`write` never rejects). */
  private inOrder(id: string, write: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(id) ?? Promise.resolve()).then(write);
    this.writes.set(id, next);
    void next.then(() => {
      if (this.writes.get(id) === next) this.writes.delete(id);
    });
    return next;
  }

  private pump(): void {
    const now = this.clock();
    for (const d of this.pending.values()) {
      if (this.inFlight.has(d.id) || d.nextAtMs > now) continue;
      this.inFlight.add(d.id);
      void this.attempt(d).finally(() => this.inFlight.delete(d.id));
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    const sender = this.senders[d.channel];
    if (!sender) return this.done(d, 'no_channel');
    let outcome: SendOutcome;
    try {
      outcome = await sender(d);
    } catch (e) {
      outcome = { ok: false, retry: true, reason: (e as Error).message };
    }
    if (outcome.ok) return this.done(d, 'delivered');
    const now = this.clock();
    if (!outcome.retry || now - d.createdMs > this.cfg.maxAgeMs) {
      this.log.error(`alerts: ${d.channel} gave up on ${d.id}: ${outcome.reason}`);
      // When the log cannot be appended to, the line above already says it.
      await appendFile(join(this.cfg.dir, 'failed.jsonl'), JSON.stringify({ ...d, reason: outcome.reason, atMs: now }) + '\n').catch(() => undefined);
      return this.done(d, 'failed');
    }
    d.attempts++;
    const backoff = jitteredBackoffMs(d.attempts, 1000, this.cfg.maxRetryDelayMs, 12);
    d.nextAtMs = now + Math.min(this.cfg.maxRetryDelayMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
    if (d.attempts === 1) this.log.warn(`alerts: ${d.channel} delivery failed (${outcome.reason}); retrying`);
    this.count({ channel: d.channel, outcome: 'retry' });
    await this.persist(d);
  }
}
