import { describe, expect, it } from 'vitest';
import { minutesToLimit, trendToLimit } from '../../server/alerts/trend.ts';
import { Rng } from '../../simulators/rng.ts';

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

describe('minutesToLimit(): the time-to-limit signal', () => {
  const series = (seconds: number, f: (t: number) => number) => {
    const ts: number[] = [];
    const v: number[] = [];
    for (let t = 0; t <= seconds; t++) {
      ts.push(1_000_000 + t * 1000);
      v.push(f(t));
    }
    return { ts, v };
  };
  const W = 5 * 60_000;
  // Deterministic scatter: a sum of incommensurate sines, standard deviation ≈ `k` kelvin.
  const noise = (t: number, k: number) => k * (Math.sin(t * 12.9898) + Math.sin(t * 78.233) + Math.sin(t * 37.719)) / 1.22;
  it.each([
    ['a steady rise in sensor noise fires', series(300, (t) => 50 + 0.01 * t + noise(t, 0.05)), (m: number) => m > 3 && m < 3.8],
    // A row to full load: return steps +3 K in ~30 s (τ 10 s) 100 s ago, then holds.
    [
      'a settled step does not',
      series(300, (t) => 48 + (t > 200 ? 3 * (1 - Math.exp(-(t - 200) / 10)) : 0) + noise(t, 0.05)),
      (m: number) => m === Number.POSITIVE_INFINITY,
    ],
    [
      'a step still under way does not: the whole window is mostly flat',
      series(300, (t) => 48 + (t > 280 ? 3 * (1 - Math.exp(-(t - 280) / 10)) : 0) + noise(t, 0.05)),
      (m: number) => m > 10,
    ],
    ['a noisy sensor (3 K scatter) does not', series(300, (t) => 50 + noise(t, 3)), (m: number) => m > 10],
    ['a slow rise lost in 3 K scatter does not', series(300, (t) => 50 + 0.002 * t + noise(t, 3)), (m: number) => m > 10],
    // 50 °C rising 0.01 K/s: at 53 °C after 300 s, 2 K (200 s) to go.
    ['a steady rise fires', series(300, (t) => 50 + 0.01 * t), (m: number) => m > 3 && m < 3.6],
    ['an accelerating rise fires', series(300, (t) => 46 + 0.00008 * t * t), (m: number) => m < 5],
    // Warm-up to a steady 48 °C (time constant 60 s): levelling off, never within 10 min.
    ['a warm-up levelling off does not', series(300, (t) => 40 + 8 * (1 - Math.exp(-t / 60))), (m: number) => m > 10],
    ['flat is never', series(300, () => 47), (m: number) => m === Number.POSITIVE_INFINITY],
    ['at or over the limit is 0', series(300, (t) => 55 + 0.001 * t), (m: number) => m === 0],
    ['under 80 % of the window is unknown (NaN, never fires)', series(200, (t) => 50 + 0.02 * t), (m: number) => Number.isNaN(m)],
    ['gaps count against coverage', series(300, (t) => (t % 3 === 0 ? Number.NaN : 50 + 0.01 * t)), (m: number) => Number.isNaN(m)],
  ])('%s', (_n, s, ok) => expect(ok(minutesToLimit(s.ts, s.v, 55, W, 1000))).toBe(true));

  it('reads only the first `count` samples of reused scratch arrays', () => {
    const s = series(300, (t) => 50 + 0.01 * t);
    const ts = new Float64Array(400).fill(9e12);
    const v = new Float64Array(400).fill(99);
    ts.set(s.ts);
    v.set(s.v);
    expect(minutesToLimit(ts, v, 55, W, 1000, s.ts.length)).toBe(minutesToLimit(s.ts, s.v, 55, W, 1000));
    // The stale tail past `count` would be a crossing at once if it were read.
    expect(minutesToLimit(ts, v, 55, W, 1000, s.ts.length)).toBeGreaterThan(3);
  });
});

describe('minutesToLimit() after a recovery, on a rise, over the limit and in noise', () => {
  const W = 5 * 60_000;
  const T0 = 1_800_000_000_000;
  /** `seconds + 1` samples of `f(t)` at 1 s, with 0.05 K of seeded sensor noise. */
  const record = (seconds: number, f: (t: number) => number, noiseK = 0.05, seed = 7) => {
    const rng = new Rng(seed);
    const ts = Array.from({ length: seconds + 1 }, (_, t) => T0 + t * 1000);
    const v = ts.map((_, t) => f(t) + noiseK * rng.gaussian());
    return { ts, v };
  };
  /** The signal as the alert loop fits it at `endS`: the last five minutes up to then. */
  const at = (s: { ts: number[]; v: number[] }, endS: number) => {
    const from = Math.max(0, endS - W / 1000 + 1);
    return minutesToLimit(s.ts.slice(from, endS + 1), s.v.slice(from, endS + 1), 55, W, 1000);
  };
  // A clogged cold plate at t = 300 s: the return climbs from 49 toward 62 °C (τ 25 s at the
  // clogged flow); the clog is cleared at t = 600 s and it falls back to 49 °C (τ 10 s).
  const CLOG_S = 300;
  const CLEAR_S = 600;
  const clogged = record(CLEAR_S + 300, (t) => {
    if (t < CLOG_S) return 49;
    const peakC = 49 + 13 * (1 - Math.exp(-(Math.min(t, CLEAR_S) - CLOG_S) / 25));
    return t < CLEAR_S ? peakC : 49 + (peakC - 49) * Math.exp(-(t - CLEAR_S) / 10);
  });

  it.each([
    ['60 s after the clog is cleared, back at 49 °C: no crossing', CLEAR_S + 60, (m: number) => m === Number.POSITIVE_INFINITY],
    ['a minute into the clog, at 62 °C: at the limit now', CLOG_S + 60, (m: number) => m === 0],
    ['a second after the clear, still over the limit: at the limit now', CLEAR_S + 1, (m: number) => m === 0],
  ])('%s', (_n, endS, ok) => expect(ok(at(clogged, endS))).toBe(true));

  it('never reads 0 nor fires once the return is back under its limit', () => {
    const under = [];
    for (let endS = CLEAR_S; endS <= CLEAR_S + 300; endS++) {
      if (clogged.v[endS] < 55) under.push({ endS, m: at(clogged, endS) });
    }
    expect(under.length).toBeGreaterThan(280);
    expect(under.filter((u) => !(u.m > 10))).toEqual([]);
  });

  it.each([
    // 50 °C rising 0.01 K/s: at 53 °C after 300 s, 2 K (200 s) to go.
    ['a steady rise: 200 s from the last value', record(300, (t) => 50 + 0.01 * t, 0), 200 / 60],
    ['a steady rise in sensor noise', record(300, (t) => 50 + 0.01 * t), 200 / 60],
    // 45 °C rising 0.02 K/s: at 51 °C after 300 s, 4 K (200 s) to go.
    ['a faster rise from further away', record(300, (t) => 45 + 0.02 * t), 200 / 60],
  ])('%s', (_n, s, minutes) => expect(at(s, 300)).toBeCloseTo(minutes, 1));

  it('reads 0 only when the last value is at or over the limit', () => {
    const over = record(300, (t) => 54.5 + 0.01 * t, 0);
    expect(at(over, 300)).toBe(0);
    // The fitted line ends over the limit (the last minute was spent at 58 °C), the last value is under it.
    const justFell = record(300, (t) => (t < 299 ? 58 : 50), 0);
    expect(at(justFell, 300)).toBe(Number.POSITIVE_INFINITY);
  });

  it('never fires on a noisy flat signal (1 K scatter around 48 °C, half an hour)', () => {
    const noisy = record(1800, () => 48, 1, 11);
    const fired = [];
    for (let endS = 299; endS <= 1800; endS++) {
      const m = at(noisy, endS);
      if (!(m > 10)) fired.push({ endS, m });
    }
    expect(fired).toEqual([]);
  });
});
