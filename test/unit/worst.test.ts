import { describe, expect, it } from 'vitest';
import { formatWorst, worstMetricById, worstN, type WorstSource } from '../../web/src/lib/worst.ts';
import { EntityState, type CduColumn, type RackColumn } from '../../protocol/stream.ts';

const { Live, Stale, Offline, NoData } = EntityState;

/** Live values from a table: one object of columns per entity (absent columns read NaN). */
function source(racks: Partial<Record<RackColumn, number>>[], cdus: Partial<Record<CduColumn, number>>[] = []): WorstSource {
  return {
    rack: (col, i) => racks[i]?.[col] ?? Number.NaN,
    cdu: (col, j) => cdus[j]?.[col] ?? Number.NaN,
  };
}

const rack = (returnC: number, more: Partial<Record<RackColumn, number>> = {}) => ({ state: Live, returnC, ...more });

describe('worstN() ranks a hall by one measure', () => {
  const racks = [
    rack(48, { thermalHeadroomPct: 40, rackKw: 100, flowSharePct: 120 }),
    rack(56.5, { thermalHeadroomPct: -5, rackKw: 131, flowSharePct: 80 }),
    rack(53, { thermalHeadroomPct: 12, rackKw: 128, flowSharePct: 95 }),
    rack(Number.NaN, { thermalHeadroomPct: Number.NaN, rackKw: 90 }),
    rack(54, { state: Stale, thermalHeadroomPct: 8, rackKw: 20, flowSharePct: 101 }),
    rack(70, { state: Offline, thermalHeadroomPct: -50, rackKw: 140, flowSharePct: 10 }),
    rack(70, { state: NoData, thermalHeadroomPct: -50, rackKw: 140, flowSharePct: 10 }),
  ];
  const src = source(racks);
  const all = [0, 1, 2, 3, 4, 5, 6];
  const limits = [55, 55, 55, 55, 52, 55, 55];

  it.each([
    // Rack 4's limit is 52 °C: at 54 °C it is 2 K over, worse than rack 1 at 56.5 against 55.
    ['return', 10, [[4, 2], [1, 1.5], [2, -2], [0, -7]]],
    ['return', 2, [[4, 2], [1, 1.5]]],
    ['headroom', 10, [[1, -5], [4, 8], [2, 12], [0, 40]]],
    ['power', 3, [[1, 131], [2, 128], [0, 100]]],
    ['flow', 2, [[1, 80], [2, 95]]],
  ])('by %s, %d worst: [index, value]', (id, n, want) => {
    const got = worstN(src, worstMetricById(id), all, limits, n);
    // Worst first: the sign of the comparison follows the measure's direction.
    const order = got.map((e) => e.index);
    expect(order).toEqual(want.map(([i]) => i));
    got.forEach((e, k) => expect(e.value).toBeCloseTo(want[k][1], 6));
  });

  it('leaves out racks offline or never heard from, and flags a stale one', () => {
    const got = worstN(src, worstMetricById('power'), all, limits, 10);
    expect(got.map((e) => e.index)).not.toContain(5);
    expect(got.map((e) => e.index)).not.toContain(6);
    expect(got.find((e) => e.index === 4)?.stale).toBe(true);
    expect(got.find((e) => e.index === 1)?.stale).toBe(false);
  });

  it('does not rank a rack as hot on a return sensor flagged frozen, noisy or below supply', () => {
    const flagged = source([rack(70, { derivedFlags: 1 }), rack(65, { derivedFlags: 2 }), rack(60, { derivedFlags: 4 }), rack(50, { derivedFlags: 128 }), rack(49, { derivedFlags: 0 })]);
    expect(worstN(flagged, worstMetricById('return'), [0, 1, 2, 3, 4], [55, 55, 55, 55, 55], 10).map((e) => e.index)).toEqual([3, 4]);
  });

  it('ranks only the indices given (one hall), keeping their order among ties', () => {
    const ties = source([rack(50), rack(50), rack(50), rack(60)]);
    expect(worstN(ties, worstMetricById('return'), [2, 0, 1], [55, 55, 55], 2).map((e) => e.index)).toEqual([2, 0]);
  });

  it('ranks CDUs by capacity headroom (low is worse) and approach (high is worse)', () => {
    const cdus = source([], [
      { state: Live, headroomPct: 30, approachK: 4 },
      { state: Live, headroomPct: 3, approachK: 3.5 },
      { state: Live, headroomPct: Number.NaN, approachK: Number.NaN },
      { state: Live, headroomPct: 12, approachK: 7.2 },
    ]);
    expect(worstN(cdus, worstMetricById('cdu'), [0, 1, 2, 3], [], 10).map((e) => e.index)).toEqual([1, 3, 0]);
    expect(worstN(cdus, worstMetricById('approach'), [0, 1, 2, 3], [], 2).map((e) => e.index)).toEqual([3, 0]);
  });

  it('matches a full sort over 10,000 racks', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const many = Array.from({ length: 10_000 }, () => rack(40 + random() * 20));
    const idx = many.map((_, i) => i);
    const got = worstN(source(many), worstMetricById('return'), idx, idx.map(() => 55), 10).map((e) => e.index);
    const sorted = [...idx].sort((a, b) => many[b].returnC - many[a].returnC).slice(0, 10);
    expect(got).toEqual(sorted);
  });
});

describe('formatWorst()', () => {
  it.each([
    ['return', 1.26, '+1.3 K'],
    ['return', -3, '−3.0 K'],
    ['headroom', -4.6, '−5 %'],
    ['power', 131.04, '131.0 kW'],
    ['approach', 6.25, '6.3 K'],
  ])('%s %d reads %s', (id, v, want) => {
    expect(formatWorst(worstMetricById(id), v)).toBe(want);
  });
});
