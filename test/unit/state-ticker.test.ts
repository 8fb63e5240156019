/**
 * StateTicker: one refresh per tick, then its listeners in the order they were added, each seeing
 * the row, hall and site totals of that tick; the share of work per tick follows `--tick-ms`.
 */
import { describe, expect, it } from 'vitest';
import { LiveState } from '../../server/state/live-state.ts';
import { StateTicker, type StateTick } from '../../server/state/state-ticker.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import type { Totals } from '../../protocol/stream.ts';

const T0 = 1_800_000_000_000;
// 2 halls × 2 rows × 2 racks, a CDU pair per row; racks in row order (racks 0–1 in h1-r01, 2–3 in h1-r02, …).
const site = buildSiteIndex(generateSite({ halls: 2, rows: 2, racksPerRow: 2, racksPerCdu: 2 }));

function world(refreshMs = 100) {
  let now = T0;
  const state = new LiveState(site, 3000);
  const ticker = new StateTicker(state, refreshMs, () => now);
  return { state, ticker, advance: (ms: number) => (now += ms), now: () => now };
}

describe('StateTicker', () => {
  it.each([
    ['three listeners', ['a', 'b', 'c'], [], ['a', 'b', 'c']],
    ['the middle one removed', ['a', 'b', 'c'], ['b'], ['a', 'c']],
    ['the first one removed', ['a', 'b', 'c'], ['a'], ['b', 'c']],
    ['all removed', ['a', 'b'], ['a', 'b'], []],
  ])('calls %s in the order they were added, after the refresh', (_what, names, removed, expected) => {
    const { state, ticker } = world();
    state.applyRack(0, { ts: T0, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 }, T0);
    const calls: [string, StateTick, number][] = [];
    const removers = new Map(names.map((n) => [n, ticker.listen((t) => calls.push([n, t, state.siteTotals.racksLive]))]));
    for (const n of removed) removers.get(n)!();
    const tick = ticker.tick();
    expect(calls.map(([n]) => n)).toEqual(expected);
    for (const [, t, racksLive] of calls) {
      expect(t).toBe(tick);
      // The totals were refreshed before any listener ran.
      expect(racksLive).toBe(1);
    }
  });

  it.each([
    [100, 10],
    [250, 4],
    [1000, 1],
    [2000, 1],
  ])('with ticks every %i ms, spreads the per-second work over %i slices, in turn', (refreshMs, slices) => {
    const { ticker, advance } = world(refreshMs);
    const seen: [number, number][] = [];
    ticker.listen((t) => seen.push([t.slice, t.slices]));
    for (let k = 0; k < 2 * slices; k++) {
      ticker.tick();
      advance(refreshMs);
    }
    expect(seen).toEqual(Array.from({ length: 2 * slices }, (_, k) => [k % slices, slices]));
  });

  type Case = [string, { rack: number; rackKw: number }[], Record<string, number>, Record<string, number>, number];
  it.each<Case>([
    ['nothing reported', [], { 'h1-r01': 0, 'h1-r02': 0, 'h2-r01': 0, 'h2-r02': 0 }, { 'hall-1': 0, 'hall-2': 0 }, 0],
    ['one rack', [{ rack: 0, rackKw: 100 }], { 'h1-r01': 100, 'h1-r02': 0, 'h2-r01': 0, 'h2-r02': 0 }, { 'hall-1': 100, 'hall-2': 0 }, 100],
    [
      'a rack in every row',
      [{ rack: 0, rackKw: 100 }, { rack: 2, rackKw: 110 }, { rack: 4, rackKw: 120 }, { rack: 6, rackKw: 130 }],
      { 'h1-r01': 100, 'h1-r02': 110, 'h2-r01': 120, 'h2-r02': 130 },
      { 'hall-1': 210, 'hall-2': 250 },
      460,
    ],
    [
      'both racks of one row',
      [{ rack: 4, rackKw: 90 }, { rack: 5, rackKw: 95 }],
      { 'h1-r01': 0, 'h1-r02': 0, 'h2-r01': 185, 'h2-r02': 0 },
      { 'hall-1': 0, 'hall-2': 185 },
      185,
    ],
  ])('gives its listeners the row, hall and site IT load of the tick: %s', (_what, samples, rowKw, hallKw, siteKw) => {
    const { state, ticker } = world();
    let seen: { rows: Totals[]; halls: Totals[]; site: Totals } | null = null;
    ticker.listen(() => (seen = { rows: state.rowTotals, halls: state.hallTotals, site: state.siteTotals }));
    for (const s of samples) state.applyRack(s.rack, { ts: T0, rackKw: s.rackKw, supplyC: 40, returnC: 48, flowLpm: 180 }, T0);
    ticker.tick();
    const got = seen as unknown as { rows: Totals[]; halls: Totals[]; site: Totals };
    expect(Object.fromEntries(site.rows.map((row, r) => [row.id, got.rows[r].itKw]))).toEqual(rowKw);
    expect(Object.fromEntries(site.view.halls.map((h) => [h.id, got.halls[h.index].itKw]))).toEqual(hallKw);
    expect(got.site.itKw).toBe(siteKw);
    expect(got.site.racksLive).toBe(samples.length);
  });
});
