/**
 * AlertService over live state with a recording outbox: one notification per incident change,
 * silences by incident, row and hall scope and by recurring window (muted but visible),
 * acknowledgements, and resolved incidents moving to history.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { AlertService } from '../../server/alerts/alert-service.ts';
import { rulesFileStore } from '../../server/alerts/rule-store.ts';
import { alertStateFiles, type AlertStateStore } from '../../server/alerts/alert-state-store.ts';
import type { Outbox } from '../../server/alerts/outbox.ts';
import type { Channel, Notification } from '../../server/alerts/notification.ts';
import { createLogger } from '../../server/logger.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z'); // a Tuesday

const tempDir = () => mkdtempSync(join(tmpdir(), 'hallwatch-alert-service-'));

async function world(siteSignals: { historyBehindS?: () => number } = {}, storageDir = tempDir(), stores = alertStateFiles(storageDir), startMs = T0) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  const sent: Notification[] = [];
  const channel: Channel = { name: 'test', format: (n) => n, send: async () => ({ ok: true }) };
  // The outbox's contract as AlertService uses it: record what would be delivered.
  const enqueue = async (_id: string, payloadFor: (ch: string) => unknown) => void sent.push(payloadFor('test') as Notification);
  const outbox = { enqueue } as unknown as Outbox;
  let now = startMs;
  const service = new AlertService({
    cfg: { publicUrl: 'https://noc.example', historyLimit: 500 }, rules: rulesFileStore('config/alert-rules.json'), state: stores,
    live: state, memory: new MemoryWindow(600), outbox, channels: [channel], log: createLogger('error'), clock: () => now, siteSignals,
  });
  // Started for its rules and saved state, then its timer stopped: the tests evaluate with tick().
  await service.start();
  await service.stop();
  const running = new Map(site.cdus.map((c) => [c.id, true]));
  /** Per-rack overrides of the healthy reading. */
  const rack = new Map<string, { returnC?: number; leak?: 0 | 1 | 2 }>();
  const tick = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) {
        const returnC = rack.get(r.id)?.returnC ?? 48;
        state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC, flowLpm: 182, leak: rack.get(r.id)?.leak ?? 0 }, now);
      }
      for (const c of site.cdus) {
        state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: running.get(c.id)! }, now);
      }
      state.refresh(now);
      service.tick();
    }
  };
  const cduOfRow = (row: number) => site.cdus.find((c) => c.rowId === site.rows[row].id)!;
  const kinds = (incidentId: string) => sent.filter((n) => n.incident.id === incidentId).map((n) => n.kind);
  return { site, service, running, rack, tick, sent, kinds, cduOfRow, now: () => now, storageDir };
}

describe('AlertService', () => {
  it('keeps an incident\'s ID and acknowledgement as alerts join it, and pages again when a worse one does', async () => {
    const w = await world();
    const id = w.site.racks[0].id;
    w.tick(5);
    w.rack.set(id, { returnC: 53 });
    w.tick(70);
    const [inc] = w.service.snapshot().incidents;
    expect(inc).toMatchObject({ id: `rack:${id}`, severity: 'warning' });
    expect(w.kinds(`rack:${id}`)).toEqual(['firing']);
    expect(await w.service.acknowledge(`rack:${id}`, 'ops', 'checking the valve')).toBeNull();
    w.rack.set(id, { returnC: 53, leak: 2 });
    w.tick(3);
    const after = w.service.snapshot().incidents;
    expect(after.map((i) => i.id)).toEqual([`rack:${id}`]);
    expect(after[0]).toMatchObject({ severity: 'critical', acknowledged: { by: 'ops' } });
    expect(after[0].title).toMatch(new RegExp(`^${id}: leak detected`));
    expect(w.kinds(`rack:${id}`)).toEqual(['firing', 'acknowledged', 'firing']);
    expect(w.sent.at(-1)!.incident.severity).toBe('critical');
    // The leak clears (and ΔT > 12 K joins, minor): the incident lives on under its ID, still
    // acknowledged, and does not page — nothing worse than what was paged joined.
    w.rack.set(id, { returnC: 53, leak: 0 });
    w.tick(70);
    expect(w.service.snapshot().incidents).toMatchObject([{ id: `rack:${id}`, severity: 'minor', acknowledged: { by: 'ops' } }]);
    expect(w.kinds(`rack:${id}`)).toEqual(['firing', 'acknowledged', 'firing']);
  });

  it('pages once when history falls more than a minute behind for 30 s, and resolves when it catches up', async () => {
    let behindS = 5;
    const w = await world({ historyBehindS: () => behindS });
    w.tick(10);
    behindS = 90;
    w.tick(20);
    expect(w.service.snapshot().incidents.filter((i) => i.roots[0].phase === 'firing')).toEqual([]);
    w.tick(15);
    const inc = w.service.snapshot().incidents.find((i) => i.id === 'site:site')!;
    const title = 'site: history is more than a minute behind: InfluxDB is slow or down, samples wait in the buffer — now 90.0 s';
    expect(inc).toMatchObject({ severity: 'major', title });
    expect(w.kinds('site:site')).toEqual(['firing']);
    behindS = 0.5;
    w.tick(40);
    expect(w.kinds('site:site')).toEqual(['firing', 'resolved']);
  });

  it('never fires the history rule without InfluxDB (the signal is NaN)', async () => {
    const w = await world({ historyBehindS: () => Number.NaN });
    w.tick(120);
    expect(w.kinds('site:site')).toEqual([]);
  });

  it('sends one firing notification per incident, with the dashboard link, and moves it to history when it resolves', async () => {
    const w = await world();
    w.tick(5);
    const cdu = w.cduOfRow(0);
    w.running.set(cdu.id, false);
    w.tick(5);
    const incident = w.service.snapshot().incidents[0];
    expect(incident.id).toBe(`group:${cdu.redundancyGroup}`);
    expect(w.kinds(incident.id)).toEqual(['firing']);
    expect(w.sent[0].dashboardUrl).toBe(`https://noc.example/#/incident/${encodeURIComponent(incident.id)}`);
    expect(await w.service.acknowledge(incident.id, 'ana', 'on it')).toBeNull();
    expect(w.kinds(incident.id)).toEqual(['firing', 'acknowledged']);
    w.running.set(cdu.id, true);
    w.tick(60);
    expect(w.kinds(incident.id)).toEqual(['firing', 'acknowledged', 'resolved']);
    expect(w.service.snapshot().incidents).toEqual([]);
    expect(w.service.snapshot(true).history).toEqual([
      expect.objectContaining({ id: incident.id, notified: true, acknowledged: expect.objectContaining({ by: 'ana' }) }),
    ]);
  });

  it.each([
    ['its incident', (g: string) => `group:${g}`],
    ['its CDU', (_g: string, cdu: string) => `cdu:${cdu}`],
    ['its row', (_g: string, _c: string, row: string) => `row:${row}`],
    ['its hall', (_g: string, _c: string, _r: string, hall: string) => `hall:${hall}`],
  ])('mutes a CDU trip silenced by %s, keeps it visible, and still notifies the other row', async (_n, matcherOf) => {
    const w = await world();
    w.tick(5);
    const a = w.cduOfRow(0);
    const b = w.cduOfRow(1);
    const matcher = matcherOf(a.redundancyGroup, a.id, a.rowId, a.hallId);
    await w.service.addSilence({ matcher, startsMs: w.now(), endsMs: w.now() + 3_600_000, comment: 'maintenance', by: 'fm' });
    w.running.set(a.id, false);
    w.tick(5);
    const muted = w.service.snapshot().incidents.find((i) => i.id === `group:${a.redundancyGroup}`)!;
    expect(muted.silencedBy).toMatch(/^silence-/);
    expect(w.kinds(muted.id)).toEqual([]);
    if (!matcher.startsWith('hall:')) {
      w.running.set(b.id, false);
      w.tick(5);
      expect(w.kinds(`group:${b.redundancyGroup}`)).toEqual(['firing']);
    }
  });

  it('mutes inside a recurring maintenance window only, and pages what is still open when it ends', async () => {
    const w = await world();
    w.tick(5);
    const a = w.cduOfRow(0);
    const b = w.cduOfRow(1);
    // Tuesdays 10:00–11:00 UTC: now (10:00:05) is inside.
    await w.service.addSilence({
      matcher: `hall:${a.hallId}`, startsMs: w.now(), endsMs: w.now() + 30 * 86_400_000,
      recurrence: { weekdays: [2], start: '10:00', durationMinutes: 60, timeZone: 'UTC' },
      comment: 'weekly', by: 'fm',
    });
    expect(w.service.snapshot().silences[0].activeNow).toBe(true);
    w.running.set(a.id, false);
    w.tick(5);
    expect(w.kinds(`group:${a.redundancyGroup}`)).toEqual([]);
    w.tick(3600); // past 11:00: the window has closed
    expect(w.service.snapshot().silences[0].activeNow).toBe(false);
    expect(w.kinds(`group:${a.redundancyGroup}`)).toEqual(['firing']);
    w.running.set(b.id, false);
    w.tick(5);
    expect(w.kinds(`group:${b.redundancyGroup}`)).toEqual(['firing']);
  });
});

describe('AlertService storage', () => {
  /** The alert state files, counting the writes of each. */
  function counted(dir: string) {
    const stores = alertStateFiles(dir);
    const writes = { state: 0, acks: 0, silences: 0 };
    for (const kind of ['state', 'acks', 'silences'] as const) {
      const store = stores[kind] as AlertStateStore['state'];
      const write = store.write.bind(store);
      store.write = (v, r) => (writes[kind]++, write(v, r));
    }
    return { stores, writes };
  }
  const read = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));

  it('stores an acknowledgement before it answers, writing the acknowledgements alone, and restores it after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alert-storage-'));
    const { stores, writes } = counted(dir);
    const w = await world({}, dir, stores);
    const id = w.site.racks[0].id;
    w.rack.set(id, { returnC: 53 });
    w.tick(70);
    await w.service.stop();
    const before = { ...writes };
    expect(await w.service.acknowledge(`rack:${id}`, 'ops', 'checking the valve')).toBeNull();
    expect(writes).toEqual({ ...before, acks: before.acks + 1 });
    expect(read(dir, 'alerts-acks.json').acks[`rack:${id}`]).toMatchObject({ by: 'ops', comment: 'checking the valve' });
    const again = await world({}, dir);
    expect(again.service.snapshot().incidents).toMatchObject([{ id: `rack:${id}`, acknowledged: { by: 'ops' } }]);
  });

  it('stores a silence in the silences alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alert-storage-'));
    const { stores, writes } = counted(dir);
    const w = await world({}, dir, stores);
    const before = { ...writes };
    const s = await w.service.addSilence({ matcher: 'hall:hall-1', startsMs: w.now(), endsMs: w.now() + 3_600_000, comment: 'works', by: 'fm' });
    expect(writes).toEqual({ ...before, silences: before.silences + 1 });
    expect(read(dir, 'alerts-silences.json').silences).toEqual([s]);
    expect(await w.service.removeSilence(s.id, 'fm')).toBe(true);
    expect(read(dir, 'alerts-silences.json').silences).toEqual([]);
  });

  it('loads a state file from before acknowledgements and silences had their own, and stores them apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alert-storage-'));
    const first = await world({}, dir);
    const id = first.site.racks[0].id;
    first.rack.set(id, { returnC: 53 });
    first.tick(70);
    await first.service.stop();
    const ack = { by: 'ops', atMs: T0, comment: 'old' };
    const silence = { id: 'silence-1', matcher: 'hall:hall-1', startsMs: T0, endsMs: T0 + 3_600_000, comment: 'old', by: 'fm', createdMs: T0 };
    const legacy = read(dir, 'alerts-state.json');
    legacy.notified[`rack:${id}`].ack = ack;
    legacy.silences = [silence];
    writeFileSync(join(dir, 'alerts-state.json'), JSON.stringify(legacy));
    for (const name of ['alerts-acks.json', 'alerts-silences.json']) rmSync(join(dir, name), { force: true });
    const again = await world({}, dir);
    expect(again.service.snapshot().incidents).toMatchObject([{ id: `rack:${id}`, acknowledged: ack, silencedBy: 'silence-1' }]);
    expect([read(dir, 'alerts-acks.json').acks, read(dir, 'alerts-silences.json').silences]).toEqual([{ [`rack:${id}`]: ack }, [silence]]);
  });

  it('restores open incidents after a short stop; after a long one they go to the history and the rules decide afresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alert-storage-'));
    const first = await world({}, dir);
    const id = first.site.racks[0].id;
    first.rack.set(id, { returnC: 53 });
    first.tick(70);
    await first.service.stop();
    const soon = await world({}, dir, undefined, first.now() + 60_000);
    expect(soon.service.snapshot().incidents.map((i) => i.id)).toEqual([`rack:${id}`]);
    await soon.service.stop();
    // The last save (the stop of the second run) is when it was last known open.
    const later = await world({}, dir, undefined, soon.now() + 5 * 3_600_000);
    expect(later.service.snapshot().incidents).toEqual([]);
    expect(later.service.history()).toMatchObject([{ id: `rack:${id}`, resolvedMs: soon.now(), notified: true }]);
    later.rack.set(id, { returnC: 53 });
    later.tick(70);
    expect(later.service.snapshot().incidents.map((i) => [i.id, i.startedMs > first.now()])).toEqual([[`rack:${id}`, true]]);
  });

  it('keeps acknowledgements and silences when the evaluation file cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alert-storage-'));
    const first = await world({}, dir);
    const s = await first.service.addSilence({ matcher: 'hall:hall-1', startsMs: first.now(), endsMs: first.now() + 3_600_000, comment: 'works', by: 'fm' });
    await first.service.stop();
    writeFileSync(join(dir, 'alerts-state.json'), '{"version":1,"alerts":[');
    const again = await world({}, dir);
    expect(again.service.snapshot().silences).toMatchObject([s]);
    await again.service.stop();
    expect(read(dir, 'alerts-silences.json').silences).toEqual([s]);
  });

  it('refuses to start on rules that are not valid, naming the file, and leaves the saved state as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-alert-storage-'));
    writeFileSync(join(dir, 'alerts-state.json'), '{"version":1,"alerts":[],"notified":{},"open":[],"incidents":[],"history":[{"id":"kept"}]}');
    writeFileSync(join(dir, 'rules.json'), '[{"id": ');
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
    const service = new AlertService({
      cfg: { publicUrl: null, historyLimit: 5 }, rules: rulesFileStore(join(dir, 'rules.json')), state: alertStateFiles(dir),
      live: new LiveState(site, 3000), memory: null, outbox: null, channels: [], log: createLogger('error'), clock: () => T0,
    });
    await expect(service.start()).rejects.toThrow(`alert rules ${join(dir, 'rules.json')}: not valid JSON`);
    await service.stop();
    expect(read(dir, 'alerts-state.json').history).toEqual([{ id: 'kept' }]);
  });
});
