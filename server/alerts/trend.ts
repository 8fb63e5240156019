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
