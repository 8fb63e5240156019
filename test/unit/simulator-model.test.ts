import { describe, expect, it } from 'vitest';
import { SiteSim } from '../../simulators/site-sim.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { loadFraction } from '../../simulators/model/workload.ts';
import { rackDpKpa } from '../../simulators/model/rack-model.ts';
import { exchangerApproachK } from '../../simulators/model/cdu-group.ts';
import { heatKw } from '../../protocol/coolant.ts';

function run(sim: SiteSim, seconds: number, t0 = Date.UTC(2026, 10, 22, 12)) {
  let out = sim.step(t0, 1);
  for (let s = 1; s <= seconds; s++) out = sim.step(t0 + s * 1000, 1);
  return out;
}

describe('simulated site', () => {
  const site = generateSite({ halls: 1, rows: 2, racksPerRow: 8, racksPerCdu: 4 });

  it('is reproducible from a seed', () => {
    const a = run(new SiteSim(site, 42), 5);
    const b = run(new SiteSim(site, 42), 5);
    const c = run(new SiteSim(site, 43), 5);
    expect(a.racks.get('h1-r01-k01')).toEqual(b.racks.get('h1-r01-k01'));
    expect(a.racks.get('h1-r01-k01')).not.toEqual(c.racks.get('h1-r01-k01'));
  });

  it('draws ~135 kW at full load and carries ~90 % of it to liquid once the loop settles', () => {
    const sim = new SiteSim(site, 1);
    sim.apply({ kind: 'surge', target: 'hall-1' });
    const out = run(sim, 120);
    const s = out.racks.get('h1-r01-k03')!;
    expect(s.rackKw).toBeGreaterThan(128);
    expect(s.rackKw).toBeLessThan(138);
    expect(s.gpuW).toHaveLength(72);
    const capture = heatKw('water', s.flowLpm, s.supplyC, s.returnC) / s.rackKw;
    expect(capture).toBeGreaterThan(0.86);
    expect(capture).toBeLessThan(0.94);
  });

  it('lags the return temperature behind a load step (loop transit time)', () => {
    const sim = new SiteSim(site, 1);
    const t0 = Date.UTC(2026, 10, 22, 12);
    const settled = run(sim, 30, t0).racks.get('h1-r01-k01')!;
    sim.apply({ kind: 'surge', target: 'h1-r01-k01' });
    const first = sim.step(t0 + 31_000, 1).racks.get('h1-r01-k01')!;
    const later = run(sim, 60, t0 + 32_000).racks.get('h1-r01-k01')!;
    // The power steps at once; the return follows over the loop's transit time.
    expect(first.rackKw - settled.rackKw).toBeGreaterThan(20);
    expect(first.returnC - settled.returnC).toBeLessThan((later.returnC - settled.returnC) / 2);
    expect(later.returnC - first.returnC).toBeGreaterThan(2);
  });

  it('starts every loop settled: heat to liquid matches the rack\'s power from the first sample', () => {
    const out = new SiteSim(site, 3).step(Date.UTC(2026, 10, 22, 12), 1);
    const captures = [...out.racks.values()].map((s) => heatKw('water', s.flowLpm, s.supplyC, s.returnC) / s.rackKw);
    expect(captures.length).toBe(16);
    for (const c of captures) {
      expect(c).toBeGreaterThan(0.8);
      expect(c).toBeLessThan(1);
    }
  });

  it('keeps rack flow when one CDU of an N+1 group trips, and reports the unit stopped', () => {
    const sim = new SiteSim(site, 1);
    const before = run(sim, 3).racks.get('h1-r01-k01')!.flowLpm;
    sim.apply({ kind: 'cdu-trip', target: 'h1-r01-cdu-a' });
    const out = run(sim, 3);
    expect(out.cdus.get('h1-r01-cdu-a')).toMatchObject({ running: false, flowLpm: 0 });
    expect(out.racks.get('h1-r01-k01')!.flowLpm).toBeCloseTo(before, -1);
    expect(out.cdus.get('h1-r01-cdu-b')!.flowLpm).toBeGreaterThan(0);
  });

  it('raises return temperature on a clogged cold plate and flags leaks', () => {
    const sim = new SiteSim(site, 1);
    sim.apply({ kind: 'surge', target: 'h1-r01' });
    const base = run(sim, 60).racks.get('h1-r01-k02')!;
    expect(sim.apply({ kind: 'clog', target: 'h1-r01-k02', pct: 60 })).toBeNull();
    expect(sim.apply({ kind: 'leak', target: 'h1-r01-k02', level: 2 })).toBeNull();
    const clogged = run(sim, 120).racks.get('h1-r01-k02')!;
    expect(clogged.flowLpm).toBeLessThan(base.flowLpm * 0.45);
    expect(clogged.returnC).toBeGreaterThan(base.returnC + 8);
    // A partial blockage: less flow through the rack, more pressure across it.
    expect(clogged.dpKpa).toBeGreaterThan(base.dpKpa! * 1.2);
    expect(clogged.leak).toBe(2);
    expect(sim.apply({ kind: 'clog', target: 'nope', pct: 10 })).toContain('no rack');
  });

  it.each([
    // [loop flow share, rack flow share (after the clog), dp across the rack kPa]
    ['design flow, clean', 1, 1, 110],
    ['a 30 % clog', 1, 0.7, 150 - 40 * 0.49],
    ['a 55 % clog (45 % of the needed flow)', 1, 0.45, 150 - 40 * 0.2025],
    ['fully blocked: the whole manifold differential', 1, 0, 150],
    ['a weak loop (80 % of design flow), clean', 0.8, 0.8, 110 * 0.64],
    ['a weak loop with a 50 % clog', 0.8, 0.4, 150 * 0.64 - 40 * 0.16],
  ])('rack dp, %s: %d/%d → %d kPa', (_why, loop, share, kpa) => {
    expect(rackDpKpa(loop, share)).toBeCloseTo(kpa, 6);
    // Against the clean rack on the same loop, a clog only ever raises dp.
    expect(rackDpKpa(loop, share)).toBeGreaterThanOrEqual(rackDpKpa(loop, loop) - 1e-9);
  });

  it.each([
    // [heat kW, unit capacity kW, approach K]: Q / UA with UA = capacity / 5 K (domain.md §2).
    [0, 700, 0],
    [322, 700, 2.3],
    [483, 700, 3.45],
    [700, 700, 5],
    [1050, 700, 7.5],
    [2000, 2000, 5],
  ])('exchanger approach at %d kW of a %d kW unit is %d K', (heatKw, capacityKw, k) => {
    expect(exchangerApproachK(heatKw, capacityKw)).toBeCloseTo(k, 6);
  });

  it('widens the partners\' approach 1.5× when one of three CDUs trips, the facility side carrying the same heat', () => {
    const sim = new SiteSim(site, 1);
    sim.apply({ kind: 'surge', target: 'h1-r01' });
    const approach = (c: { supplyC: number; facilitySupplyC?: number }) => c.supplyC - c.facilitySupplyC!;
    const before = run(sim, 120).cdus.get('h1-r01-cdu-b')!;
    expect(sim.apply({ kind: 'cdu-trip', target: 'h1-r01-cdu-a' })).toBeNull();
    const after = run(sim, 120).cdus.get('h1-r01-cdu-b')!;
    expect(approach(before)).toBeGreaterThan(1.5);
    expect(approach(after) / approach(before)).toBeGreaterThan(1.35);
    expect(approach(after) / approach(before)).toBeLessThan(1.65);
    // Still holding the setpoint: the 1.5× load fits the partners' capacity.
    expect(after.supplyC).toBeCloseTo(40, 0);
    // Balanced exchanger: the facility side warms as much as the secondary cools (same flow, same heat).
    for (const c of [before, after]) expect(c.facilityReturnC! - c.facilitySupplyC!).toBeCloseTo(c.returnC - c.supplyC, 0);
  });

  it.each([
    ['training', 0.85, 0.95],
    ['idle', 0, 0.06],
  ] as const)('%s load sits between %d and %d outside checkpoints', (profile, lo, hi) => {
    const v = loadFraction(profile, 100_000, 0, 0);
    expect(v).toBeGreaterThanOrEqual(lo);
    expect(v).toBeLessThanOrEqual(hi);
  });
});
