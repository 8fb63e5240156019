/**
 * Alerts on the state ticker's tick: a CDU trip has its group's N+1 derived and its incident
 * opened on the first tick after its sample, wherever the tick is in its once-a-second round.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveState } from '../../server/state/live-state.ts';
import { StateTicker } from '../../server/state/state-ticker.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { AlertService } from '../../server/alerts/alert-service.ts';
import { rulesFileStore } from '../../server/alerts/rule-store.ts';
import { alertStateFiles } from '../../server/alerts/alert-state-store.ts';
import { createLogger } from '../../server/logger.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const TICK_MS = 100;

async function world() {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 6, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  let now = T0;
  const alerts = new AlertService({
    cfg: { publicUrl: null, historyLimit: 50 }, rules: rulesFileStore('config/alert-rules.json'),
    state: alertStateFiles(mkdtempSync(join(tmpdir(), 'hallwatch-alert-tick-'))),
    live: state, memory: new MemoryWindow(600), outbox: null, channels: [], log: createLogger('error'), clock: () => now,
  });
  await alerts.start();
  const ticker = new StateTicker(state, TICK_MS, () => now);
  ticker.listen((t) => alerts.onTick(t));
  const running = site.cdus.map(() => true);
  const publishCdu = (j: number) => state.applyCdu(j, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: running[j] }, now);
  let ticks = 0;
  /** One tick, `TICK_MS` on; every rack and CDU reports on each tenth. */
  const tick = () => {
    now += TICK_MS;
    if (ticks % 10 === 0) {
      for (const r of site.racks) state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC: 48, flowLpm: 182 }, now);
      site.cdus.forEach((_, j) => publishCdu(j));
    }
    ticker.tick();
    ticks++;
  };
  const tripIncident = (j: number) =>
    alerts.snapshot().incidents.find((i) => i.roots.some((a) => a.rule === 'cdu-tripped' && a.entity === `cdu:${site.cdus[j].id}`));
  const trip = (j: number) => {
    running[j] = false;
    now += 1;
    publishCdu(j);
  };
  return { site, state, tick, trip, tripIncident, ticks: () => ticks };
}

describe('AlertService on the state tick', () => {
  it.each([
    ['the first CDU, at the start of a round', 0, 0],
    ['the first CDU, late in a round', 0, 9],
    ['a CDU of the third group, mid-round', 4, 5],
    ['the last CDU, just before its slice', -1, 2],
  ])('opens a trip\'s incident on the tick that derives its group\'s N+1: %s', async (_what, cdu, phase) => {
    const w = await world();
    const j = cdu < 0 ? w.site.cdus.length - 1 : cdu;
    const g = w.site.cduGroup[j];
    // Two healthy rounds, then on to the wanted tick of the round.
    while (w.ticks() < 20 + phase) w.tick();
    const n1Before = w.state.groupN1HeadroomKw(g);
    expect(Number.isFinite(n1Before)).toBe(true);
    w.trip(j);
    expect(w.tripIncident(j)).toBeUndefined();
    w.tick();
    expect(w.state.groupN1HeadroomKw(g)).toBeLessThan(n1Before);
    expect(w.tripIncident(j)?.severity).toBe('critical');
  });
});
