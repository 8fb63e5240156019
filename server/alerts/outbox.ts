/**
 * Durable notification outbox: one JSON file per pending delivery in `dir`, so deliveries
 * survive a restart. Each is retried with jittered backoff (per-request timeout in the channel)
 * until it succeeds, is refused for good (4xx other than 408/429), or expires; one slow target
 * never holds up the others because deliveries run concurrently.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';

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

export interface OutboxConfig {
  dir: string;
  /** Give up after this long, ms (default 24 h). */
  maxAgeMs: number;
  maxRetryDelayMs: number;
}

export class Outbox {
  private readonly pending = new Map<string, Delivery>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly count: (l?: Record<string, string>, by?: number) => void;

  constructor(
    private readonly cfg: OutboxConfig,
    private readonly senders: Record<string, Sender>,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.count = metrics.counter('hallwatch_notifications_total', 'Notification deliveries by channel and outcome', ['channel', 'outcome']);
    metrics.gauge('hallwatch_notifications_pending', 'Deliveries waiting in the outbox', () => [[{}, this.pending.size]]);
    metrics.gauge('hallwatch_notifications_oldest_pending_age_seconds', 'Age of the oldest delivery waiting in the outbox (0 when none waits)', () => {
      let oldest = Number.POSITIVE_INFINITY;
      for (const d of this.pending.values()) oldest = Math.min(oldest, d.createdMs);
      return [[{}, Number.isFinite(oldest) ? Math.max(0, this.clock() - oldest) / 1000 : 0]];
    });
    mkdirSync(cfg.dir, { recursive: true });
    for (const name of readdirSync(cfg.dir).filter((n) => n.endsWith('.json'))) {
      try {
        const d = JSON.parse(readFileSync(join(cfg.dir, name), 'utf8')) as Delivery;
        this.pending.set(d.id, d);
      } catch {
        this.log.warn(`alerts: unreadable outbox entry ${name} skipped`);
      }
    }
  }

  get size(): number {
    return this.pending.size;
  }

  start(): void {
    this.timer = setInterval(() => this.pump(), 250);
    this.pump();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Queues a delivery for each channel (durably, before returning); `payloadFor` returning
   * undefined skips a channel. `supersede` drops pending deliveries of that channel whose ID
   * starts with the given prefix (a newer full-state refresh replaces an unsent older one).
   */
  enqueue(notificationId: string, payloadFor: (channel: string) => unknown, supersede?: string): void {
    for (const channel of Object.keys(this.senders)) {
      const id = `${notificationId}:${channel}`;
      if (this.pending.has(id)) continue;
      const payload = payloadFor(channel);
      if (payload === undefined) continue;
      if (supersede) {
        for (const old of this.pending.values()) if (old.channel === channel && old.id.startsWith(supersede) && !this.inFlight.has(old.id)) this.done(old, 'superseded');
      }
      const d: Delivery = { id, channel, payload, attempts: 0, nextAtMs: this.clock(), createdMs: this.clock() };
      this.persist(d);
      this.pending.set(id, d);
    }
    this.pump();
  }

  private file(id: string): string {
    return join(this.cfg.dir, encodeURIComponent(id) + '.json');
  }

  /**
   * Writes a delivery to disk. When the storage directory is full or read-only the delivery
   * stays in memory (still sent and retried, lost only if the server stops first); counted.
   */
  private persist(d: Delivery): void {
    const tmp = this.file(d.id) + '.tmp';
    try {
      writeFileSync(tmp, JSON.stringify(d));
      renameSync(tmp, this.file(d.id));
    } catch (e) {
      rmSync(tmp, { force: true, maxRetries: 0 });
      this.count({ channel: d.channel, outcome: 'not_persisted' });
      this.log.error(`alerts: cannot keep delivery ${d.id} on disk (${(e as Error).message}); it waits in memory only`);
    }
  }

  private done(d: Delivery, outcome: string): void {
    this.pending.delete(d.id);
    rmSync(this.file(d.id), { force: true });
    this.count({ channel: d.channel, outcome });
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
      try {
        appendFileSync(join(this.cfg.dir, 'failed.jsonl'), JSON.stringify({ ...d, reason: outcome.reason, atMs: now }) + '\n');
      } catch {
        // the log line above already says it
      }
      return this.done(d, 'failed');
    }
    d.attempts++;
    const backoff = Math.min(this.cfg.maxRetryDelayMs, 1000 * 2 ** Math.min(d.attempts, 12)) * (0.5 + Math.random() * 0.5);
    d.nextAtMs = now + Math.min(this.cfg.maxRetryDelayMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
    if (d.attempts === 1) this.log.warn(`alerts: ${d.channel} delivery failed (${outcome.reason}); retrying`);
    this.count({ channel: d.channel, outcome: 'retry' });
    this.persist(d);
  }
}
