/**
 * Axis ranges and units for the dashboard's charts (drill-down, rack and CDU panels). A y axis
 * spans at least a minimum per unit, so 2 L/min of sensor noise on a 900 L/min loop is drawn as
 * the flat line it is rather than a sawtooth filling the chart; an x axis spans the data there
 * is, not the whole requested window. Power switches kW → MW → GW with its magnitude.
 */

/** Smallest y span per unit, in that unit (noise below this is not worth a chart's height). */
export const MIN_SPAN: Record<string, number> = {
  '°C': 5, K: 5, 'L/min': 10, kW: 10, MW: 0.1, GW: 0.01, W: 100, '%': 10, kPa: 20, racks: 5,
};

/** Units that cannot go below zero: their axis is not pushed under 0 to reach the minimum span. */
const NON_NEGATIVE = new Set(['L/min', 'W', 'kPa', 'racks']);

/** Share of the span added above and below the data, so lines do not run along the frame. */
const PAD = 0.08;

/**
 * The y range of an axis: the finite values of all its series and any reference values (a
 * limit, a setpoint, the rated flow) fitted with padding, widened about its middle to at least
 * `MIN_SPAN[unit]`. Null when there is nothing finite to show.
 */
export function axisRange(series: readonly ArrayLike<number | null>[], unit: string, references: readonly number[] = []): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const take = (v: number | null) => {
    if (v === null || !Number.isFinite(v)) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const s of series) for (let k = 0; k < s.length; k++) take(s[k]);
  for (const r of references) take(r);
  if (lo > hi) return null;
  const pad = (hi - lo) * PAD;
  let min = lo - pad;
  let max = hi + pad;
  const span = MIN_SPAN[unit] ?? 0;
  if (max - min < span) {
    const mid = (lo + hi) / 2;
    min = mid - span / 2;
    max = mid + span / 2;
  }
  if (NON_NEGATIVE.has(unit) && min < 0 && lo >= 0) {
    max -= min;
    min = 0;
  }
  return [min, max];
}

/**
 * The x range, ms: the requested window cut down to the samples in it, so 2 minutes of data in
 * a 15-minute window fills the chart instead of its right eighth. A single sample gets
 * `minSpanMs` ending at it; no samples, the whole window.
 */
export function timeRange(tsMs: ArrayLike<number>, fromMs: number, toMs: number, minSpanMs = 60_000): [number, number] {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < tsMs.length; k++) {
    const t = tsMs[k];
    if (!Number.isFinite(t) || t < fromMs || t > toMs) continue;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (first > last) return [fromMs, toMs];
  if (last > first) return [first, last];
  const span = Math.min(toMs - fromMs, minSpanMs);
  const start = Math.max(fromMs, last - span);
  return [start, Math.min(toMs, start + span)];
}

/** A unit and the factor that takes values in the original unit to it. */
export interface ScaledUnit {
  unit: string;
  factor: number;
}

const POWER_STEPS: Record<string, { next: string; at: number }> = {
  W: { next: 'kW', at: 10_000 },
  kW: { next: 'MW', at: 1_000 },
  MW: { next: 'GW', at: 1_000 },
};

/**
 * The unit to draw power in: kW stays kW below 1,000 kW, becomes MW up to 1,000 MW, then GW.
 * `maxAbs` is the largest magnitude shown, in `unit`. Other units are kept as they are.
 */
export function scaleUnit(unit: string, maxAbs: number): ScaledUnit {
  let out = { unit, factor: 1 };
  let v = Math.abs(maxAbs);
  for (let step = POWER_STEPS[out.unit]; step && Number.isFinite(v) && v >= step.at; step = POWER_STEPS[out.unit]) {
    out = { unit: step.next, factor: out.factor / 1000 };
    v /= 1000;
  }
  return out;
}

/** The largest finite magnitude over some series (0 when none). */
export function maxAbsOf(series: readonly ArrayLike<number | null>[]): number {
  let m = 0;
  for (const s of series) {
    for (let k = 0; k < s.length; k++) {
      const v = s[k];
      if (v !== null && Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
    }
  }
  return m;
}

/** A series multiplied by `factor`, nulls and non-finite values as null. */
export function scaled(values: ArrayLike<number | null>, factor: number): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    out[k] = v === null || !Number.isFinite(v) ? null : factor === 1 ? v : v * factor;
  }
  return out;
}
