/**
 * Predicted time to a limit from the recent trend: a least-squares line through the samples
 * of the last window, extrapolated to the limit. Pure. Used by the "time-to-limit" rule
 * (e.g. return temperature reaching 55 °C, or headroom reaching 0, within N minutes).
 */

export interface Trend {
  /** Slope of the fitted line, units per second. */
  slopePerS: number;
  /** Fitted value at the last sample's time. */
  fittedNow: number;
  /** Seconds until the fitted line reaches the limit; Infinity when it moves away or is flat. */
  secondsToLimit: number;
}

/**
 * `tsMs`/`values` in time order; `rising`: the limit is above (true, e.g. a temperature) or
 * below (false, e.g. headroom). Needs at least `minSamples` finite values, else null.
 */
export function trendToLimit(tsMs: ArrayLike<number>, values: ArrayLike<number>, limit: number, rising: boolean, minSamples = 10): Trend | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let lastT = Number.NaN;
  const t0 = tsMs.length ? tsMs[0] : 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i];
    if (!Number.isFinite(y)) continue;
    const x = (tsMs[i] - t0) / 1000;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    lastT = x;
  }
  if (n < minSamples) return null;
  const denom = n * sxx - sx * sx;
  if (denom === 0) return null;
  const slopePerS = (n * sxy - sx * sy) / denom;
  const intercept = (sy - slopePerS * sx) / n;
  const fittedNow = intercept + slopePerS * lastT;
  const gap = rising ? limit - fittedNow : fittedNow - limit;
  const towards = rising ? slopePerS : -slopePerS;
  const secondsToLimit = gap <= 0 ? 0 : towards > 0 ? gap / towards : Number.POSITIVE_INFINITY;
  return { slopePerS, fittedNow, secondsToLimit };
}

/**
 * Minutes until a rising signal reaches `limit`, for the time-to-limit rules, or NaN while the
 * window is not at least 80 % covered (just started, or data missing — never fires). Both the
 * whole window's line and its recent half's line must point at the limit; the later of the two
 * counts, so a decelerating rise that levels off (a rack warming up to its steady state) does
 * not alert, while a steady or accelerating one does.
 */
export function minutesToLimit(tsMs: ArrayLike<number>, values: ArrayLike<number>, limit: number, windowMs: number, intervalMs: number): number {
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite++;
  if (finite < (0.8 * windowMs) / intervalMs) return Number.NaN;
  const whole = trendToLimit(tsMs, values, limit, true, 10);
  const start = tsMs.length ? tsMs[tsMs.length - 1] - windowMs / 2 : 0;
  let k = 0;
  while (k < tsMs.length && tsMs[k] < start) k++;
  const recent = trendToLimit(Array.prototype.slice.call(tsMs, k), Array.prototype.slice.call(values, k), limit, true, 10);
  if (!whole || !recent) return Number.NaN;
  return Math.max(whole.secondsToLimit, recent.secondsToLimit) / 60;
}
