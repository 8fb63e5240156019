import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';
import { TOTALS_HISTORY } from '../../protocol/history.ts';

describe('Recorder totals after a start', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const hallId = site.view.halls[0].id;
  const t0 = 1_800_000_000_000;
  const itKw = TOTALS_HISTORY.indexOf('itKw');

  /** Runs `seconds` of one sample a second from the racks and CDUs `reports(s)` lets through; the hall's recorded IT power. */
  function run(seconds: number, reports: (s: number, kind: 'rack' | 'cdu', i: number) => boolean) {
    const state = new LiveState(site, 3000);
    const memory = new MemoryWindow(600);
    let nowMs = t0;
    const writer = { write: () => undefined } as unknown as InfluxWriter;
    const rec = new Recorder({ state, writer, memory, clock: () => nowMs });
    rec.start();
    for (let s = 0; s < seconds; s++) {
      nowMs = t0 + s * 1000;
      for (let i = 0; i < site.racks.length; i++) {
        if (reports(s, 'rack', i)) state.applyRack(i, { ts: nowMs, rackKw: 100, supplyC: 40, returnC: 48, flowLpm: 180 }, nowMs);
      }
      for (let j = 0; j < site.cdus.length; j++) {
        if (reports(s, 'cdu', j)) state.applyCdu(j, { ts: nowMs, supplyC: 40, returnC: 48, flowLpm: 900 }, nowMs);
      }
      state.refresh(nowMs);
      rec.recordTotals(nowMs);
    }
    rec.stop();
    const cols = memory.get(`hall:${hallId}`)?.query(t0, nowMs + 1000, 1000, [itKw]) ?? { tsMs: [], cols: [[]] };
    return { tsMs: cols.tsMs, itKw: cols.cols[0] };
  }

  it('records no hall power before its racks and CDUs have all been heard from: no 0 kW or partial first points', () => {
    // Nothing for 3 s, then half the racks for 2 s, then everything.
    const h = run(10, (s, kind, i) => s >= 5 || (s >= 3 && kind === 'rack' && i % 2 === 0));
    expect(h.tsMs[0]).toBe(t0 + 5000);
    expect(new Set(h.itKw)).toEqual(new Set([100 * site.racks.length]));
  });

  it('records a hall with a rack that never reports once the start-up grace has passed', () => {
    const h = run(20, (_s, kind, i) => !(kind === 'rack' && i === 0));
    expect(h.tsMs[0]).toBe(t0 + 10_000);
    expect(h.itKw[0]).toBe(100 * (site.racks.length - 1));
  });
});
