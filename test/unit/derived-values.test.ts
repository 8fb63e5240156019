import { describe, expect, it } from 'vitest';
import { deriveRack, type RackDerived } from '../../server/state/derive.ts';
import { captureUncertainty, classifyCapture } from '../../server/state/capture-check.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { GB300_NVL72 } from '../../protocol/site.ts';
import { Binding, CDU_COL as CC, RACK_COL as RC } from '../../protocol/stream.ts';
import { DerivedFlag as F, withheldReason } from '../../protocol/derived-flags.ts';
import { returnForLoadC } from '../../protocol/coolant.ts';

/** The return a GB300 at `rackKw` and 182 L/min would report for a capture ratio `capture`, supply 40 °C. */
const returnAt = (capture: number, rackKw: number) => returnForLoadC('water', capture * rackKw, 182, 40);
const RETURN_SIDE = ['deltaTK', 'heatKw', 'captureRatio', 'thermalHeadroomKw', 'thermalHeadroomPct'] as const;

describe('deriveRack() withholds values from faulted sensors and judges a capture ratio above 100 %', () => {
  it.each<{ why: string; r: { rackKw: number; supplyC?: number; returnC: number; flowLpm?: number }; sensors?: { returnFault: number; recentKw: number }; flags: number; withheld: readonly (typeof RETURN_SIDE)[number][] }>([
    { why: 'a full-load rack capturing 90 %: every value plain', r: { rackKw: 120, returnC: returnAt(0.9, 120) }, flags: 0, withheld: [] },
    { why: 'an idle rack reading 106 %: within ±20 % of sensor accuracy', r: { rackKw: 23, returnC: returnAt(1.06, 23) }, flags: F.CaptureWithinAccuracy, withheld: [] },
    { why: 'a full-load rack reading 103 %: within ±4 %', r: { rackKw: 120, returnC: returnAt(1.03, 120) }, flags: F.CaptureWithinAccuracy, withheld: [] },
    { why: 'an idle rack reading 125 % at steady power: inconsistent', r: { rackKw: 23, returnC: returnAt(1.25, 23) }, sensors: { returnFault: 0, recentKw: 23 }, flags: F.CaptureInconsistent, withheld: ['captureRatio'] },
    { why: 'a full-load rack reading 110 % at steady power: inconsistent', r: { rackKw: 120, returnC: returnAt(1.1, 120) }, sensors: { returnFault: 0, recentKw: 120 }, flags: F.CaptureInconsistent, withheld: ['captureRatio'] },
    { why: '244 % on a 46 kW rack that drew 125 kW moments ago: a transient', r: { rackKw: 46, returnC: returnAt(2.44, 46) }, sensors: { returnFault: 0, recentKw: 125 }, flags: F.CaptureTransient, withheld: ['captureRatio'] },
    { why: '244 % with no recent power known: inconsistent', r: { rackKw: 46, returnC: returnAt(2.44, 46) }, flags: F.CaptureInconsistent, withheld: ['captureRatio'] },
    { why: 'the same 244 % from a frozen return sensor', r: { rackKw: 46, returnC: returnAt(2.44, 46) }, sensors: { returnFault: F.ReturnFrozen, recentKw: 125 }, flags: F.ReturnFrozen, withheld: RETURN_SIDE },
    { why: 'a noisy return sensor', r: { rackKw: 120, returnC: returnAt(0.9, 120) }, sensors: { returnFault: F.ReturnNoisy, recentKw: 120 }, flags: F.ReturnNoisy, withheld: RETURN_SIDE },
    { why: 'a rack in maintenance (0.8 kW, ΔT 0.06 K): too little heat to measure', r: { rackKw: 0.8, returnC: returnAt(0.9, 0.8) }, flags: F.CaptureUnmeasurable, withheld: ['captureRatio'] },
    { why: 'return 1 K below supply: a wrong sensor', r: { rackKw: 60, returnC: 39 }, flags: F.ReturnBelowSupply, withheld: RETURN_SIDE },
    { why: 'return 0.2 K below supply: within the sensors\' tolerance, but no capture to tell', r: { rackKw: 60, returnC: 39.8 }, flags: F.CaptureUnmeasurable, withheld: ['captureRatio'] },
    { why: 'no return reported yet (a DSX point)', r: { rackKw: 120, returnC: Number.NaN }, flags: F.ReturnMissing, withheld: RETURN_SIDE },
    { why: 'no supply reported yet', r: { rackKw: 120, supplyC: Number.NaN, returnC: 49 }, flags: F.SupplyMissing, withheld: RETURN_SIDE },
    { why: 'no flow reported yet', r: { rackKw: 120, returnC: 49, flowLpm: Number.NaN }, flags: F.FlowMissing, withheld: ['heatKw', 'captureRatio', 'thermalHeadroomKw', 'thermalHeadroomPct'] },
    { why: 'no power reported yet', r: { rackKw: Number.NaN, returnC: 49 }, flags: F.PowerMissing, withheld: ['captureRatio'] },
  ])('$why', ({ r, sensors, flags, withheld }) => {
    const d = deriveRack('water', GB300_NVL72, { supplyC: 40, flowLpm: 182, ...r }, 50, sensors);
    expect(d.flags).toBe(flags);
    for (const field of RETURN_SIDE) expect([field, Number.isNaN(d[field])]).toEqual([field, withheld.includes(field)]);
  });

  it('keeps the measured ratio within accuracy, and binds on what is left when the return is withheld', () => {
    expect(deriveRack('water', GB300_NVL72, { rackKw: 23, supplyC: 40, returnC: returnAt(1.06, 23), flowLpm: 182 }, 50).captureRatio).toBeCloseTo(1.06, 6);
    // Return at 54.5 °C would bind on return temperature; frozen, it says nothing: power binds.
    const hot = { rackKw: 80, supplyC: 44, returnC: 54.5, flowLpm: 300 };
    expect(deriveRack('water', GB300_NVL72, hot, 60).binding).toBe(Binding.ReturnTemp);
    const frozen: RackDerived = deriveRack('water', GB300_NVL72, hot, 60, { returnFault: F.ReturnFrozen, recentKw: 80 });
    expect(frozen.binding).toBe(Binding.Power);
    expect(frozen.flowRequiredLpm).toBeGreaterThan(0);
  });
});

describe('captureUncertainty(): IEC 60751 class A sensors, ±2 % flow, ±1 % power', () => {
  it.each([
    ['full load, ΔT 9.7 K', 40, 49.7, 0.0415],
    ['idle GB300, ΔT 1.67 K', 40, 41.67, 0.1975],
    ['ΔT 0.5 K', 40, 40.5, 0.652],
  ])('%s', (_why, supplyC, returnC, expected) => {
    expect(captureUncertainty(supplyC, returnC)).toBeCloseTo(expected, 3);
  });

  it('is infinite at ΔT 0, and a transient is bounded by the power drawn lately', () => {
    expect(captureUncertainty(40, 40)).toBe(Number.POSITIVE_INFINITY);
    expect(classifyCapture(130, 46, 125, 40, 48.9)).toBe(F.CaptureTransient);
    expect(classifyCapture(140, 46, 125, 40, 48.9)).toBe(F.CaptureInconsistent);
    expect(classifyCapture(40, 46, 125, 40, 48.9)).toBe(0);
  });
});

describe('withheldReason(): the reason shown in place of a value', () => {
  it.each<[string, number, 'return' | 'heat' | 'capture' | 'thermal' | 'power', string | null]>([
    ['frozen return: heat', F.ReturnFrozen, 'heat', 'return sensor frozen'],
    ['frozen return wins over a transient: capture', F.ReturnFrozen | F.CaptureTransient, 'capture', 'return sensor frozen'],
    ['a transient withholds the capture ratio only', F.CaptureTransient, 'heat', null],
    ['inconsistent capture', F.CaptureInconsistent, 'capture', 'inconsistent: check flow/return sensors'],
    ['within accuracy is shown (as ≈100 %)', F.CaptureWithinAccuracy, 'capture', null],
    ['missing flow leaves ΔT', F.FlowMissing, 'return', null],
    ['missing flow withholds heat', F.FlowMissing, 'heat', 'flow not reported'],
    ['missing power withholds nothing of the return side', F.PowerMissing, 'thermal', null],
    ['no flags', 0, 'capture', null],
    ['no sample yet (NaN)', Number.NaN, 'heat', null],
  ])('%s', (_why, flags, kind, expected) => {
    expect(withheldReason(flags, kind)).toBe(expected);
  });
});

describe('LiveState with a frozen return sensor and a stopped CDU', () => {
  const T0 = 1_800_000_000_000;

  it('withholds the frozen rack\'s heat after 30 s, counts its power × liquid share in the group\'s load, and gives a stopped CDU no approach', () => {
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
    const s = new LiveState(site, 3000);
    const g = site.rackGroup[0];
    const group = site.groupRacks[g];
    expect(group.length).toBeGreaterThan(1);
    let now = T0;
    for (let t = 0; t < 40; t++) {
      now += 1000;
      // Power falls from 125 to 46 kW at t = 35: the others' return falls towards 43.3 °C with
      // the loop's 10 s lag, the frozen one still says 49.9 °C.
      const kw = t < 35 ? 125 + (t % 3) * 0.2 : 46;
      const returnC = t < 35 ? 49.9 + (t % 2) * 0.03 : 43.3 + 6.6 * Math.exp(-(t - 34) / 10);
      site.racks.forEach((_, i) => s.applyRack(i, { ts: now, rackKw: kw, supplyC: 40, returnC: i === 0 ? 49.9 : returnC, flowLpm: 182 }, now));
      site.cdus.forEach((_, j) => s.applyCdu(j, { ts: now, supplyC: 40, returnC: 49, flowLpm: 700, facilitySupplyC: 36, running: j !== 0 }, now));
      s.refresh(now);
      if (t === 25) expect(s.rackCols[RC.derivedFlags][0] & F.ReturnFrozen).toBe(0);
    }
    expect(s.rackCols[RC.derivedFlags][0] & F.ReturnFrozen).toBe(F.ReturnFrozen);
    expect(s.rackCols[RC.heatKw][0]).toBeNaN();
    expect(s.rackCols[RC.captureRatio][0]).toBeNaN();
    const others = [...group].filter((i) => i !== 0).reduce((sum, i) => sum + s.rackCols[RC.heatKw][i], 0);
    expect(s.groupLoadKw(g)).toBeCloseTo(others + 46 * GB300_NVL72.liquidShare, 6);
    // The other racks' heat is real: their capture after the fall is a transient, not shown as 200 %.
    expect(s.rackCols[RC.derivedFlags][1] & F.CaptureTransient).toBe(F.CaptureTransient);
    expect(s.cduCols[CC.approachK][0]).toBeNaN();
    expect(s.cduCols[CC.approachK][1]).toBeCloseTo(4, 6);
  });
});
