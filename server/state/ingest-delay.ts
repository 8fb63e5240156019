/**
 * How far behind the telemetry is when it reaches the live state, as this server sees it: the
 * p99 age of the samples applied in the last ten seconds (server clock − source `ts`: time spent
 * in gateways, the broker, this server's unread socket and its backlog) and how late the state's
 * own refreshes came (event-loop lag). A rack whose last sample is older than the stale threshold
 * by no more than that may be as live as the rest, its next sample waiting behind the same delay:
 * the stale threshold is raised by it (`creditMs`, capped), so a server that is itself behind does
 * not blame the racks. Longer stalls are StallCredit's. Pure: times are arguments.
 */
import { STALL_MS } from './stall-credit.ts';

/** Ages are kept in buckets this wide, ms, up to `BUCKETS` of them (older: the last). */
const BUCKET_MS = 50;
const BUCKETS = 600;
/**
 * One slot a second; the last `SLOTS` of them (9–10 s) make the recent window: longer than the
 * stale threshold and its credit, so a server that takes its backlog in bursts a few seconds
 * apart still has one in view between them.
 */
const SLOT_MS = 1000;
const SLOTS = 10;
/** The age quantile credited: a few skewed clocks or a hiccup of one gateway do not raise it. */
const QUANTILE = 0.99;

/** What `/healthz` says of the delay. */
export interface IngestDelayFacts {
  /** p99 age of the recent samples, ms (NaN with none). */
  sampleAgeP99Ms: number;
  /** Largest lateness of a refresh in the recent window, ms. */
  loopLagMs: number;
  /** What the stale threshold is raised by now, ms. */
  creditMs: number;
  /** The most it can be raised by, ms. */
  capMs: number;
}

export class IngestDelay {
  private readonly ages = Array.from({ length: SLOTS }, () => new Uint32Array(BUCKETS));
  private readonly counts = new Uint32Array(SLOTS);
  private readonly lagMs = new Float64Array(SLOTS);
  /** The second each slot holds (NaN: empty). */
  private readonly slotSecond = new Float64Array(SLOTS).fill(Number.NaN);
  private lastRefreshMs = Number.NaN;
  private credit = 0;

  constructor(
    /** The most the threshold is raised by, ms: past it the delay is the telemetry-delay episode's to report. */
    readonly capMs: number,
  ) {}

  /** A sample `ageMs` old was applied at `nowMs`. */
  sample(ageMs: number, nowMs: number): void {
    const k = this.slot(nowMs);
    this.ages[k][ageMs <= 0 ? 0 : Math.min(BUCKETS - 1, Math.floor(ageMs / BUCKET_MS))]++;
    this.counts[k]++;
  }

  /**
   * At each refresh, `nominalGapMs` after the last one is due: the lateness past that is lag (a
   * gap past STALL_MS is a stall, credited apart). Returns the credit for this refresh's stale marks, ms.
   */
  refreshed(nowMs: number, nominalGapMs: number): number {
    const gapMs = nowMs - this.lastRefreshMs;
    this.lastRefreshMs = nowMs;
    const k = this.slot(nowMs);
    if (gapMs <= STALL_MS) this.lagMs[k] = Math.max(this.lagMs[k], gapMs - nominalGapMs);
    const f = this.measure(nowMs);
    this.credit = Math.min(this.capMs, Math.max(0, Number.isNaN(f.ageMs) ? 0 : f.ageMs, f.lagMs));
    return this.credit;
  }

  /** What the stale threshold was raised by at the last refresh, ms. */
  get creditMs(): number {
    return this.credit;
  }

  /** The delay at `nowMs`, and the credit of the last refresh. */
  facts(nowMs: number): IngestDelayFacts {
    const f = this.measure(nowMs);
    return { sampleAgeP99Ms: f.ageMs, loopLagMs: f.lagMs, creditMs: this.credit, capMs: this.capMs };
  }

  private measure(nowMs: number): { ageMs: number; lagMs: number } {
    const second = Math.floor(nowMs / SLOT_MS);
    let total = 0;
    let lagMs = 0;
    const live: number[] = [];
    for (let k = 0; k < SLOTS; k++) {
      if (!(second - this.slotSecond[k] < SLOTS)) continue;
      live.push(k);
      total += this.counts[k];
      lagMs = Math.max(lagMs, this.lagMs[k]);
    }
    if (total === 0) return { ageMs: Number.NaN, lagMs };
    const rank = Math.max(1, Math.ceil(QUANTILE * total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      for (const k of live) seen += this.ages[k][b];
      // The bucket's lower edge: an ingest on time (ages under 50 ms) credits nothing, the threshold stays exact.
      if (seen >= rank) return { ageMs: b * BUCKET_MS, lagMs };
    }
    return { ageMs: (BUCKETS - 1) * BUCKET_MS, lagMs };
  }

  /** The slot of `nowMs`'s second, emptied when it last held an older one. */
  private slot(nowMs: number): number {
    const second = Math.floor(nowMs / SLOT_MS);
    const k = ((second % SLOTS) + SLOTS) % SLOTS;
    if (this.slotSecond[k] !== second) {
      this.slotSecond[k] = second;
      this.ages[k].fill(0);
      this.counts[k] = 0;
      this.lagMs[k] = 0;
    }
    return k;
  }
}
