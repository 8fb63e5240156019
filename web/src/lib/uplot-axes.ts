/**
 * The uPlot pieces every Hallwatch chart shares: a time axis on the 24-hour clock in the
 * browser's zone (said in the axis label), a legend that shows the cursor's time as ISO 8601
 * with the zone, and y scales ranged by chart-axes.ts (a minimum span per unit, reference lines
 * kept on scale because they are series of the scale).
 */
import type uPlot from 'uplot';
import { axisRange, timeRange } from './chart-axes.ts';
import { isoWithZone, localOffset, tickLabel, zoneLabel } from './time-format.ts';

/** Axis colours on the dark panels. */
export const AXIS_STYLE = { stroke: '#8b98a5', grid: { stroke: '#2b3642' }, ticks: { stroke: '#2b3642' } };

/** The x axis: "14:05", "14:05:10", a date on a tick of a new day; the zone as its label (unless `withLabel` is false). */
export function timeAxis(withLabel = true): uPlot.Axis {
  return {
    ...AXIS_STYLE,
    // Narrow panels say the zone in their heading instead.
    ...(withLabel ? { label: `time (${zoneLabel(localOffset(Date.now()))})`, labelSize: 14, labelGap: 0 } : {}),
    labelFont: '11px system-ui, sans-serif',
    font: '11px system-ui, sans-serif',
    // Room for "12-08 00:00" on a day change, so labels never overlap.
    space: 72,
    values: (_u, splits, _axis, _space, incr) => splits.map((s, k) => tickLabel(s * 1000, k ? splits[k - 1] * 1000 : null, incr * 1000)),
  };
}

/** The x series: the legend shows the cursor's time as "2026-12-07 14:05:09 UTC+01:00". */
export function timeSeries(): uPlot.Series {
  return { value: (_u, v) => (v === null ? '—' : isoWithZone(v * 1000)) };
}

/** A y axis for one unit, labelled with it. */
export function unitAxis(unit: string, scale: string, side: 1 | 3 = 3, color?: string): uPlot.Axis {
  return {
    ...AXIS_STYLE,
    ...(color ? { stroke: color } : {}),
    ...(side === 1 ? { grid: { show: false } } : {}),
    side,
    scale,
    label: unit,
    size: 54,
    font: '11px system-ui, sans-serif',
  };
}

/** A y scale spanning at least `MIN_SPAN[unit]` about the data of its series. */
export function unitScale(unit: string): uPlot.Scale {
  return { auto: true, range: (_u, lo, hi) => axisRange([[lo, hi]], unit) ?? [0, 1] };
}

/** An x scale over [fromMs, toMs] as given when drawn, cut down to the samples in it. */
export function timeScale(window: () => [number, number]): uPlot.Scale {
  return {
    time: true,
    range: (_u, lo, hi) => {
      const [fromMs, toMs] = window();
      const ts = lo === null || hi === null ? [] : [lo * 1000, hi * 1000];
      const [a, b] = timeRange(ts, fromMs, toMs);
      return [a / 1000, b / 1000];
    },
  };
}
