/**
 * AlertService keeps what happened in an incident, not how it looked when it resolved: a leak
 * that is critical, degrades to a warning level and clears is stored as critical under its
 * opening title, with its alerts' times and the acknowledgement and silence that were on it; the
 * story survives a restart, and alert state from before stories were kept still loads.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { AlertService } from '../../server/alerts/alert-service.ts';
import { rulesFileStore } from '../../server/alerts/rule-store.ts';
import { alertStateFiles } from '../../server/alerts/alert-state-store.ts';
import { createLogger } from '../../server/logger.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');

/** An AlertService over a small site, evaluated second by second with `tick`; `leak` sets a rack's detector. */
async function world(storageDir = mkdtempSync(join(tmpdir(), 'hallwatch-incident-history-')), startMs = T0) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  let now = startMs;
  const service = new AlertService({
    cfg: { publicUrl: null, historyLimit: 500 }, rules: rulesFileStore('config/alert-rules.json'), state: alertStateFiles(storageDir),
    live: state, memory: new MemoryWindow(600), outbox: null, channels: [], log: createLogger('error'), clock: () => now,
  });
  await service.start();
  const leak = new Map<string, 0 | 1 | 2>();
  const tick = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC: 48, flowLpm: 182, leak: leak.get(r.id) ?? 0 }, now);
      for (const c of site.cdus) state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: true }, now);
      state.refresh(now);
      service.tick();
    }
  };
  return { site, service, leak, tick, now: () => now, storageDir };
}

describe('resolved incidents keep their story', () => {
  it('stores a critical leak that degraded to a warning level as critical, under its opening title, with its alerts, acknowledgement and silence', async () => {
    const w = await world();
    const rack = w.site.racks[0].id;
    const id = `rack:${rack}`;
    w.tick(5);
    w.leak.set(rack, 2);
    w.tick(3);
    const opened = w.service.snapshot().incidents[0];
    expect(opened).toMatchObject({ id, severity: 'critical', peakSeverity: 'critical' });
    const openingTitle = opened.title;
    expect(openingTitle).toMatch(new RegExp(`^${rack}: leak detected: isolate the rack`));
    const leakFiredMs = w.now();
    w.leak.set(rack, 1);
    w.tick(65);
    // Degraded in place: the listing is major now, and still says what it was.
    const degraded = w.service.snapshot().incidents[0];
    expect(degraded).toMatchObject({ id, severity: 'major', peakSeverity: 'critical', openingTitle });
    expect(degraded.title).not.toBe(openingTitle);
    expect(await w.service.acknowledge(id, 'olga', 'tech on the way')).toBeNull();
    const silence = await w.service.addSilence({ matcher: id, startsMs: w.now(), endsMs: w.now() + 3_600_000, comment: 'cold plate service', by: 'olga' });
    w.tick(2);
    w.leak.set(rack, 0);
    w.tick(65);
    expect(w.service.snapshot().incidents).toEqual([]);
    const [h] = w.service.history();
    expect(h).toMatchObject({ id, severity: 'critical', title: openingTitle, acknowledged: { by: 'olga', comment: 'tech on the way' } });
    expect(h.story).toMatchObject({
      openingTitle, openingSeverity: 'critical', lastSeverity: 'major',
      peak: { severity: 'critical', rule: 'rack-leak-critical', entity: id, value: 2 },
      roots: [id],
      acks: [{ by: 'olga', comment: 'tech on the way' }],
      silences: [{ id: silence.id, by: 'olga', comment: 'cold plate service', matcher: id }],
    });
    const times = Object.fromEntries(h.story!.members.map((m) => [m.rule, [m.firedMs, m.clearedMs]]));
    expect(Object.keys(times).sort()).toEqual(['rack-leak-critical', 'rack-leak-warning']);
    expect(times['rack-leak-critical'][0]).toBeLessThanOrEqual(leakFiredMs);
    // The critical alert cleared while the warning level went on; the warning cleared with the incident.
    expect(times['rack-leak-critical'][1]).toBeLessThan(times['rack-leak-warning'][1]!);
    expect(times['rack-leak-warning'][1]).toBe(h.resolvedMs);
  });

  it('keeps the story of an incident open across a restart', async () => {
    const first = await world();
    const rack = first.site.racks[1].id;
    first.tick(5);
    first.leak.set(rack, 2);
    first.tick(3);
    const openingTitle = first.service.snapshot().incidents[0].title;
    first.leak.set(rack, 1);
    first.tick(65);
    await first.service.stop();
    const again = await world(first.storageDir, first.now());
    again.leak.set(rack, 1);
    again.tick(2);
    expect(again.service.snapshot().incidents[0]).toMatchObject({ severity: 'major', peakSeverity: 'critical', openingTitle });
    again.leak.set(rack, 0);
    again.tick(65);
    expect(again.service.history()[0]).toMatchObject({ severity: 'critical', title: openingTitle, story: { lastSeverity: 'major' } });
  });

  it('loads alert state from before stories were kept, and drops a story that is not valid, keeping its incident', async () => {
    const first = await world();
    const [a, b] = first.site.racks.map((r) => r.id);
    first.tick(5);
    first.leak.set(a, 2);
    first.tick(3);
    first.leak.set(a, 0);
    first.tick(65);
    first.leak.set(b, 2);
    first.tick(3);
    await first.service.stop();
    const path = join(first.storageDir, 'alerts-state.json');
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved.history).toHaveLength(1);
    expect(Object.keys(saved.stories)).toEqual([`rack:${b}`]);
    const old = { ...saved, history: [{ ...saved.history[0], story: undefined }, { ...saved.history[0], startedMs: T0 - 1, story: { peak: 'hot' } }] };
    delete old.stories;
    writeFileSync(path, JSON.stringify(old));
    const again = await world(first.storageDir, first.now());
    expect(again.service.history().map((h) => h.story)).toEqual([undefined, undefined]);
    expect(again.service.history().map((h) => h.id)).toEqual([`rack:${a}`, `rack:${a}`]);
    // The incident open before stories were kept gets one from when this server first saw it.
    again.leak.set(b, 2);
    again.tick(1);
    const resumeMs = again.now();
    again.leak.set(b, 0);
    again.tick(65);
    expect(again.service.history()[0]).toMatchObject({ id: `rack:${b}`, severity: 'critical', story: { trackedFromMs: resumeMs } });
  });
});
