/**
 * Writes line protocol to InfluxDB (through InfluxClient's `/write`) with Hallwatch's own
 * durability: batches of up to `queue.batchLines` lines, up to three requests in flight (batches
 * grow while they are out), retries with jittered exponential backoff that honour Retry-After
 * (capped), a bounded queue that spills to disk, and bisection of a rejected (4xx) batch so good
 * lines land and bad ones go to a dead-letter log with the server's message (WriteLosses).
 * Points are keyed by measurement, tags and source time, so a retried write overwrites itself:
 * nothing is stored twice. The database and retention policies are set up before the first write.
 */
import { HttpError } from '@influxdata/influxdb-client';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import { jitteredBackoffMs } from '../util/backoff.ts';
import { WriteQueue, type Batch, type QueueLimits, type Taken } from './write-queue.ts';
import { PackedLines } from './packed-lines.ts';
import type { Tier } from './schema.ts';
import { classifyWriteFailure, errorText, lineTsMs } from './write-outcome.ts';
import type { InfluxClient } from './influx-client.ts';
import { ensureSchema } from './influx-schema.ts';
import { WriteLosses } from './write-losses.ts';
import { storageMetrics, type StorageCounters } from './storage-metrics.ts';

export interface InfluxWriterConfig {
  /** InfluxQL durations per tier, e.g. 7d, 90d, 104w. */
  retention: Record<Tier, string>;
  /** How often the queue is pumped, ms; also the longest a batch stays open. */
  flushIntervalMs: number;
  /** Longest backoff between retries, ms; Retry-After is capped at the same. */
  maxRetryDelayMs: number;
  /** JSON-lines file of the lines InfluxDB rejected. */
  deadLetterPath: string;
  queue: QueueLimits;
  /** Write requests in flight at once (default 3): one at a time cannot keep up with a gigawatt site. */
  concurrency?: number;
}

/** What the writer writes through and reports to. */
export interface InfluxWriterDeps {
  client: InfluxClient;
  cfg: InfluxWriterConfig;
  metrics: Metrics;
  log: Logger;
  /** Wall-clock now, ms (for the backoff, the batches' age and the logs' minute; default Date.now). */
  clock?: () => number;
}

export type StorageStatus = 'ok' | 'degraded' | 'starting';

export class InfluxWriter {
  readonly queue: WriteQueue;
  private readonly losses: WriteLosses;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private schemaPending = false;
  private retryAtMs = 0;
  private attempt = 0;
  private schemaReady = false;
  private stopped = false;
  /** `degraded` while writes fail (then retried with backoff); `starting` until the first write lands. */
  status: StorageStatus = 'starting';
  /** The last write failure, null once writes succeed again. */
  lastError: string | null = null;
  private readonly count: StorageCounters;

  private readonly client: InfluxClient;
  private readonly cfg: InfluxWriterConfig;
  private readonly log: Logger;
  private readonly clock: () => number;

  constructor(deps: InfluxWriterDeps) {
    const { client, cfg, metrics, log, clock = Date.now } = deps;
    this.client = client;
    this.cfg = cfg;
    this.log = log;
    this.clock = clock;
    this.queue = new WriteQueue(cfg.queue, clock);
    this.losses = new WriteLosses(cfg.deadLetterPath, log, clock);
    this.count = storageMetrics(metrics, {
      queue: this.queue,
      droppedBeyondRetention: () => this.losses.droppedByReason.beyond_retention,
      behindMs: () => this.behindMs(),
      degraded: () => this.status === 'degraded',
    });
  }

  /** How long the oldest unsent line has waited, ms (0 when nothing waits). */
  behindMs(): number {
    const oldest = this.queue.oldestQueuedMs();
    return Number.isNaN(oldest) ? 0 : Math.max(0, this.clock() - oldest);
  }

  /** Pumps the queue every `flushIntervalMs`, setting up the database first. */
  start(): void {
    this.timer = setInterval(() => this.pump(), this.cfg.flushIntervalMs);
    this.pump();
  }

  /** Queues lines for a tier; never blocks and never throws. */
  write(rp: Tier, lines: string[]): void {
    if (lines.length === 0) return;
    this.count.queued({}, lines.length);
    this.queue.push(rp, lines);
  }

  /** Sends what is queued, up to `deadlineMs`, then spills the rest to disk. */
  async stop(deadlineMs = 5000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const until = this.clock() + deadlineMs;
    this.retryAtMs = 0;
    this.queue.seal();
    while (this.queue.size > 0 && this.clock() < until && this.status !== 'degraded') {
      this.pump();
      await new Promise((r) => setTimeout(r, 20));
    }
    this.stopped = true;
    // Requests still out at the deadline: wait for their answer (each bounded by its timeout).
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    this.losses.logDrops();
    const kept = await this.queue.spillAll();
    if (kept > 0) this.log.warn(`storage: ${kept} unsent lines kept in ${this.cfg.queue.spillDir} for the next start`);
    else if (this.queue.size > 0) this.log.error(`storage: ${this.queue.size} unsent lines lost at shutdown (no spill directory)`);
  }

  /**
   * Starts requests up to the concurrency limit. Open batches are sealed when a request slot is
   * free and nothing sealed waits, so batches fill up (to `batchLines`) while requests are out:
   * fewer, larger writes under load, a short wait when quiet. A batch open for longer than
   * `flushIntervalMs` is sealed anyway, so a quiet tier (1 min, 1 h rollups) never waits behind a
   * busy one.
   */
  private pump(): void {
    if (this.stopped) return;
    this.losses.logDue(this.queue);
    if (this.clock() < this.retryAtMs) return;
    if (!this.schemaReady) {
      if (!this.schemaPending && this.inFlight === 0) {
        this.schemaPending = true;
        ensureSchema(this.client, this.cfg.retention, this.log)
          .then(() => {
            this.schemaReady = true;
            this.pump();
          }, (e) => this.failed(e))
          .finally(() => (this.schemaPending = false));
      }
      return;
    }
    const limit = Math.max(1, this.cfg.concurrency ?? 3);
    // After a failure, probe with one request before opening every slot again.
    const slots = this.status === 'degraded' ? 1 : limit;
    if (this.clock() - this.queue.openSinceMs() >= this.cfg.flushIntervalMs) this.queue.seal();
    while (this.inFlight < slots) {
      if (this.queue.readyBatches === 0 && this.queue.openLines > 0) this.queue.seal();
      const t = this.queue.take();
      if (!t) return;
      this.inFlight++;
      void this.sendTaken(t).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async sendTaken(t: Taken): Promise<void> {
    try {
      const remaining = await this.sendBisecting(t.batch);
      this.queue.done(t, remaining);
      this.recovered();
    } catch (e) {
      this.queue.done(t, (e as { unsent?: PackedLines | string[] }).unsent ?? t.batch.lines);
      this.failed(e);
    }
  }

  /**
   * Sends a batch and returns what is still unsent (empty when done). A partial write counts
   * its dropped lines and is done (the rest landed); lines too old for the retention are
   * counted and left out; a batch refused for its lines is split in halves until the bad lines
   * are alone, and those go to the dead-letter log. Throws on a retryable failure.
   */
  private async sendBisecting(batch: Batch): Promise<string[]> {
    // The batch goes packed, as it waited; only a refusal that is about its lines unpacks them
    // (then the stack holds only the string halves split from it).
    const stack: (PackedLines | string[])[] = [batch.lines];
    while (stack.length > 0) {
      const item = stack.pop()!;
      try {
        await this.post(batch.rp, item);
        continue;
      } catch (e) {
        const http = e instanceof HttpError ? e : null;
        // 404 on /write: the database is gone (dropped, or a fresh server); recreate it, then retry.
        if (http?.statusCode === 404) this.schemaReady = false;
        const failure = classifyWriteFailure(http?.statusCode, http ? http.body ?? http.message : '', item.length);
        if (failure.kind === 'retry') {
          throw Object.assign(e as Error, { unsent: item instanceof PackedLines ? item : [...(stack as string[][]).flat(), ...item] });
        }
        const lines = item instanceof PackedLines ? item.toArray() : item;
        if (failure.kind === 'partial' || failure.kind === 'lines') this.count.requests({ outcome: 'partial' });
        if (failure.kind === 'partial') {
          this.count.written({}, lines.length - failure.dropped);
          this.losses.dropped(batch.rp, failure.reason, failure.dropped);
        } else if (failure.kind === 'too-old') {
          const keep = lines.filter((l) => lineTsMs(l) >= failure.minTsMs);
          this.losses.dropped(batch.rp, 'beyond_retention', lines.length - keep.length);
          // Nothing newer than the limit is left to split on: refused for another reason.
          if (keep.length === lines.length) this.rejectedAlone(batch.rp, lines, stack, errorText(http!.body ?? ''));
          else if (keep.length > 0) stack.push(keep);
        } else if (failure.kind === 'lines') {
          const refused = new Set(failure.refused.map((r) => r.index));
          this.count.written({}, lines.length - refused.size);
          for (const r of failure.refused) {
            if (r.reason) this.losses.dropped(batch.rp, r.reason, 1);
            else this.deadLetter(batch.rp, lines[r.index], r.message);
          }
        } else {
          this.rejectedAlone(batch.rp, lines, stack, failure.message);
        }
      }
    }
    return [];
  }

  /** A refused request: a single line is dead-lettered, more are split in halves and resent. */
  private rejectedAlone(rp: Tier, lines: string[], stack: (PackedLines | string[])[], message: string): void {
    if (lines.length === 1) {
      this.deadLetter(rp, lines[0], message);
      return;
    }
    const mid = Math.floor(lines.length / 2);
    stack.push(lines.slice(mid), lines.slice(0, mid));
  }

  private async post(rp: Tier, lines: PackedLines | string[]): Promise<void> {
    const t0 = performance.now();
    const body = lines instanceof PackedLines ? lines.body() : Buffer.from(lines.join('\n'), 'utf8');
    await this.client.write(rp, body);
    this.count.latency({}, (performance.now() - t0) / 1000);
    this.count.requests({ outcome: 'ok' });
    this.count.written({}, lines.length);
  }

  private deadLetter(rp: Tier, line: string, reason: string): void {
    this.count.deadLettered();
    this.count.requests({ outcome: 'rejected' });
    this.losses.deadLetter(rp, line, reason);
  }

  private recovered(): void {
    if (this.status === 'degraded') this.log.info('storage: InfluxDB writes recovered');
    this.status = 'ok';
    this.attempt = 0;
    this.lastError = null;
  }

  private failed(e: unknown): void {
    const message = e instanceof HttpError ? `HTTP ${e.statusCode}: ${(e.body ?? e.message).slice(0, 200)}` : (e as Error).message;
    if (this.status !== 'degraded' || message !== this.lastError) {
      this.log.warn(`storage: InfluxDB write failed (${message}); ${this.queue.size} lines buffered, retrying`);
    }
    this.status = 'degraded';
    this.lastError = message;
    this.count.retried();
    this.count.requests({ outcome: 'failed' });
    this.attempt++;
    const jittered = jitteredBackoffMs(this.attempt, 500, this.cfg.maxRetryDelayMs, 10);
    // Retry-After arrives in seconds (the client keeps the header's integer).
    const retryAfterMs = e instanceof HttpError ? e.retryAfter() * 1000 : 0;
    this.retryAtMs = this.clock() + Math.min(this.cfg.maxRetryDelayMs, Math.max(jittered, retryAfterMs));
  }
}
