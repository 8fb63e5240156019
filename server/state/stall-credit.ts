/**
 * Time this process did not run — SIGSTOP, a stalled VM, a long pause of the event loop. While
 * it did not run, the samples sent meanwhile waited unread in its sockets: on waking, every
 * entity would look stale for a moment and page as such (a whole site's redundancy groups in the
 * pair's chaos run). A sample received before a stall ages by the time the process ran, not by
 * the stall. If a publisher really went quiet during the stall, it is stale that much later.
 */

/** A gap between two refreshes this long means the process did not run (the ticker refreshes every 100 ms). */
export const STALL_MS = 1000;

export class StallCredit {
  private lastMs = Number.NaN;
  /** When the last stall ended, and how long it was. */
  private endMs = Number.NEGATIVE_INFINITY;
  private creditMs = 0;

  constructor(private readonly thresholdMs = STALL_MS) {}

  /** At each refresh: a gap since the last one past the threshold is a stall. */
  observe(nowMs: number): void {
    const gapMs = nowMs - this.lastMs;
    this.lastMs = nowMs;
    if (gapMs > this.thresholdMs) {
      this.endMs = nowMs;
      this.creditMs = gapMs;
    }
  }

  /** Age of a sample received at `receivedMs`, not counting the last stall when it was received before it. */
  ageMs(nowMs: number, receivedMs: number): number {
    return nowMs - receivedMs - (receivedMs < this.endMs ? this.creditMs : 0);
  }
}
