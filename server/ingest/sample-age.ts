/**
 * How old samples are when the server takes them (server clock − source `ts`), as quantiles of
 * the last complete window: the part of publish → screen latency spent before Hallwatch (gateway,
 * broker queue, the ingest's own backlog). Counting a sample is one array increment; ages are
 * kept in 10 ms buckets up to 60 s. Pure: the clock is an argument.
 */

const BUCKET_MS = 10;
const BUCKETS = 6000;

export class SampleAgeWindow {
  private current = new Uint32Array(BUCKETS + 1);
  private currentCount = 0;
  private last = new Uint32Array(BUCKETS + 1);
  private lastCount = 0;
  private windowStartMs = Number.NaN;

  /** `windowMs`: the span one set of quantiles covers (default 10 s). */
  constructor(private readonly windowMs = 10_000) {}

  /** One sample of `ageMs` taken at `nowMs`. */
  add(ageMs: number, nowMs: number): void {
    this.roll(nowMs);
    const b = ageMs <= 0 ? 0 : Math.min(BUCKETS, Math.floor(ageMs / BUCKET_MS));
    this.current[b]++;
    this.currentCount++;
  }

  /**
   * Quantile `q` (0…1) of the last complete window, seconds: the upper edge of its bucket, so
   * never under the true age by more than 10 ms; 60 s means "60 s or more"; NaN with no samples.
   */
  quantileS(q: number, nowMs: number): number {
    this.roll(nowMs);
    if (this.lastCount === 0) return Number.NaN;
    const rank = Math.ceil(q * this.lastCount);
    let seen = 0;
    for (let b = 0; b <= BUCKETS; b++) {
      seen += this.last[b];
      if (seen >= Math.max(1, rank)) return (Math.min(b + 1, BUCKETS) * BUCKET_MS) / 1000;
    }
    return (BUCKETS * BUCKET_MS) / 1000;
  }

  private roll(nowMs: number): void {
    if (Number.isNaN(this.windowStartMs)) this.windowStartMs = nowMs;
    if (nowMs - this.windowStartMs < this.windowMs) return;
    // A window with no sample in it leaves nothing behind: the quantiles are of the last one.
    const skipped = nowMs - this.windowStartMs >= 2 * this.windowMs;
    [this.last, this.current] = [this.current, this.last];
    this.lastCount = skipped ? 0 : this.currentCount;
    if (skipped) this.last.fill(0);
    this.current.fill(0);
    this.currentCount = 0;
    this.windowStartMs = nowMs - ((nowMs - this.windowStartMs) % this.windowMs);
  }
}
