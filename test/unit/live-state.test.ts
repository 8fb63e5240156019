import { describe, expect, it } from 'vitest';
import { LiveState } from '../../server/state/live-state.ts';
import { headroomStepAtOnce } from '../../server/state/derived-columns.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { CDU_COL as CC, EntityState, RACK_COL as RC, type EntityStateCode } from '../../protocol/stream.ts';
import { encodeBlock } from '../../server/stream/encode.ts';
import { referenceTotals } from '../helpers/reference-totals.ts';

const T0 = 1_800_000_000_000;
function fresh() {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
  return new LiveState(site, 3000);
}
const rack = (ts: number, over: object = {}) => ({ ts, rackKw: 120, supplyC: 40, returnC: 48.9, flowLpm: 182, ...over });
const cdu = (ts: number, running = true) => ({ ts, supplyC: 40, returnC: 48.9, flowLpm: 360, facilitySupplyC: 36, running });

describe('LiveState', () => {
  it.each<[string, [number, 'run' | 'stall'][], EntityStateCode]>([
    // From T0 (the sample), refreshes every 100 ms while running, or one after a stall.
    ['no sample for 3.1 s while running: stale', [[3100, 'run']], EntityState.Stale],
    ['the process stopped 5 s (SIGSTOP) right after the sample: still live on waking', [[100, 'run'], [5100, 'stall']], EntityState.Live],
    ['after the stall, 3.1 s more of running without a sample: stale', [[100, 'run'], [5100, 'stall'], [8200, 'run']], EntityState.Stale],
    ['after the stall, 2.9 s more of running: still live', [[100, 'run'], [5100, 'stall'], [8000, 'run']], EntityState.Live],
  ])('staleness counts the time the process ran: %s', (_what, steps, want) => {
    const s = fresh();
    s.site.racks.forEach((_, i) => s.applyRack(i, rack(T0), T0));
    let t = 0;
    s.refresh(T0);
    for (const [until, how] of steps) {
      if (how === 'stall') {
        t = until;
        s.refresh(T0 + t);
        continue;
      }
      while (t < until) {
        t += 100;
        s.refresh(T0 + t);
      }
    }
    expect(s.rackCols[RC.state][0]).toBe(want);
  });

  it('derives each redundancy group once over a round of sliced refreshes, as a whole refresh does', () => {
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 3, racksPerRow: 4, racksPerCdu: 2 }));
    const whole = new LiveState(site, 3000);
    const sliced = new LiveState(site, 3000);
    const slices = 10;
    expect(site.groups.length).toBe(3);
    for (const s of [whole, sliced]) {
      site.racks.forEach((_, i) => s.applyRack(i, rack(T0, { rackKw: 100 + 5 * i }), T0));
      site.cdus.forEach((_, j) => s.applyCdu(j, cdu(T0, j !== 1), T0));
    }
    whole.refresh(T0 + 100);
    const groupHeadroom = (s: LiveState) => site.racks.map((_, i) => s.rackCols[RC.groupHeadroomPct][i]);
    const n1 = (s: LiveState) => site.groups.map((_, g) => s.groupN1HeadroomKw(g));
    expect(groupHeadroom(whole).every(Number.isFinite)).toBe(true);
    // Tick k derives the groups numbered k modulo 10: here group k, for k < 3.
    for (let k = 0; k < slices; k++) {
      sliced.refresh(T0 + 100, k, slices);
      site.groups.forEach((_, g) => expect(Number.isFinite(sliced.groupN1HeadroomKw(g))).toBe(g <= k));
    }
    expect(groupHeadroom(sliced)).toEqual(groupHeadroom(whole));
    expect(n1(sliced)).toEqual(n1(whole));
    expect(sliced.siteTotals).toEqual(whole.siteTotals);
  });

  it('marks a rack stale only after 3 intervals without a sample', () => {
    const s = fresh();
    s.applyRack(0, rack(T0), T0);
    s.refresh(T0 + 2999);
    expect(s.rackCols[RC.state][0]).toBe(EntityState.Live);
    s.refresh(T0 + 3001);
    expect(s.rackCols[RC.state][0]).toBe(EntityState.Stale);
    s.applyRack(0, rack(T0 + 3500), T0 + 3500);
    expect(s.rackCols[RC.state][0]).toBe(EntityState.Live);
  });

  it('takes the Last Will offline at once; a late sample goes to history only, a redelivery nowhere', () => {
    const s = fresh();
    const late: number[] = [];
    s.lateTaken = (_kind, _i, sample) => late.push(sample.ts);
    s.applyRack(1, rack(T0), T0);
    s.applyStatus('rack', 1, 'offline', T0 + 10);
    expect(s.rackCols[RC.state][1]).toBe(EntityState.Offline);
    expect(s.applyRack(1, rack(T0), T0 + 20)).toBe('duplicate');
    expect(s.applyRack(1, rack(T0 - 5), T0 + 20)).toBe('late');
    expect(s.applyRack(1, rack(T0 - 5), T0 + 20)).toBe('duplicate');
    expect(late).toEqual([T0 - 5]);
    expect(s.rackCols[RC.tsMs][1]).toBe(T0);
    s.applyStatus('rack', 1, 'online', T0 + 30);
    expect(s.rackCols[RC.state][1]).toBe(EntityState.Live);
  });

  it('reports lost N+1 when a CDU of the group trips, and the racks see the capacity limit', () => {
    const s = fresh();
    for (let i = 0; i < 4; i++) s.applyRack(i, rack(T0), T0);
    for (let j = 0; j < 3; j++) s.applyCdu(j, cdu(T0), T0);
    s.refresh(T0 + 100);
    const capacity = s.site.cdus[0].capacityKw;
    const load = s.siteTotals.heatKw;
    expect(s.groupN1HeadroomKw(0)).toBeCloseTo(2 * capacity - load, 3);
    expect(s.siteTotals.groupsN1Lost).toBe(0);
    s.applyCdu(0, cdu(T0 + 1000, false), T0 + 1000);
    s.refresh(T0 + 1100);
    expect(s.groupN1HeadroomKw(0)).toBeCloseTo(capacity - load, 3);
    expect(s.cduCols[CC.capacityKw][0]).toBe(0);
    expect(s.cduCols[CC.loadKw][1]).toBeCloseTo(load / 2, 3);
    expect(s.rackCols[RC.groupHeadroomPct][0]).toBeCloseTo(((2 * capacity - load) / (2 * capacity)) * 100, 1);
  });

  it('hands each change to the stream once', () => {
    const s = fresh();
    s.applyRack(2, rack(T0), T0);
    s.applyRack(3, rack(T0), T0);
    s.refresh(T0);
    const first = s.takeDirty();
    expect(first.racks.sort()).toEqual([2, 3]);
    expect(s.takeDirty().racks).toEqual([]);
  });

  it.each<[string, (s: LiveState) => void, number[]]>([
    ['a rack\'s small load change: only that rack; its group\'s small headroom step rides with the others\' next samples', (s) => s.applyRack(0, rack(T0 + 1000, { returnC: 49.3 }), T0 + 1000), [0]],
    ['a CDU trip: the big step goes to every rack of the group at once', (s) => s.applyCdu(0, cdu(T0 + 1000, false), T0 + 1000), [0, 1, 2, 3]],
    ['a small step with rack 3 stale: the stale rack gets it at once (no sample will carry it)', (s) => {
      s.rackCols[RC.state][3] = EntityState.Stale;
      s.applyRack(0, rack(T0 + 1000, { returnC: 49.3 }), T0 + 1000);
    }, [0, 3]],
  ])('sends a group headroom step to its racks: %s', (_name, change, want) => {
    const s = fresh();
    s.site.racks.forEach((_, i) => s.applyRack(i, rack(T0), T0));
    s.site.cdus.forEach((_, j) => s.applyCdu(j, cdu(T0), T0));
    s.refresh(T0 + 100);
    s.takeDirty();
    const before = s.rackCols[RC.groupHeadroomPct][1];
    change(s);
    s.refresh(T0 + 1100);
    expect(s.takeDirty().racks.sort()).toEqual(want);
    // Derived at once either way: the next row of each rack carries it.
    expect(s.rackCols[RC.groupHeadroomPct][1]).not.toBe(before);
  });

  it('sends a slow drift of group headroom to every rack once it adds up to a point since the last time it did', () => {
    const s = fresh();
    s.site.racks.forEach((_, i) => s.applyRack(i, rack(T0), T0));
    s.site.cdus.forEach((_, j) => s.applyCdu(j, cdu(T0), T0));
    s.refresh(T0 + 100);
    s.takeDirty();
    const rounds = [49.3, 49.7, 50.1].map((returnC, k) => {
      const t = T0 + 1000 * (k + 1);
      s.applyRack(0, rack(t, { returnC }), t);
      s.refresh(t + 100);
      return s.takeDirty().racks.sort();
    });
    // About 0.4 points a step: the third makes 1.2 since the first derivation.
    expect(rounds).toEqual([[0], [0], [0, 1, 2, 3]]);
  });

  it.each<[number, number, boolean]>([
    [40, 40.5, false], [40, 39.1, false], [40, 41, true], [40, 38.9, true], [Number.NaN, 40, true], [40, Number.NaN, true],
  ])('headroomStepAtOnce(%d → %d) = %s', (was, now, want) => {
    expect(headroomStepAtOnce(was, now)).toBe(want);
  });

  it('encodes missing values as null on the wire', () => {
    const s = fresh();
    s.applyRack(0, rack(T0, { rackKw: 0 }), T0);
    const block = encodeBlock(s.rackCols, [0, 1]);
    expect(block.cols[RC.captureRatio]).toEqual([null, null]);
    expect(block.cols[RC.rackKw]).toEqual([0, null]);
  });
});

describe('computeAllTotals()', () => {
  it('matches the per-hall and filtered totals on a multi-hall site with mixed states', async () => {
    const { computeAllTotals } = await import('../../server/state/totals.ts');
    const site = buildSiteIndex(generateSite({ halls: 3, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
    const s = new LiveState(site, 3000);
    site.racks.forEach((_, i) => {
      // Rack 1 last reported 5 s ago: stale at the refresh.
      const tsMs = i === 1 ? T0 - 5000 : T0;
      // Rack 2 reports no flow: its heat is unknown.
      const flow = i === 2 ? { flowLpm: undefined } : {};
      if (i % 5 !== 0) s.applyRack(i, rack(tsMs, { rackKw: 60 + i, returnC: 45 + (i % 7), ...flow }), tsMs);
    });
    site.cdus.forEach((_, j) => s.applyCdu(j, cdu(T0, j % 4 !== 1), T0));
    s.applyStatus('rack', 3, 'offline', T0);
    s.refresh(T0 + 100);
    const all = computeAllTotals(s);
    // Same values up to float summation order.
    const same = (a: Record<string, number | null>, b: Record<string, number | null>) => {
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(a)) {
        if (a[k] === null || b[k] === null) expect(a[k]).toBe(b[k]);
        else expect(a[k]).toBeCloseTo(b[k] as number, 6);
      }
    };
    site.view.halls.forEach((h) => same(all.halls[h.index] as any, referenceTotals(s, h.index) as any));
    same(all.site as any, referenceTotals(s, null) as any);
    site.rows.forEach((row, r) => {
      const ids = new Set(site.racks.filter((k) => k.rowId === row.id).map((k) => k.index));
      same(all.rows[r] as any, referenceTotals(s, null, (i) => ids.has(i)) as any);
    });
    expect(all.site.racksOffline).toBe(1);
    expect(all.site.racksStale).toBe(1);
    expect(all.site.racksNoData).toBe(5);
    expect(all.site.racksHeatUnknown).toBe(1);
    expect(all.site.groupsN1Lost).toBeGreaterThan(0);
    expect(all.site.cdusReporting).toBe(site.cdus.length);
  });

  it('reports headroom as unknown until a CDU reports, and as negative when every CDU has tripped', async () => {
    const { computeAllTotals } = await import('../../server/state/totals.ts');
    const s = fresh();
    for (let i = 0; i < 4; i++) s.applyRack(i, rack(T0), T0);
    s.refresh(T0 + 100);
    expect(computeAllTotals(s).site).toMatchObject({ headroomKw: null, n1HeadroomKw: null, cdusReporting: 0 });
    for (let j = 0; j < 3; j++) s.applyCdu(j, cdu(T0, false), T0);
    s.refresh(T0 + 200);
    const t = computeAllTotals(s).site;
    expect(t.coolingCapacityKw).toBe(0);
    expect(t.headroomKw).toBeCloseTo(-t.heatKw, 3);
    expect(t.headroomPct).toBeNull();
  });

  it('leaves a group none of whose CDUs reports out of headroom, and counts it; with every CDU stale, headroom is unknown', async () => {
    const { computeAllTotals } = await import('../../server/state/totals.ts');
    // Two rows: a redundancy group of CDUs each.
    const s = new LiveState(buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 })), 3000);
    const groups = s.site.groups.filter((_, g) => s.site.groupCdus[g].length > 0).length;
    expect(groups).toBe(2);
    const run = (fromMs: number, toMs: number, cdusReporting: (j: number) => boolean) => {
      for (let t = fromMs; t <= toMs; t += 100) {
        s.site.racks.forEach((_, i) => s.applyRack(i, rack(T0 + t), T0 + t));
        s.site.cdus.forEach((_, j) => cdusReporting(j) && s.applyCdu(j, cdu(T0 + t), T0 + t));
        s.refresh(T0 + t);
      }
    };
    run(0, 500, () => true);
    const all = computeAllTotals(s).site;
    expect(all).toMatchObject({ groupsBlind: 0, groupsN1Lost: 0, cdusReporting: s.site.cdus.length });
    // The first group's CDUs fall silent: its load and capacity leave the sums.
    const first = new Set(s.site.groupCdus[0]);
    run(600, 4000, (j) => !first.has(j));
    const part = computeAllTotals(s).site;
    expect(part.groupsBlind).toBe(1);
    expect(part.headroomKw).toBeCloseTo(part.coolingCapacityKw - s.groupLoadKw(1), 3);
    expect(part.headroomKw).toBeGreaterThan(0);
    run(4100, 8000, () => false);
    expect(computeAllTotals(s).site).toMatchObject({ groupsBlind: groups, headroomKw: null, n1HeadroomKw: null, groupsN1Lost: 0, cdusReporting: 0 });
  });
});
