import { describe, expect, it } from 'vitest';
import { SampleAgeWindow } from '../../server/ingest/sample-age.ts';

const T0 = 1_800_000_000_000;

describe('SampleAgeWindow', () => {
  it.each([
    // ages in one window, quantile, expected seconds (upper edge of the 10 ms bucket)
    ['one sample', [42], 0.99, 0.05],
    ['the median of 1…100 ms', Array.from({ length: 100 }, (_, k) => k + 1), 0.5, 0.06],
    ['p99 of 99 fast and one slow', [...Array(99).fill(20), 900], 0.99, 0.03],
    ['the max of 99 fast and one slow', [...Array(99).fill(20), 900], 1, 0.91],
    ['a negative age (source clock ahead) counts as 0', [-300], 1, 0.01],
    ['60 s or more is 60 s', [75_000], 1, 60],
  ])('%s', (_what, ages, q, expected) => {
    const w = new SampleAgeWindow(10_000);
    for (const a of ages as number[]) w.add(a, T0 + 100);
    expect(w.quantileS(q as number, T0 + 5_000)).toBeNaN();
    expect(w.quantileS(q as number, T0 + 10_100)).toBeCloseTo(expected as number, 9);
  });

  it('reports the last complete window, and nothing after a window with no samples', () => {
    const w = new SampleAgeWindow(10_000);
    w.add(500, T0);
    w.add(30, T0 + 10_000);
    expect(w.quantileS(1, T0 + 10_001)).toBeCloseTo(0.51, 9);
    expect(w.quantileS(1, T0 + 20_001)).toBeCloseTo(0.04, 9);
    expect(w.quantileS(1, T0 + 40_001)).toBeNaN();
  });
});
