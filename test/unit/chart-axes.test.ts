import { describe, expect, it } from 'vitest';
import { axisRange, maxAbsOf, scaleUnit, scaled, timeRange } from '../../web/src/lib/chart-axes.ts';
import { clock24, isoMinute, isoWithZone, parseIsoMinute, tickLabel, zoneLabel } from '../../web/src/lib/time-format.ts';

describe('axisRange() fits the data and keeps a minimum span per unit', () => {
  it.each<[string, (number | null)[][], number[], number, number]>([
    // [unit, series, references, expected min, expected max]
    ['L/min', [[900, 902, 901, 900.5]], [], 896, 906], // 2 L/min of noise: at least 10 L/min tall, centred
    ['°C', [[44.9, 45.1]], [], 42.5, 47.5], // a steady temperature: at least 5 K tall
    ['K', [[3.1, 3.3]], [], 0.7, 5.7],
    ['°C', [[30, 50]], [], 28.4, 51.6], // wide data: padded by 8 % each side
    ['°C', [[40, 41]], [60], 38.4, 61.6], // the limit line stays on scale
    ['L/min', [[120, 121]], [1000], 49.6, 1070.4], // rated flow far above: the axis reaches it
    ['L/min', [[0, 1, 2]], [], 0, 10], // not pushed below zero for a quantity that cannot be negative
    ['°C', [[null, 40, Number.NaN, 41]], [], 38, 43], // gaps and NaN ignored
    ['kW', [[100, 100.4], [90]], [], 89.168, 101.232], // every series of the axis counts
  ])('%s %j ref %j → [%d, %d]', (unit, series, refs, lo, hi) => {
    const r = axisRange(series, unit, refs)!;
    expect(r[0]).toBeCloseTo(lo, 6);
    expect(r[1]).toBeCloseTo(hi, 6);
    expect(r[1] - r[0]).toBeGreaterThanOrEqual(unit === 'L/min' ? 10 : unit === 'kW' ? 10 : 5);
  });

  it('is null when no series holds a finite value', () => {
    expect(axisRange([[null, Number.NaN], []], '°C')).toBeNull();
  });
});

describe('timeRange() spans the samples there are, not the whole requested window', () => {
  const to = 1_000_000_000_000;
  const from = to - 15 * 60_000;
  it.each<[string, number[], [number, number]]>([
    ['2 minutes of data in a 15-minute window fills the chart', [to - 120_000, to - 60_000, to - 1_000], [to - 120_000, to - 1_000]],
    ['data over the whole window: the data', [from, from + 1_000, to], [from, to]],
    ['no data: the requested window', [], [from, to]],
    ['one sample: a minute ending at it', [to - 5_000], [to - 65_000, to - 5_000]],
    ['one sample at the window start: a minute from it', [from], [from, from + 60_000]],
    ['samples outside the window are not counted', [from - 60_000, to - 30_000, to - 10_000, to + 60_000], [to - 30_000, to - 10_000]],
    ['20 s of data after a start: those 20 s', [to - 21_000, to - 1_000], [to - 21_000, to - 1_000]],
  ])('%s', (_name, ts, expected) => {
    expect(timeRange(ts, from, to)).toEqual(expected);
  });
});

describe('scaleUnit() draws power in kW, MW or GW by magnitude', () => {
  it.each<[string, number, string, number]>([
    ['kW', 850, 'kW', 1],
    ['kW', 999.9, 'kW', 1],
    ['kW', 1000, 'MW', 1e-3],
    ['kW', 42_000, 'MW', 1e-3],
    ['kW', 1_050_000, 'GW', 1e-6],
    ['kW', -3_000, 'MW', 1e-3], // a negative headroom of 3 MW
    ['W', 1400, 'W', 1],
    ['W', 12_000, 'kW', 1e-3],
    ['°C', 5000, '°C', 1],
    ['kW', Number.NaN, 'kW', 1],
  ])('%s at %d → %s', (unit, maxAbs, expectedUnit, factor) => {
    const s = scaleUnit(unit, maxAbs);
    expect(s.unit).toBe(expectedUnit);
    expect(s.factor).toBeCloseTo(factor, 12);
  });

  it('scales series with it, nulls kept as nulls', () => {
    const hall = [[41_250, null, 40_000], [38_000]];
    const s = scaleUnit('kW', maxAbsOf(hall));
    expect(s.unit).toBe('MW');
    expect(scaled(hall[0], s.factor)).toEqual([41.25, null, 40]);
  });
});

describe('time formats: ISO order, 24-hour clock, zone said', () => {
  const t = Date.UTC(2026, 11, 7, 13, 5, 9); // 2026-12-07 13:05:09 UTC
  const utc = () => 0;
  const cet = () => 60;
  const ist = () => 330;
  const nyc = () => -300;
  it.each<[string, (ms: number) => number, string]>([
    ['UTC', utc, '2026-12-07 13:05:09 UTC'],
    ['CET', cet, '2026-12-07 14:05:09 UTC+01:00'],
    ['India', ist, '2026-12-07 18:35:09 UTC+05:30'],
    ['New York: 24-hour, no AM/PM', nyc, '2026-12-07 08:05:09 UTC-05:00'],
  ])('isoWithZone in %s', (_zone, offsetOf, expected) => {
    expect(isoWithZone(t, offsetOf)).toBe(expected);
  });

  it.each<[number, string]>([[0, 'UTC'], [60, 'UTC+01:00'], [-210, 'UTC-03:30'], [345, 'UTC+05:45']])('zoneLabel(%d) = %s', (off, label) => {
    expect(zoneLabel(off)).toBe(label);
  });

  it('afternoon reads 24-hour in every form', () => {
    const pm = Date.UTC(2026, 0, 2, 23, 59, 1);
    expect(isoMinute(pm, utc)).toBe('2026-01-02 23:59');
    expect(clock24(pm, utc)).toBe('23:59:01');
    expect(isoMinute(pm, cet)).toBe('2026-01-03 00:59');
  });

  it.each<[string, number, number | null, number, string]>([
    ['minute ticks', t, t - 300_000, 300_000, '13:05'],
    ['second ticks', t, t - 10_000, 10_000, '13:05:09'],
    ['the first tick is just the time', t, null, 300_000, '13:05'],
    ['a tick on a new day carries the date', Date.UTC(2026, 11, 8, 0, 0), Date.UTC(2026, 11, 7, 23, 0), 3_600_000, '12-08 00:00'],
    ['day ticks are dates', Date.UTC(2026, 11, 8), Date.UTC(2026, 11, 7), 86_400_000, '12-08'],
  ])('tickLabel: %s', (_name, ms, prev, incr, expected) => {
    expect(tickLabel(ms, prev, incr, utc)).toBe(expected);
  });

  it.each<[string, (ms: number) => number, number | null]>([
    ['2026-12-07 14:05', cet, Date.UTC(2026, 11, 7, 13, 5)],
    ['2026-12-07T14:05:09', cet, Date.UTC(2026, 11, 7, 13, 5, 9)],
    ['2026-12-07 14:05', nyc, Date.UTC(2026, 11, 7, 19, 5)],
    ['2026-12-07 2:05 PM', cet, null],
    ['12/07/2026 14:05', cet, null],
    ['2026-02-30 10:00', utc, null],
    ['2026-12-07 24:00', utc, null],
  ])('parseIsoMinute(%j)', (text, offsetOf, expected) => {
    expect(parseIsoMinute(text, offsetOf)).toBe(expected);
  });

  it('parseIsoMinute reads back what isoMinute wrote, across a daylight-saving change', () => {
    // Europe/Berlin style: +60 before 2026-03-29 01:00 UTC, +120 after.
    const dst = (ms: number) => (ms >= Date.UTC(2026, 2, 29, 1) ? 120 : 60);
    for (const ms of [Date.UTC(2026, 2, 29, 0, 30), Date.UTC(2026, 2, 29, 1, 30), Date.UTC(2026, 6, 1, 12)]) {
      expect(parseIsoMinute(isoMinute(ms, dst), dst)).toBe(ms);
    }
  });
});
