/**
 * Per-rack health of the return-temperature sensor, from the samples themselves:
 *  - frozen: the reading has not changed by a hundredth of a kelvin while the rack's own power
 *    or supply moved — a real sensor always shows a little noise, a stuck one shows none;
 *  - noisy: the mean sample-to-sample jump (exponentially weighted over ~10 samples) is above
 *    what the loop can do in a second (its time constant is ~10 s);
 *  - rejected: samples of this rack refused as impossible, per minute.
 * These raise a "sensor fault" on the rack instead of a temperature alarm. Pure.
 */

/** Weight of the newest jump in the noise average. */
const NOISE_ALPHA = 0.1;
/** Rejections are counted in one-minute buckets (current and previous, interpolated). */
const BUCKET_MS = 60_000;

export class SensorHealth {
  private readonly lastReturnC: Float64Array;
  private readonly lastSupplyC: Float64Array;
  private readonly lastRackKw: Float64Array;
  private readonly lastTsMs: Float64Array;
  private readonly frozenSinceMs: Float64Array;
  private readonly jumpK: Float64Array;
  private readonly bucket: Float64Array;
  private readonly current: Float64Array;
  private readonly previous: Float64Array;

  constructor(racks: number) {
    const nan = () => new Float64Array(racks).fill(Number.NaN);
    this.lastReturnC = nan();
    this.lastSupplyC = nan();
    this.lastRackKw = nan();
    this.lastTsMs = nan();
    this.frozenSinceMs = nan();
    this.jumpK = nan();
    this.bucket = new Float64Array(racks).fill(Number.NEGATIVE_INFINITY);
    this.current = new Float64Array(racks);
    this.previous = new Float64Array(racks);
  }

  /** One accepted sample of rack `i`. */
  observe(i: number, tsMs: number, returnC: number, supplyC: number, rackKw: number): void {
    const prev = this.lastReturnC[i];
    if (Number.isFinite(prev)) {
      const jump = Math.abs(returnC - prev);
      this.jumpK[i] = Number.isNaN(this.jumpK[i]) ? jump : this.jumpK[i] + NOISE_ALPHA * (jump - this.jumpK[i]);
      const othersMoved = Math.abs(supplyC - this.lastSupplyC[i]) >= 0.005 || Math.abs(rackKw - this.lastRackKw[i]) >= 0.005;
      if (jump >= 0.005) this.frozenSinceMs[i] = Number.NaN;
      else if (othersMoved && Number.isNaN(this.frozenSinceMs[i])) this.frozenSinceMs[i] = this.lastTsMs[i];
    }
    this.lastReturnC[i] = returnC;
    this.lastSupplyC[i] = supplyC;
    this.lastRackKw[i] = rackKw;
    this.lastTsMs[i] = tsMs;
  }

  /** A sample of rack `i` rejected as impossible at `nowMs`. */
  rejected(i: number, nowMs: number): void {
    const b = Math.floor(nowMs / BUCKET_MS);
    if (b !== this.bucket[i]) {
      this.previous[i] = b === this.bucket[i] + 1 ? this.current[i] : 0;
      this.current[i] = 0;
      this.bucket[i] = b;
    }
    this.current[i]++;
  }

  /** Seconds the return reading has been frozen while the rack moved (0 when it moves). */
  frozenS(i: number, nowMs: number): number {
    const since = this.frozenSinceMs[i];
    if (Number.isNaN(this.lastTsMs[i])) return Number.NaN;
    return Number.isNaN(since) ? 0 : Math.max(0, Math.min(nowMs, this.lastTsMs[i]) - since) / 1000;
  }

  /** Mean sample-to-sample jump of the return reading, K (NaN before two samples). */
  noiseK(i: number): number {
    return this.jumpK[i];
  }

  /** Rejected samples in the last minute (previous bucket weighted by how much of it is in view). */
  rejectsPerMin(i: number, nowMs: number): number {
    const b = Math.floor(nowMs / BUCKET_MS);
    const frac = (nowMs % BUCKET_MS) / BUCKET_MS;
    if (b === this.bucket[i]) return this.current[i] + this.previous[i] * (1 - frac);
    if (b === this.bucket[i] + 1) return this.current[i] * (1 - frac);
    return 0;
  }
}
