import { describe, expect, it } from 'vitest';
import { bindingLimit, deriveGroup, deriveRack, pumpShortfallPct } from '../../server/state/derive.ts';
import { GB300_NVL72 } from '../../protocol/site.ts';
import { Binding } from '../../protocol/stream.ts';
import { heatCoefficientKwPerLpmK } from '../../protocol/coolant.ts';

describe('deriveRack()', () => {
  it('computes heat, thermal headroom and its share from domain.md §3', () => {
    const d = deriveRack('water', GB300_NVL72, { rackKw: 135, supplyC: 40, returnC: 50.5, flowLpm: 180 }, 50);
    const k = heatCoefficientKwPerLpmK('water', 45.25);
    expect(d.heatKw).toBeCloseTo(130.4, 0);
    expect(d.deltaTK).toBeCloseTo(10.5, 6);
    expect(d.thermalHeadroomKw).toBeCloseTo(k * 180 * (55 - 50.5), 6);
    expect(d.thermalHeadroomPct).toBeCloseTo((4.5 / 15) * 100, 6);
    expect(d.captureRatio).toBeCloseTo(130.4 / 135, 2);
    expect(d.powerHeadroomKw).toBeCloseTo(-3, 6);
  });

  it.each([
    { why: 'return near its limit', r: { rackKw: 80, supplyC: 44, returnC: 54.5, flowLpm: 300 }, group: 60, binding: Binding.ReturnTemp },
    { why: 'flow far below what the load needs', r: { rackKw: 100, supplyC: 40, returnC: 49, flowLpm: 90 }, group: 60, binding: Binding.Flow },
    { why: 'power at the shelf limit', r: { rackKw: 131, supplyC: 40, returnC: 47, flowLpm: 240 }, group: 60, binding: Binding.Power },
    { why: 'CDU group nearly full', r: { rackKw: 60, supplyC: 40, returnC: 45, flowLpm: 180 }, group: 1, binding: Binding.Capacity },
  ])('reports $binding as binding when $why', ({ r, group, binding }) => {
    expect(deriveRack('water', GB300_NVL72, r, group).binding).toBe(binding);
  });

  it('shows negative thermal headroom above the return limit and full flow deficit at zero flow', () => {
    const hot = deriveRack('water', GB300_NVL72, { rackKw: 100, supplyC: 45, returnC: 57, flowLpm: 150 }, Number.NaN);
    expect(hot.thermalHeadroomKw).toBeLessThan(0);
    expect(hot.thermalHeadroomPct).toBeLessThan(0);
    const dry = deriveRack('water', GB300_NVL72, { rackKw: 100, supplyC: 40, returnC: 41, flowLpm: 0 }, Number.NaN);
    expect(dry.flowHeadroomPct).toBe(-100);
    expect(dry.heatKw).toBe(0);
    expect(dry.flowRequiredLpm).toBeGreaterThan(100);
  });
});

describe('bindingLimit()', () => {
  it.each([
    [[10, 20, 30, 40], Binding.ReturnTemp],
    [[50, 20, 30, 40], Binding.Flow],
    [[50, 60, 5, 40], Binding.Power],
    [[50, 60, 70, -1], Binding.Capacity],
    [[Number.NaN, Number.NaN, Number.NaN, Number.NaN], Binding.None],
    [[Number.NaN, 12, Number.NaN, Number.NaN], Binding.Flow],
    [[Number.NaN, Number.NaN, Number.NaN, 3], Binding.Capacity],
    // Ties go to the limit listed first.
    [[10, 10, 30, 40], Binding.ReturnTemp],
    [[50, 20, 20, 20], Binding.Flow],
    [[50, 60, 7, 7], Binding.Power],
  ])('of %j is %i', (pcts, expected) => {
    expect(bindingLimit(pcts[0], pcts[1], pcts[2], pcts[3])).toBe(expected);
  });
});

describe('deriveGroup() N+1', () => {
  const unit = (capacityKw: number, available = true) => ({ capacityKw, ratedFlowLpm: 1650, available, supplyC: 40, facilitySupplyC: 36 });
  it.each([
    { why: 'three 1300 kW units carrying 1944 kW', units: [unit(1300), unit(1300), unit(1300)], loadKw: 1944, headroomKw: 1956, n1: 656 },
    { why: 'one of three tripped: redundancy lost', units: [unit(1300, false), unit(1300), unit(1300)], loadKw: 1944, headroomKw: 656, n1: -644 },
    { why: 'unequal units: the largest is the one assumed lost', units: [unit(2000), unit(1000), unit(1000)], loadKw: 1500, headroomKw: 2500, n1: 500 },
    { why: 'two of three tripped: overloaded', units: [unit(1300, false), unit(1300, false), unit(1300)], loadKw: 1944, headroomKw: -644, n1: -1944 },
  ])('$why', ({ units, loadKw, headroomKw, n1 }) => {
    const g = deriveGroup(units, loadKw, 2800);
    expect(g.headroomKw).toBeCloseTo(headroomKw, 6);
    expect(g.n1HeadroomKw).toBeCloseTo(n1, 6);
    const shared = g.cdus.reduce((s, c) => s + c.loadKw, 0);
    expect(shared).toBeCloseTo(loadKw, 6);
  });

  it('shares load by capacity and gives a tripped unit no capacity and no load', () => {
    const g = deriveGroup([unit(2000), unit(1000), unit(1000, false)], 1500, 0);
    expect(g.cdus.map((c) => c.loadKw)).toEqual([1000, 500, 0]);
    expect(g.cdus[2].capacityKw).toBe(0);
    expect(g.cdus[0].approachK).toBe(4);
  });

  it('gives a stopped unit no approach: with no flow its supply reads standing water (48.84 °C, not 12.9 K over facility)', () => {
    const g = deriveGroup([{ ...unit(1300, false), stopped: true, supplyC: 48.84, facilitySupplyC: 35.94 }, unit(1300)], 800, 0);
    expect(g.cdus[0].approachK).toBeNaN();
    expect(g.cdus[1].approachK).toBe(4);
  });

  it('has no capacity at all when no unit is available', () => {
    const g = deriveGroup([unit(1300, false)], 500, 0);
    expect(g.headroomPct).toBe(-100);
    expect(g.headroomKw).toBe(-500);
  });
});

describe('pumpShortfallPct(): flow short of what the pump speed gives', () => {
  it.each([
    ['healthy: 970 L/min at 58.8 % of a 1650 L/min pump', 1650, 970, 58.8, 0],
    ['scatter under 5 % is not a fault', 1650, 940, 58.8, 0],
    ['worn: 580 L/min at the partner\'s speed', 1650, 580, 58.8, 40],
    ['more than its speed gives is not a shortfall', 1650, 1200, 58.8, 0],
    ['too slow to judge', 1650, 100, 10, 0],
    ['no pump speed reported', 1650, 580, Number.NaN, Number.NaN],
    ['no flow reported', 1650, Number.NaN, 58.8, Number.NaN],
  ])('%s', (_why, rated, flow, pump, expected) => {
    expect(pumpShortfallPct(rated, flow, pump)).toBe(expected);
  });

  it('derates a degraded unit: capacity, headroom and N+1 shrink in proportion', () => {
    const unit = (flowLpm: number) => ({ capacityKw: 1300, ratedFlowLpm: 1650, available: true, supplyC: 40, facilitySupplyC: 36, flowLpm, pumpPct: 58.8 });
    const healthy = deriveGroup([unit(970), unit(970), unit(970)], 1944, 2800);
    const worn = deriveGroup([unit(970), unit(580), unit(970)], 1944, 2800);
    expect(healthy.capacityKw).toBeCloseTo(3900, 6);
    expect(worn.capacityKw).toBeCloseTo(1300 + 1300 * 0.6 + 1300, 6);
    expect(worn.cdus[1]).toMatchObject({ pumpShortfallPct: 40, capacityKw: 780 });
    expect(worn.n1HeadroomKw).toBeCloseTo(1300 + 780 - 1944, 6);
    expect(worn.n1HeadroomKw).toBeLessThan(healthy.n1HeadroomKw);
  });
});
