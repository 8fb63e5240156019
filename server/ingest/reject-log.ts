/**
 * Logs rejected messages without flooding: the first rejection of each reason is logged with
 * its message, later ones are summed and reported once per interval.
 */
import type { RejectReason } from '../../protocol/telemetry.ts';
import type { Logger } from '../logger.ts';

export class RejectLog<R extends string = RejectReason> {
  private readonly pending = new Map<R, { count: number; lastMessage: string }>();
  private readonly seen = new Set<R>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    /** Summary interval, ms (default 10 s). */
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }

  record(reason: R, message: string): void {
    if (!this.seen.has(reason)) {
      this.seen.add(reason);
      this.log.warn(`rejected (${reason}): ${message}`);
      return;
    }
    const p = this.pending.get(reason);
    if (p) {
      p.count++;
      p.lastMessage = message;
    } else {
      this.pending.set(reason, { count: 1, lastMessage: message });
    }
  }

  private flush(): void {
    for (const [reason, p] of this.pending) {
      this.log.warn(`rejected ${p.count} more (${reason}) in the last ${this.intervalMs / 1000} s; latest: ${p.lastMessage}`);
    }
    this.pending.clear();
  }
}
