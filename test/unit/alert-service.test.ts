/**
 * AlertService over live state with a recording outbox: one notification per incident change,
 * silences by incident, row and hall scope and by recurring window (muted but visible),
 * acknowledgements, and resolved incidents moving to history.
 */
import { describe, expect, it } from 'vitest';
import { world } from '../helpers/alert-world.ts';

describe('AlertService', () => {
  it('tells the resolution under the opening title, as the history keeps it, not its last alert\'s', async () => {
    const w = await world();
    const id = w.site.racks[0].id;
    w.tick(5);
    w.rack.set(id, { returnC: 53 });
    w.tick(70);
    w.rack.set(id, { returnC: 53, leak: 2 });
    w.tick(3);
    w.rack.set(id, { leak: 2 });
    w.tick(120);
    w.rack.delete(id);
    w.tick(120);
    const told = w.sent.filter((n) => n.incident.id === `rack:${id}`).map((n) => [n.kind, n.incident.title.replace(/ \(.*$/, '')]);
    const opening = told[0][1];
    expect(opening).toMatch(/return/);
    expect(told.at(-1)).toEqual(['resolved', opening]);
    expect(told.some(([, title]) => /leak/.test(title))).toBe(true);
    expect(w.service.history()[0].title.replace(/ \(.*$/, '')).toBe(opening);
  });

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
