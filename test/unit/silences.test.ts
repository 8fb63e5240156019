import { describe, expect, it } from 'vitest';
import { minuteOfWeek, parseSilenceRequest, silenceActive, silenceActiveUntil, silenceMatches } from '../../server/alerts/silences.ts';
import type { Silence } from '../../protocol/alerts.ts';
import { SilenceBook, silenceKeys } from '../../server/alerts/silence-book.ts';
import type { Incident } from '../../server/alerts/incidents.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';

const base: Silence = {
  id: 's1', matcher: 'cdu:h1-r01-cdu-a', startsMs: Date.parse('2026-01-01T00:00:00Z'), endsMs: Date.parse('2027-01-01T00:00:00Z'),
  comment: 'x', by: 'ops', createdMs: 0,
};
// Tuesdays 02:00 for 4 h, in UTC and in Amsterdam (UTC+1 in winter, UTC+2 in summer).
const tueUtc: Silence = { ...base, recurrence: { weekdays: [2], start: '02:00', durationMinutes: 240, timeZone: 'UTC' } };
const tueAms: Silence = { ...base, recurrence: { weekdays: [2], start: '02:00', durationMinutes: 240, timeZone: 'Europe/Amsterdam' } };
// Saturday 22:00 for 6 h: crosses midnight into Sunday, and the week boundary.
const satNight: Silence = { ...base, recurrence: { weekdays: [6], start: '22:00', durationMinutes: 360, timeZone: 'UTC' } };

describe('silence windows', () => {
  it.each([
    ['one-off, inside', { ...base, recurrence: undefined }, '2026-03-01T12:00:00Z', true],
    ['one-off, before start', { ...base, startsMs: Date.parse('2026-03-02T00:00:00Z') }, '2026-03-01T12:00:00Z', false],
    ['one-off, at end (exclusive)', base, '2027-01-01T00:00:00Z', false],
    ['recurring UTC, Tuesday 01:59', tueUtc, '2026-03-03T01:59:00Z', false],
    ['recurring UTC, Tuesday 02:00', tueUtc, '2026-03-03T02:00:00Z', true],
    ['recurring UTC, Tuesday 05:59', tueUtc, '2026-03-03T05:59:00Z', true],
    ['recurring UTC, Tuesday 06:00', tueUtc, '2026-03-03T06:00:00Z', false],
    ['recurring UTC, Wednesday 03:00', tueUtc, '2026-03-04T03:00:00Z', false],
    ['recurring Amsterdam winter, 01:30Z = 02:30 local', tueAms, '2026-03-03T01:30:00Z', true],
    ['recurring Amsterdam winter, 05:30Z = 06:30 local', tueAms, '2026-03-03T05:30:00Z', false],
    ['recurring Amsterdam summer, 00:30Z = 02:30 local', tueAms, '2026-07-07T00:30:00Z', true],
    ['recurring Amsterdam summer, 04:30Z = 06:30 local', tueAms, '2026-07-07T04:30:00Z', false],
    ['across midnight, Saturday 23:00', satNight, '2026-03-07T23:00:00Z', true],
    ['across midnight, Sunday 03:59', satNight, '2026-03-08T03:59:00Z', true],
    ['across midnight, Sunday 04:00', satNight, '2026-03-08T04:00:00Z', false],
    ['recurring, after the series ends', { ...tueUtc, endsMs: Date.parse('2026-03-01T00:00:00Z') }, '2026-03-03T03:00:00Z', false],
  ])('%s', (_name, s, at, active) => expect(silenceActive(s as Silence, Date.parse(at))).toBe(active));

  // Every weekday 00:00 for 24 h: windows back to back, muting without a break.
  const weekdays: Silence = { ...base, recurrence: { weekdays: [1, 2, 3, 4, 5], start: '00:00', durationMinutes: 1440, timeZone: 'UTC' } };
  // Sundays 01:00 for 3 h in Amsterdam, over the spring-forward change (29 March 2026, 02:00 → 03:00): 2 h of real time.
  const sunAms: Silence = { ...base, recurrence: { weekdays: [0], start: '01:00', durationMinutes: 180, timeZone: 'Europe/Amsterdam' } };
  it.each([
    ['one-off: its end', { ...base, recurrence: undefined }, '2026-03-01T12:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['not muting now', tueUtc, '2026-03-04T03:00:00Z', null],
    ['recurring: the end of this window, not of the series', tueUtc, '2026-03-03T03:17:42Z', '2026-03-03T06:00:00.000Z'],
    ['recurring in Amsterdam winter', tueAms, '2026-03-03T01:30:00Z', '2026-03-03T05:00:00.000Z'],
    ['recurring in Amsterdam summer', tueAms, '2026-07-07T00:30:00Z', '2026-07-07T04:00:00.000Z'],
    ['across midnight and the week boundary', satNight, '2026-03-07T23:00:00Z', '2026-03-08T04:00:00.000Z'],
    ['back-to-back windows: the end of the run', weekdays, '2026-03-03T10:00:00Z', '2026-03-07T00:00:00.000Z'],
    ['a window cut short by the series end', { ...tueUtc, endsMs: Date.parse('2026-03-03T04:00:00Z') }, '2026-03-03T03:00:00Z', '2026-03-03T04:00:00.000Z'],
    ['over a spring-forward change', sunAms, '2026-03-29T00:30:00Z', '2026-03-29T02:00:00.000Z'],
  ])('silenceActiveUntil, %s', (_name, s, at, until) => {
    const untilMs = silenceActiveUntil(s as Silence, Date.parse(at));
    expect(untilMs === null ? null : new Date(untilMs).toISOString()).toBe(until);
  });

  it('computes the local minute of the week', () => {
    expect(minuteOfWeek(Date.parse('2026-03-08T00:00:00Z'), 'UTC')).toBe(0); // a Sunday
    expect(minuteOfWeek(Date.parse('2026-03-03T02:30:00Z'), 'UTC')).toBe(2 * 1440 + 150);
    expect(minuteOfWeek(Date.parse('2026-03-03T02:30:00Z'), 'Asia/Tokyo')).toBe(2 * 1440 + 690);
  });

  it.each([
    ['cdu:h1-r01-cdu-a', ['group:h1-r01', 'cdu:h1-r01-cdu-a'], true],
    ['rack:h1-r02-', ['rack:h1-r02-07'], true],
    ['rack:h1-r02-', ['rack:h1-r03-07', 'group:h1-r03'], false],
    ['group:h1-r01', ['group:h1-r01'], true],
    ['group:h1-r01', ['group:h1-r010'], false],
    ['row:h1-r02', ['rack:h1-r02-k07', 'row:h1-r02', 'hall:hall-1'], true],
    ['row:h1-r02', ['row:h1-r020'], false],
    ['hall:hall-1', ['cdu:h1-r05-cdu-a', 'row:h1-r05', 'hall:hall-1'], true],
    ['hall:hall-1', ['hall:hall-10'], false],
  ])('matcher %s over %j → %s', (matcher, keys, m) => expect(silenceMatches({ ...base, matcher }, keys)).toBe(m));
});

describe('silence requests', () => {
  const now = Date.parse('2026-03-01T00:00:00Z');
  it.each([
    [{ matcher: 'group:h1-r01', minutes: 60, comment: 'pump swap' }, null],
    [{ matcher: 'row:h1-r02', minutes: 60, comment: 'row work' }, null],
    [{ matcher: 'rack:', minutes: 60, comment: 'everything' }, /^matcher:/],
    [
      {
        matcher: 'cdu:h1-r01-cdu-a', comment: 'weekly', endsMs: now + 90 * 86_400_000,
        recurrence: { weekdays: [2], start: '02:00', durationMinutes: 240, timeZone: 'Europe/Amsterdam' },
      },
      null,
    ],
    [{ matcher: 'group:h1-r01', minutes: 60 }, /^comment:/],
    [{ matcher: 'pdu:x', minutes: 60, comment: 'c' }, /^matcher:/],
    [{ matcher: 'group:h1-r01', comment: 'c' }, /^endsMs or minutes:/],
    [{ matcher: 'group:h1-r01', minutes: 60 * 24 * 31, comment: 'c' }, /at most 30 days/],
    [{ matcher: 'group:h1-r01', startsMs: now - 7200_000, minutes: 60, comment: 'c' }, /already ended/],
    [{ matcher: 'group:h1-r01', minutes: 60, comment: 'c', recurrence: { weekdays: [7], start: '02:00', durationMinutes: 60 } }, /^recurrence\.weekdays:/],
    [{ matcher: 'group:h1-r01', minutes: 60, comment: 'c', recurrence: { weekdays: [1], start: '2:00', durationMinutes: 60 } }, /^recurrence\.start:/],
    [
      { matcher: 'group:h1-r01', minutes: 60, comment: 'c', recurrence: { weekdays: [1], start: '02:00', durationMinutes: 0 } },
      /^recurrence\.durationMinutes:/,
    ],
    [
      { matcher: 'group:h1-r01', minutes: 60, comment: 'c', recurrence: { weekdays: [1], start: '02:00', durationMinutes: 60, timeZone: 'Mars/Olympus' } },
      /^recurrence\.timeZone: unknown time zone "Mars\/Olympus"/,
    ],
    ['nope', /^body:/],
  ])('%j → %s', (body, error) => {
    const r = parseSilenceRequest(body, now);
    if (error === null) expect(r.ok).toBe(true);
    else expect(!r.ok && r.message).toMatch(error);
  });

  it('defaults a recurrence to UTC and sorts its days', () => {
    const r = parseSilenceRequest(
      { matcher: 'hall:h1', comment: 'c', minutes: 60 * 24 * 60, recurrence: { weekdays: [5, 1, 5], start: '23:30', durationMinutes: 90 } },
      now,
    );
    expect(r.ok && r.value.recurrence).toEqual({ weekdays: [1, 5], start: '23:30', durationMinutes: 90, timeZone: 'UTC' });
  });
});

describe('SilenceBook', () => {
  const site = buildSiteIndex(generateSite({ halls: 2, rows: 2, racksPerRow: 2, racksPerCdu: 2 }));
  const rack = site.racks[0];
  const cdu = site.cdus[0];
  const incident = (entity: string, childRack?: string, consequence?: string) => ({
    id: entity, scope: entity, roots: [{ entity }], consequences: consequence ? [{ entity: consequence }] : [],
    children: childRack ? [{ rackId: childRack, alerts: [] }] : [],
  }) as unknown as Incident;
  const T = Date.parse('2026-03-03T12:00:00Z');

  it.each([
    ['the rack itself', incident(`rack:${rack.id}`), `rack:${rack.id}`, true],
    ['the rack\'s row', incident(`rack:${rack.id}`), `row:${rack.rowId}`, true],
    ['the rack\'s hall', incident(`rack:${rack.id}`), `hall:${rack.hallId}`, true],
    ['another hall', incident(`rack:${rack.id}`), `hall:${site.racks[site.racks.length - 1].hallId}`, false],
    ['the CDU\'s row', incident(`cdu:${cdu.id}`), `row:${cdu.rowId}`, true],
    ['a child rack of a CDU incident', incident(`cdu:${cdu.id}`, rack.id), `rack:${rack.id}`, true],
    ['a CDU reacting to a rack\'s incident (its flow imbalance)', incident(`rack:${rack.id}`, undefined, `cdu:${cdu.id}`), `cdu:${cdu.id}`, true],
  ])('mutes an incident by %s', (_n, inc, matcher, muted) => {
    expect(silenceKeys(site, inc).includes(matcher)).toBe(muted);
    const book = new SilenceBook(site);
    const s = book.add({ matcher, startsMs: T - 1, endsMs: T + 3_600_000, comment: 'works', by: 'fm' }, T);
    expect(book.muting(inc, T)?.id).toBe(muted ? s.id : undefined);
  });

  it.each([
    ['still running', T + 1000, false],
    ['ended an hour ago', T - 3_600_000, false],
    ['ended just over a day ago', T - 86_400_001, true],
  ])('keeps a silence %s for the history, dropping it only a day after it ended', (_n, endsMs, dropped) => {
    const book = new SilenceBook(site);
    book.add({ matcher: `rack:${rack.id}`, startsMs: T - 2 * 86_400_000, endsMs, comment: 'x', by: 'fm' }, T);
    expect(book.pruneEnded(T)).toBe(dropped);
    expect(book.all()).toHaveLength(dropped ? 0 : 1);
    expect(book.current(T).length).toBe(endsMs > T ? 1 : 0);
  });

  it('lists a silence in force with when it stops muting, and a scheduled one with null', () => {
    const book = new SilenceBook(site);
    book.add({ matcher: `rack:${rack.id}`, startsMs: T - 1, endsMs: T + 3_600_000, comment: 'now', by: 'fm' }, T);
    book.add({ matcher: `rack:${rack.id}`, startsMs: T + 60_000, endsMs: T + 3_600_000, comment: 'later', by: 'fm' }, T);
    expect(book.current(T).map((s) => [s.comment, s.activeNow, s.activeUntilMs])).toEqual([['now', true, T + 3_600_000], ['later', false, null]]);
  });
});
