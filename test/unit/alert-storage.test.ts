/** AlertService's saved state: each document written on its own, old files loaded, a restore horizon, unreadable files. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { AlertService } from '../../server/alerts/alert-service.ts';
import { rulesFileStore } from '../../server/alerts/rule-store.ts';
import { alertStateFiles, type AlertStateStore } from '../../server/alerts/alert-state-store.ts';
import { createLogger } from '../../server/logger.ts';
import { T0, world } from '../helpers/alert-world.ts';

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
