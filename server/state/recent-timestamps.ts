/**
 * The last few source timestamps per entity, to tell a late sample (older than the latest, not
 * seen before) from a redelivered one (a timestamp already taken).
 */

/** Source timestamps remembered per entity. */
const RECENT_TS = 16;

export class RecentTimestamps {
  private readonly tsMs: Float64Array;
  private readonly next: Uint8Array;

  constructor(entities: number) {
    this.tsMs = new Float64Array(entities * RECENT_TS).fill(Number.NaN);
    this.next = new Uint8Array(entities);
  }

  /** Whether entity `i` already had a sample at `tsMs`. */
  has(i: number, tsMs: number): boolean {
    for (let k = i * RECENT_TS, end = k + RECENT_TS; k < end; k++) if (this.tsMs[k] === tsMs) return true;
    return false;
  }

  /** Remembers `tsMs` for entity `i`, forgetting its oldest. */
  remember(i: number, tsMs: number): void {
    this.tsMs[i * RECENT_TS + this.next[i]] = tsMs;
    this.next[i] = (this.next[i] + 1) % RECENT_TS;
  }
}
