/**
 * Lines the InfluxDB writer loses for good, counted and logged without flooding the log: lines
 * InfluxDB dropped (beyond the retention policy), lines it rejected (kept in a dead-letter log
 * with the server's message), and spill files the disk refused. Drops and spill failures are
 * logged the first at once, then at most once a minute with their count.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../logger.ts';
import type { Tier } from './schema.ts';
import type { DropReason } from './write-outcome.ts';
import type { WriteQueue } from './write-queue.ts';

/** Drops and spill failures are logged at most this often, with their count. */
const LOG_INTERVAL_MS = 60_000;

export class WriteLosses {
  /** Lines InfluxDB dropped for good, by reason (the queue counts its own buffer_full drops). */
  readonly droppedByReason: Record<DropReason, number> = { beyond_retention: 0 };
  private readonly dropLog = { pending: 0, lastLogMs: Number.NEGATIVE_INFINITY, tiers: new Set<Tier>() };
  private spillLog = { failures: 0, atMs: Number.NEGATIVE_INFINITY };

  /** `deadLetterPath`: the JSON-lines file rejected lines are appended to. */
  constructor(
    private readonly deadLetterPath: string,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  /** Logs what is due: drops not logged for a minute, and spill files refused since the last log. */
  logDue(queue: WriteQueue): void {
    const now = this.clock();
    if (now - this.dropLog.lastLogMs >= LOG_INTERVAL_MS) this.logDrops(now);
    if (queue.spillFailures === this.spillLog.failures || now - this.spillLog.atMs < LOG_INTERVAL_MS) return;
    this.log.error(`storage: cannot spill unwritten history to disk (${queue.spillError?.message ?? 'refused'}); ${queue.spillDropped} lines lost so far`);
    this.spillLog = { failures: queue.spillFailures, atMs: now };
  }

  /** Counts `n` lines of tier `rp` InfluxDB dropped for good; logs the first at once, then once a minute with the count. */
  dropped(rp: Tier, reason: DropReason, n: number): void {
    if (n <= 0) return;
    this.droppedByReason[reason] += n;
    const d = this.dropLog;
    d.pending += n;
    d.tiers.add(rp);
    const now = this.clock();
    if (now - d.lastLogMs >= LOG_INTERVAL_MS) this.logDrops(now);
  }

  /** Logs the drops counted since the last log, if any. */
  logDrops(now = this.clock()): void {
    const d = this.dropLog;
    if (d.pending === 0) return;
    const since = d.lastLogMs === Number.NEGATIVE_INFINITY ? '' : ` in the last ${Math.round((now - d.lastLogMs) / 1000)} s`;
    this.log.warn(`storage: InfluxDB dropped ${d.pending} lines${since} beyond the retention policy of ${[...d.tiers].join(', ')} `
      + '(their timestamps are older than the policy keeps); not retried');
    d.pending = 0;
    d.tiers.clear();
    d.lastLogMs = now;
  }

  /** Appends a line InfluxDB rejected to the dead-letter log, with the server's message `reason`. */
  deadLetter(rp: Tier, line: string, reason: string): void {
    const entry = JSON.stringify({ atMs: this.clock(), rp, line, error: reason.trim().slice(0, 2000) });
    try {
      mkdirSync(dirname(this.deadLetterPath), { recursive: true });
      appendFileSync(this.deadLetterPath, entry + '\n');
    } catch (e) {
      this.log.error(`storage: cannot append to dead-letter log ${this.deadLetterPath}: ${(e as Error).message}`);
    }
    this.log.warn(`storage: InfluxDB rejected a line (kept in ${this.deadLetterPath}): ${reason.trim().slice(0, 300)}`);
  }
}
