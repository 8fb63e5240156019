/**
 * Writes line protocol to InfluxDB's v1-compatible `/write` endpoint (served by 1.8+, 2.x and
 * 3.x; 1.6 too) through @influxdata/influxdb-client's transport, with Hallwatch's own
 * durability: batches of ≤ 5,000 lines, up to three requests in flight (batches grow while
 * they are out), retries with jittered exponential backoff that honour Retry-After (capped),
 * a bounded queue that spills to disk, and bisection of a rejected (4xx) batch so good lines
 * land and bad ones go to a dead-letter log with the server's message. Points are keyed by
 * measurement, tags and source time, so a retried write overwrites itself: nothing is stored
 * twice.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { InfluxDB, HttpError, type Transport } from '@influxdata/influxdb-client';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../http/metrics.ts';
import { jitteredBackoffMs } from '../util/backoff.ts';
import { WriteQueue, type Batch, type QueueLimits, type Taken } from './write-queue.ts';
import { PackedLines } from './packed-lines.ts';
import { TIERS, type Tier } from './schema.ts';
import { classifyWriteFailure, errorText, lineTsMs, type DropReason } from './write-outcome.ts';

/** Lines dropped beyond retention are logged at most this often, with their count. */
const DROP_LOG_INTERVAL_MS = 60_000;

export interface InfluxConfig {
  url: string;
  db: string;
  token?: string;
  username?: string;
  password?: string;
  /** InfluxQL durations per tier, e.g. 7d, 90d, 104w. */
  retention: Record<Tier, string>;
  flushIntervalMs: number;
  requestTimeoutMs: number;
  /** Longest backoff between retries, ms; Retry-After is capped at the same. */
  maxRetryDelayMs: number;
  deadLetterPath: string;
  queue: QueueLimits;
  /** Write requests in flight at once (default 3): one at a time cannot keep up with a gigawatt site. */
  concurrency?: number;
}

export type StorageStatus = 'ok' | 'degraded' | 'starting';

export class InfluxWriter {
  private readonly transport: Transport;
  private readonly gzipThreshold: number;
  readonly queue: WriteQueue;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private schemaPending = false;
  private retryAtMs = 0;
  private attempt = 0;
  private schemaReady = false;
  private stopped = false;
  status: StorageStatus = 'starting';
  lastError: string | null = null;
  /** Lines InfluxDB dropped for good, by reason (the queue counts its own buffer_full drops). */
  private readonly droppedByReason: Record<DropReason, number> = { beyond_retention: 0 };
  private readonly dropLog = { pending: 0, lastLogMs: Number.NEGATIVE_INFINITY, tiers: new Set<Tier>() };
  private readonly count: {
    written: (l?: Record<string, string>, by?: number) => void;
    queued: (l?: Record<string, string>, by?: number) => void;
    retried: (l?: Record<string, string>, by?: number) => void;
    deadLettered: (l?: Record<string, string>, by?: number) => void;
    latency: (l?: Record<string, string>, by?: number) => void;
    requests: (l?: Record<string, string>, by?: number) => void;
  };

  constructor(
    private readonly cfg: InfluxConfig,
    metrics: Metrics,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.transport = new InfluxDB({ url: cfg.url, token: cfg.token, timeout: cfg.requestTimeoutMs }).transport;
    // Bodies over 64 KB go gzipped across a network; to an InfluxDB on this host that is CPU for nothing.
    this.gzipThreshold = isLoopbackUrl(cfg.url) ? Number.POSITIVE_INFINITY : 64 * 1024;
    this.queue = new WriteQueue(cfg.queue, clock);
    this.count = {
      written: metrics.counter('hallwatch_storage_lines_written_total', 'Lines InfluxDB accepted'),
      queued: metrics.counter('hallwatch_storage_lines_queued_total', 'Lines handed to the writer (history produced)'),
      retried: metrics.counter('hallwatch_storage_write_retries_total', 'Write requests retried after a failure'),
      deadLettered: metrics.counter('hallwatch_storage_lines_dead_lettered_total', 'Lines InfluxDB rejected, kept in the dead-letter log'),
      latency: metrics.counter('hallwatch_storage_write_seconds_total', 'Time spent in successful write requests'),
      requests: metrics.counter('hallwatch_storage_write_requests_total', 'Write requests by outcome', ['outcome']),
    };
    this.count.written({}, 0);
    this.count.retried({}, 0);
    this.count.deadLettered({}, 0);
    metrics.gauge('hallwatch_storage_lines_buffered', 'Lines waiting to be written (memory and disk)', () => [[{}, this.queue.size]]);
    metrics.gauge('hallwatch_storage_bytes_buffered', 'Bytes of the lines waiting in memory (sealed, open and in requests)', () => [[{}, this.queue.memoryBytes]]);
    metrics.gauge('hallwatch_storage_lines_spilled', 'Lines waiting on disk', () => [[{}, this.queue.spilledLines]]);
    metrics.counterFrom('hallwatch_storage_lines_dropped_total', 'Lines lost for good, by reason: buffer_full (memory and disk full), spill_refused (the disk refused the spill file: full or read-only), beyond_retention (InfluxDB refused them as older than the retention policy)', ['reason'], () => [
      [{ reason: 'buffer_full' }, this.queue.dropped],
      [{ reason: 'spill_refused' }, this.queue.spillDropped],
      [{ reason: 'beyond_retention' }, this.droppedByReason.beyond_retention],
    ]);
    metrics.gauge('hallwatch_storage_oldest_unsent_age_seconds', 'Age of the oldest line waiting to be written (0 when none waits): how far history is behind', () => [[{}, this.behindMs() / 1000]]);
    metrics.counterFrom('hallwatch_storage_spill_failures_total', 'Spill files the storage directory refused (full, read-only); their lines are dropped', [], () => [[{}, this.queue.spillFailures]]);
    metrics.gauge('hallwatch_storage_degraded', '1 while writes to InfluxDB are failing', () => [[{}, this.status === 'degraded' ? 1 : 0]]);
  }

  /** How long the oldest unsent line has waited, ms (0 when nothing waits). */
  behindMs(): number {
    const oldest = this.queue.oldestQueuedMs();
    return Number.isNaN(oldest) ? 0 : Math.max(0, this.clock() - oldest);
  }

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
    this.logDrops(this.clock());
    const kept = await this.queue.spillAll();
    if (kept > 0) this.log.warn(`storage: ${kept} unsent lines kept in ${this.cfg.queue.spillDir} for the next start`);
    else if (this.queue.size > 0) this.log.error(`storage: ${this.queue.size} unsent lines lost at shutdown (no spill directory)`);
  }

  /** Runs an InfluxQL query (`/query`, epoch ms) and returns the decoded JSON. */
  async query(q: string): Promise<InfluxQueryResult> {
    const params = new URLSearchParams({ db: this.cfg.db, q, epoch: 'ms' });
    this.addAuth(params);
    return (await this.transport.request(`/query?${params}`, '', { method: 'GET' })) as InfluxQueryResult;
  }

  private addAuth(params: URLSearchParams): void {
    if (this.cfg.username) params.set('u', this.cfg.username);
    if (this.cfg.password) params.set('p', this.cfg.password);
  }

  /**
   * Creates the database (1.x) and one retention policy per tier, the first as default.
   * InfluxDB 2.x/3.x refuse these statements on the v1 API (buckets and DBRP mappings are set
   * up there): that refusal is logged once and writes go ahead; a connection failure retries.
   */
  private async ensureSchema(): Promise<void> {
    try {
      await this.createSchema();
    } catch (e) {
      const refused = (e instanceof HttpError && e.statusCode >= 400 && e.statusCode < 500) || !(e instanceof HttpError || (e as { code?: string }).code);
      if (!refused) throw e;
      this.log.warn(`storage: could not create database "${this.cfg.db}" and retention policies raw/m1/h1 (${(e as Error).message.slice(0, 200)}); writing anyway — on InfluxDB 2.x/3.x map ${this.cfg.db}/raw, ${this.cfg.db}/m1 and ${this.cfg.db}/h1 to buckets`);
    }
    this.schemaReady = true;
  }

  private async createSchema(): Promise<void> {
    const db = `"${this.cfg.db.replace(/"/g, '\\"')}"`;
    const run = async (q: string) => {
      const params = new URLSearchParams({ q });
      this.addAuth(params);
      const res = (await this.transport.request(`/query?${params}`, '', { method: 'POST' })) as InfluxQueryResult;
      const err = res.results?.find((r) => r.error)?.error;
      if (err) throw new Error(err);
    };
    await run(`CREATE DATABASE ${db}`);
    for (const tier of TIERS) {
      const clause = `ON ${db} DURATION ${this.cfg.retention[tier]} REPLICATION 1${tier === 'raw' ? ' DEFAULT' : ''}`;
      try {
        await run(`CREATE RETENTION POLICY "${tier}" ${clause}`);
      } catch {
        await run(`ALTER RETENTION POLICY "${tier}" ${clause}`);
      }
    }
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
    if (this.clock() - this.dropLog.lastLogMs >= DROP_LOG_INTERVAL_MS) this.logDrops(this.clock());
    this.logSpillFailures();
    if (this.clock() < this.retryAtMs) return;
    if (!this.schemaReady) {
      if (!this.schemaPending && this.inFlight === 0) {
        this.schemaPending = true;
        this.ensureSchema().then(() => this.pump(), (e) => this.failed(e)).finally(() => (this.schemaPending = false));
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
        if (failure.kind === 'retry') throw Object.assign(e as Error, { unsent: item instanceof PackedLines ? item : [...(stack as string[][]).flat(), ...item] });
        const lines = item instanceof PackedLines ? item.toArray() : item;
        if (failure.kind === 'partial' || failure.kind === 'lines') this.count.requests({ outcome: 'partial' });
        if (failure.kind === 'partial') {
          this.count.written({}, lines.length - failure.dropped);
          this.dropped(batch.rp, failure.reason, failure.dropped);
        } else if (failure.kind === 'too-old') {
          const keep = lines.filter((l) => lineTsMs(l) >= failure.minTsMs);
          this.dropped(batch.rp, 'beyond_retention', lines.length - keep.length);
          // Nothing newer than the limit is left to split on: refused for another reason.
          if (keep.length === lines.length) this.rejectedAlone(batch.rp, lines, stack, errorText(http!.body ?? ''));
          else if (keep.length > 0) stack.push(keep);
        } else if (failure.kind === 'lines') {
          const refused = new Set(failure.refused.map((r) => r.index));
          this.count.written({}, lines.length - refused.size);
          for (const r of failure.refused) {
            if (r.reason) this.dropped(batch.rp, r.reason, 1);
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

  private spillLog = { failures: 0, atMs: Number.NEGATIVE_INFINITY };

  /** Logs refused spill writes: the first at once, then at most once a minute with the count. */
  private logSpillFailures(): void {
    const q = this.queue;
    const now = this.clock();
    if (q.spillFailures === this.spillLog.failures || now - this.spillLog.atMs < DROP_LOG_INTERVAL_MS) return;
    this.log.error(`storage: cannot spill unwritten history to disk (${q.spillError?.message ?? 'refused'}); ${q.spillDropped} lines lost so far`);
    this.spillLog = { failures: q.spillFailures, atMs: now };
  }

  /** Counts lines InfluxDB dropped for good; logs the first at once, then once a minute with the count. */
  private dropped(rp: Tier, reason: DropReason, n: number): void {
    if (n <= 0) return;
    this.droppedByReason[reason] += n;
    const d = this.dropLog;
    d.pending += n;
    d.tiers.add(rp);
    const now = this.clock();
    if (now - d.lastLogMs >= DROP_LOG_INTERVAL_MS) this.logDrops(now);
  }

  private logDrops(now: number): void {
    const d = this.dropLog;
    if (d.pending === 0) return;
    const since = d.lastLogMs === Number.NEGATIVE_INFINITY ? '' : ` in the last ${Math.round((now - d.lastLogMs) / 1000)} s`;
    this.log.warn(`storage: InfluxDB dropped ${d.pending} lines${since} beyond the retention policy of ${[...d.tiers].join(', ')} (their timestamps are older than the policy keeps); not retried`);
    d.pending = 0;
    d.tiers.clear();
    d.lastLogMs = now;
  }

  private async post(rp: Tier, lines: PackedLines | string[]): Promise<void> {
    const params = new URLSearchParams({ db: this.cfg.db, rp, precision: 'ms' });
    this.addAuth(params);
    const t0 = performance.now();
    const body = lines instanceof PackedLines ? lines.body() : Buffer.from(lines.join('\n'), 'utf8');
    // send(), not request(): request() would JSON-encode a Buffer body; send() copies it as is.
    await new Promise<void>((resolve, reject) => {
      this.transport.send(`/write?${params}`, body as unknown as string, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        gzipThreshold: this.gzipThreshold,
      }, { error: reject, complete: () => resolve() });
    });
    this.count.latency({}, (performance.now() - t0) / 1000);
    this.count.requests({ outcome: 'ok' });
    this.count.written({}, lines.length);
  }

  private deadLetter(rp: Tier, line: string, reason: string): void {
    this.count.deadLettered();
    this.count.requests({ outcome: 'rejected' });
    const entry = JSON.stringify({ atMs: this.clock(), rp, line, error: reason.trim().slice(0, 2000) });
    try {
      mkdirSync(dirname(this.cfg.deadLetterPath), { recursive: true });
      appendFileSync(this.cfg.deadLetterPath, entry + '\n');
    } catch (e) {
      this.log.error(`storage: cannot append to dead-letter log ${this.cfg.deadLetterPath}: ${(e as Error).message}`);
    }
    this.log.warn(`storage: InfluxDB rejected a line (kept in ${this.cfg.deadLetterPath}): ${reason.trim().slice(0, 300)}`);
  }

  private recovered(): void {
    if (this.status === 'degraded') this.log.info('storage: InfluxDB writes recovered');
    this.status = 'ok';
    this.attempt = 0;
    this.lastError = null;
  }

  private failed(e: unknown): void {
    const message = e instanceof HttpError ? `HTTP ${e.statusCode}: ${(e.body ?? e.message).slice(0, 200)}` : (e as Error).message;
    if (this.status !== 'degraded' || message !== this.lastError) this.log.warn(`storage: InfluxDB write failed (${message}); ${this.queue.size} lines buffered, retrying`);
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

export interface InfluxQueryResult {
  results?: {
    statement_id?: number;
    error?: string;
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values: (number | string | null)[][] }[];
  }[];
  error?: string;
}

/** Whether `url` names this host (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
