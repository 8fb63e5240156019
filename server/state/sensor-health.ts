/**
 * Per-rack health of the return-temperature sensor, from the samples themselves:
 *  - frozen: the reading has not changed by a hundredth of a kelvin while the rack's own power
 *    or supply moved — a real sensor always shows a little noise, a stuck one shows none;
 *  - noisy: the mean sample-to-sample jump (exponentially weighted over ~10 samples) is above
 *    what the loop can do in a second (its time constant is ~10 s);
 *  - rejected: samples of this rack refused as impossible, per minute.
 * These raise a "sensor fault" on the rack instead of a temperature alarm, and a frozen or noisy
 * return withholds the values derived from it (`returnFault`). It also keeps the power the rack
 * drew lately (`recentKw`): heat to liquid above the present power is a transient while the
 * loop still carries that earlier heat. Pure.
 */
import { DerivedFlag } from '../../protocol/derived-flags.ts';

/** Weight of the newest jump in the noise average. */
const NOISE_ALPHA = 0.1;
/** Rejections are counted in one-minute buckets (current and previous, interpolated). */
const BUCKET_MS = 60_000;
/**
 * A return frozen this long is not trusted for derived values, s. A healthy sensor at 0.01 K
 * resolution repeats a reading about one sample in ten; thirty repeats in a row while the rack
 * moves is a stuck sensor. (The rack-sensor-frozen alert waits 60 s before it pages.)
 */
export const FROZEN_INVALID_S = 30;
/**
 * A mean sample-to-sample jump above this is a noisy return, K — the rack-sensor-noisy rule's
 * trigger; CDU controllers flag redundant sensors that disagree by more than 1 K (domain.md §4).
 */
export const NOISY_RETURN_K = 1;
/**
 * Time constant the recent power falls with, s: three times a rack loop's transit time at design
 * flow (domain.md §3: 30 L at 150 L/min ≈ 12 s), so the return's lag — one to a few transit
 * times, longer on a clogged rack — stays inside it.
 */
const RECENT_POWER_TAU_S = 30;

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
  private readonly recentKwOf: Float64Array;

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
    this.recentKwOf = nan();
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
    // Rises with the power at once, falls towards it no faster than the loop releases heat.
    const before = this.recentKwOf[i];
    const dtS = (tsMs - this.lastTsMs[i]) / 1000;
    this.recentKwOf[i] = !(rackKw < before) || !(dtS > 0) ? rackKw : rackKw + (before - rackKw) * Math.exp(-dtS / RECENT_POWER_TAU_S);
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

  /**
   * Power the rack drew lately, kW: its present power, or while it falls, a first-order lag
   * of it slower than the loop's (NaN before a sample).
   */
  recentKw(i: number): number {
    return this.recentKwOf[i];
  }

  /**
   * What is wrong with the return sensor as of the rack's last sample: `DerivedFlag.ReturnFrozen`
   * and/or `DerivedFlag.ReturnNoisy`, 0 when neither (or before a sample).
   */
  returnFault(i: number): number {
    const frozen = this.frozenS(i, this.lastTsMs[i]) >= FROZEN_INVALID_S ? DerivedFlag.ReturnFrozen : 0;
    return frozen | (this.jumpK[i] > NOISY_RETURN_K ? DerivedFlag.ReturnNoisy : 0);
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
