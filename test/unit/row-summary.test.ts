import { describe, expect, it } from 'vitest';
import { RowSummaryBuilder, percentile } from '../../server/history/row-summary.ts';

describe('percentile() by nearest rank', () => {
  const ten = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  it.each<[ArrayLike<number>, number, number | null]>([
    [ten, 50, 5],
    [ten, 95, 10],
    [ten, 90, 9],
    [ten, 100, 10],
    [ten, 0, 1],
    [[42], 95, 42],
    [[], 50, null],
  ])('%j p%d = %s', (sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });
});

describe('RowSummaryBuilder sums a range per row', () => {
  const step = 60_000;
  const ts = [0, 60_000, 120_000, 180_000];
  const nan = Number.NaN;

  it('counts rack-minutes above each rack\'s own limit, names the hottest rack, and ranks returns', () => {
    const b = new RowSummaryBuilder(['r1', 'r2'], step);
    b.add({ id: 'k1', rowId: 'r1', returnLimitC: 50 }, ts, [48, 51, 52, 49], [100, 110, 120, 100], 4);
    b.add({ id: 'k2', rowId: 'r1', returnLimitC: 55 }, ts, [53, 54, 54.5, nan], [90, 90, 90, nan], 4); // hotter but under its 55 °C limit
    b.add({ id: 'k3', rowId: 'r2', returnLimitC: 50 }, ts, [nan, nan, nan, nan], [nan, nan, nan, nan], 4); // silent all range
    const [r1, r2] = b.result();
    expect(r1).toEqual({
      rowId: 'r1',
      racksReporting: 2,
      returnC: { p50: 52, p95: 54.5, max: 54.5 }, // 7 values: the 4th
      rackKw: { p50: 100, p95: 120, max: 120 },
      minutesAboveLimit: 2,
      racksAboveLimit: 1,
      hottestRackId: 'k2',
      hottestReturnC: 54.5,
      hottestAtMs: 120_000,
    });
    expect(r2).toMatchObject({ rowId: 'r2', racksReporting: 0, returnC: { p50: null, p95: null, max: null }, minutesAboveLimit: 0, hottestRackId: null });
  });

  it('counts time above limit in the step length: 10 s steps are a sixth of a minute each', () => {
    const b = new RowSummaryBuilder(['r1'], 10_000);
    b.add({ id: 'k1', rowId: 'r1', returnLimitC: 50 }, [0, 10_000, 20_000], [51, 51, 49], [100, 100, 100], 3);
    expect(b.result()[0].minutesAboveLimit).toBeCloseTo(0.3, 6);
  });

  it('reads only the first n steps of reused buffers, and ignores racks of other rows', () => {
    const b = new RowSummaryBuilder(['r1'], step);
    b.add({ id: 'k1', rowId: 'r1', returnLimitC: 50 }, ts, [45, 46, 99, 99], [10, 10, 10, 10], 2);
    b.add({ id: 'x', rowId: 'other', returnLimitC: 50 }, ts, [99, 99, 99, 99], [10, 10, 10, 10], 4);
    expect(b.result()).toMatchObject([{ rowId: 'r1', returnC: { max: 46 }, minutesAboveLimit: 0, hottestRackId: 'k1' }]);
  });
});
