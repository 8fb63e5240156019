import { describe, expect, it } from 'vitest';
import { trendToLimit } from '../../server/alerts/trend.ts';

const series = (n: number, f: (s: number) => number) => ({
  ts: Array.from({ length: n }, (_, s) => 1_800_000_000_000 + s * 1000),
  v: Array.from({ length: n }, (_, s) => f(s)),
});

describe('trendToLimit()', () => {
  it.each([
    ['return rising 0.01 K/s from 50 °C toward 55 °C', series(60, (s) => 50 + 0.01 * s), 55, true, (55 - 50.59) / 0.01],
    ['headroom falling 2 kW/s from 300 kW toward 0', series(30, (s) => 300 - 2 * s), 0, false, (300 - 58) / 2],
    ['already past the limit', series(20, (s) => 56 + 0.001 * s), 55, true, 0],
  ])('%s', (_why, { ts, v }, limit, rising, seconds) => {
    const t = trendToLimit(ts, v, limit, rising)!;
    expect(t.secondsToLimit).toBeCloseTo(seconds, 3);
  });

  it('reports no crossing for a flat or receding trend, and ignores noise-free NaN gaps', () => {
    const flat = series(30, () => 48);
    expect(trendToLimit(flat.ts, flat.v, 55, true)!.secondsToLimit).toBe(Number.POSITIVE_INFINITY);
    const falling = series(30, (s) => 50 - 0.1 * s);
    expect(trendToLimit(falling.ts, falling.v, 55, true)!.secondsToLimit).toBe(Number.POSITIVE_INFINITY);
    const gappy = series(40, (s) => (s % 3 === 0 ? Number.NaN : 50 + 0.02 * s));
    expect(trendToLimit(gappy.ts, gappy.v, 55, true)!.slopePerS).toBeCloseTo(0.02, 9);
  });

  it('needs enough samples', () => {
    const few = series(5, (s) => 50 + s);
    expect(trendToLimit(few.ts, few.v, 55, true)).toBeNull();
  });
});
