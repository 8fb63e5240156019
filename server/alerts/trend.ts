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
  /** Slope ÷ its standard error: how far the rise stands out of the samples' scatter. */
  tStat: number;
}

/** A rise counts only when its slope is this many standard errors from flat. */
const MIN_TREND_T = 4;
/** Windows fitted, as shares of the trend window: the whole, its last 40 %, its last 20 %. */
const WINDOW_SHARES = [1, 0.4, 0.2];

/**
 * `tsMs`/`values` in time order; `rising`: the limit is above (true, e.g. a temperature) or
 * below (false, e.g. headroom). Needs at least `minSamples` finite values, else null.
 */
export function trendToLimit(tsMs: ArrayLike<number>, values: ArrayLike<number>, limit: number, rising: boolean, minSamples = 10): Trend | null {
  return trendOver(tsMs, values, 0, Math.min(tsMs.length, values.length), limit, rising, minSamples);
}

/** `trendToLimit` over samples [from, to) of the arrays (no copies: the alert loop fits every rack). */
function trendOver(
  tsMs: ArrayLike<number>, values: ArrayLike<number>, from: number, to: number, limit: number, rising: boolean, minSamples: number,
): Trend | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let lastT = Number.NaN;
  const t0 = to > from ? tsMs[from] : 0;
  for (let i = from; i < to; i++) {
    const y = values[i];
    if (!Number.isFinite(y)) continue;
    const x = (tsMs[i] - t0) / 1000;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
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
  // Residual sum of squares and the slope's standard error (n − 2 degrees of freedom).
  const ssr = Math.max(0, syy - intercept * sy - slopePerS * sxy);
  const sxxCentred = sxx - (sx * sx) / n;
  const se = n > 2 && sxxCentred > 0 ? Math.sqrt(ssr / (n - 2) / sxxCentred) : Number.NaN;
  const tStat = se > 0 ? slopePerS / se : slopePerS === 0 ? 0 : Math.sign(slopePerS) * Number.POSITIVE_INFINITY;
  return { slopePerS, fittedNow, secondsToLimit, tStat };
}

/**
 * Minutes until a rising signal reaches `limit`, for the time-to-limit rules, or NaN while the
 * window is not at least 80 % covered (just started, or data missing — never fires).
 *
 * "Now" is the last finite sample, not a fitted line: a line fitted through a rise and the fall
 * that follows it (a clog cleared a minute ago) still ends above the limit while the signal is
 * back well under it. So the result is 0 only when the last real value is at or over the limit.
 * Otherwise a projection is credible only when every one of three nested windows ending now —
 * the whole window, its last 40 % and its last 20 % — shows a rise that stands out of the noise
 * (slope at least `MIN_TREND_T` standard errors above flat); the time is the gap from the last
 * value to the limit at the slowest of those slopes. So a falling signal clears as soon as the
 * last 20 % falls, a step that has settled drops out as soon as the last 20 % is flat, a warm-up
 * levelling off never fires, a noisy sensor's scatter never fires, while a steady or
 * accelerating rise does. Only the first `count` samples of the arrays are read.
 */
export function minutesToLimit(
  tsMs: ArrayLike<number>, values: ArrayLike<number>, limit: number, windowMs: number, intervalMs: number, count = tsMs.length,
): number {
  let finite = 0;
  let lastValue = Number.NaN;
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(values[i])) continue;
    finite++;
    lastValue = values[i];
  }
  if (finite < (0.8 * windowMs) / intervalMs || count === 0) return Number.NaN;
  if (lastValue >= limit) return 0;
  const endMs = tsMs[count - 1];
  let slowestPerS = Number.POSITIVE_INFINITY;
  for (const share of WINDOW_SHARES) {
    const start = endMs - windowMs * share;
    let k = 0;
    while (k < count && tsMs[k] < start) k++;
    const fit = trendOver(tsMs, values, k, count, limit, true, 10);
    if (!fit) return Number.NaN;
    if (!(fit.slopePerS > 0 && fit.tStat >= MIN_TREND_T)) return Number.POSITIVE_INFINITY;
    slowestPerS = Math.min(slowestPerS, fit.slopePerS);
  }
  return (limit - lastValue) / slowestPerS / 60;
}
