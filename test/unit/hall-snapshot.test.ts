import { describe, expect, it } from 'vitest';
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY, type HallSnapshot } from '../../protocol/history.ts';
import { EntityState } from '../../protocol/stream.ts';
import { hallSnapshot } from '../../server/history/hall-snapshot.ts';
import { HistoryService } from '../../server/history/history-service.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { replayField, replayFrame } from '../../web/src/lib/replay-frame.ts';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

describe('hall replay minute from the memory window', () => {
  const site = buildSiteIndex(generateSite({ halls: 2, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
  const memory = new MemoryWindow(600);
  const history = new HistoryService({ memory, influx: null, retention: { rawMs: 7 * 86_400_000, m1Ms: 365 * 86_400_000 }, clock: () => T0 + 300_000 });
  const hall1Racks = site.racks.filter((r) => r.hallId === 'hall-1');
  const hall1Cdus = site.cdus.filter((c) => c.hallId === 'hall-1');
  // Two minutes of 1 Hz samples: the second minute's values are 10 higher.
  for (let s = 0; s < 120; s++) {
    const t = T0 + s * 1000;
    const step = s >= 60 ? 10 : 0;
    hall1Racks.forEach((r, k) => memory.push(`rack:${r.id}`, RACK_HISTORY.length, t, RACK_HISTORY.map((_, f) => 40 + k + f + step)));
    // The second CDU trips in the second minute: its capacity no longer counts.
    hall1Cdus.forEach((c, k) => memory.push(`cdu:${c.id}`, CDU_HISTORY.length, t, CDU_HISTORY.map((name, f) => (name === 'capacityKw' && k === 1 && s >= 60 ? 0 : 100 + f + step))));
    memory.push('hall:hall-1', TOTALS_HISTORY.length, t, TOTALS_HISTORY.map((_, f) => 1000 + f + step));
  }
  const get = async (q: string) => {
    const r = await hallSnapshot({ site, memory, influx: null, history }, new URLSearchParams(q));
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };

  it('brings each rack of the hall, every kept CDU field and the hall totals as the means of the minute', async () => {
    const snap = await get(`hall=hall-1&field=returnC&at=${T0 + 60_000 + 30_000}`);
    expect(snap.atMs).toBe(T0 + 60_000);
    expect(snap.source).toBe('memory');
    expect(Object.keys(snap.racks).sort()).toEqual(hall1Racks.map((r) => r.id).sort());
    expect(snap.racks[hall1Racks[0].id]).toBe(40 + RACK_HISTORY.indexOf('returnC') + 10);
    expect(Object.keys(snap.cdus).sort()).toEqual(hall1Cdus.map((c) => c.id).sort());
    expect(snap.cdus[hall1Cdus[0].id].headroomPct).toBe(100 + CDU_HISTORY.indexOf('headroomPct') + 10);
    expect(snap.cdus[hall1Cdus[1].id].capacityKw).toBe(0);
    expect(snap.totals.itKw).toBe(1000 + TOTALS_HISTORY.indexOf('itKw') + 10);
    expect(Object.keys(snap.totals).sort()).toEqual([...TOTALS_HISTORY].sort());
  });

  it('answers a minute without samples with no racks, CDUs or totals, and another hall with its own (none here)', async () => {
    expect(await get(`hall=hall-1&at=${T0 + 600_000}`)).toMatchObject({ racks: {}, cdus: {}, totals: {} });
    expect(await get(`hall=hall-2&at=${T0}`)).toMatchObject({ hallId: 'hall-2', racks: {}, cdus: {}, totals: {} });
  });

  it.each([
    ['hall=nope&at=0', 'hall:'],
    ['hall=hall-1&field=colour&at=0', 'field:'],
    ['hall=hall-1', 'at:'],
  ])('rejects %j naming the parameter', async (q, param) => {
    const r = await hallSnapshot({ site, memory, influx: null, history }, new URLSearchParams(q));
    expect(r.ok === false && r.message.startsWith(param)).toBe(true);
  });

  it('replayFrame() paints racks and CDUs of the minute and reads the totals as KPIs', async () => {
    const snap: HallSnapshot = await get(`hall=hall-1&field=returnC&at=${T0 + 60_000}`);
    const f = replayFrame(site.view, snap, 'returnC');
    expect([f.racksWithData, f.cdusWithData]).toEqual([hall1Racks.length, hall1Cdus.length]);
    const r0 = hall1Racks[0].index;
    expect(f.values.rack('state', r0)).toBe(EntityState.Live);
    expect(f.values.rack('returnC', r0)).toBe(snap.racks[hall1Racks[0].id]);
    const other = site.racks.find((r) => r.hallId === 'hall-2')!.index;
    expect(f.values.rack('state', other)).toBe(EntityState.NoData);
    const [c0, c1] = hall1Cdus.map((c) => c.index);
    expect([f.values.cdu('state', c0), f.values.cdu('running', c0), f.values.cdu('running', c1)]).toEqual([EntityState.Live, 1, 0]);
    expect(f.values.cdu('headroomPct', c0)).toBe(snap.cdus[hall1Cdus[0].id].headroomPct);
    expect(f.totals.itKw).toBe(snap.totals.itKw);
    expect(Number.isNaN(f.totals.groupsN1Lost)).toBe(true);
  });

  it('replayField() replays a metric not kept as history as return temperature', () => {
    expect(replayField('rackKw')).toBe('rackKw');
    expect(replayField('flowSharePct')).toBe('returnC');
  });
});
