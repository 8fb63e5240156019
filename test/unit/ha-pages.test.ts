import { describe, expect, it } from 'vitest';
import { countFiring, countResolved, pageOf, type Delivery, type SeenIncident } from '../../bench/chaos/ha/pages.ts';

const FROM_MS = 1_000_000;

function incident(id: string, startedMs = FROM_MS + 1000, silenced = false): SeenIncident {
  return { id, startedMs, seenBy: { 'hallwatch-a': [startedMs, startedMs + 5000] }, firstSeenMs: startedMs, lastSeenMs: startedMs + 5000, silenced, rules: ['cdu-tripped'] };
}

function delivery(id: string, kind: string, startedMs = FROM_MS + 1000, severity = '', atMs = FROM_MS + 2000): Delivery {
  return { key: `${id}@${startedMs}:${kind}${severity ? `:${severity}` : ''}:webhook`, kind, incidentId: id, atMs };
}

describe('pageOf', () => {
  it.each([
    ['a first page', delivery('group:h1-r01', 'firing'), 'firing'],
    ['an escalation carries its severity', delivery('group:h1-r01', 'firing', FROM_MS, 'critical'), 'firing:critical'],
    ['a resolution', delivery('group:h1-r01', 'resolved'), 'resolved'],
  ])('%s', (_name, d, page) => expect(pageOf(d)).toBe(page));
});

describe('countFiring', () => {
  const cases: { name: string; seen: SeenIncident[]; sent: Delivery[]; earlier?: Delivery[]; expected: number; count: number; duplicated: number; lost: string[] }[] = [
    { name: 'each incident paged once', seen: [incident('group:h1-r01'), incident('group:h1-r02')], sent: [delivery('group:h1-r01', 'firing'), delivery('group:h1-r02', 'firing')], expected: 2, count: 2, duplicated: 0, lost: [] },
    { name: 'an incident never paged is lost', seen: [incident('group:h1-r01'), incident('group:h1-r02')], sent: [delivery('group:h1-r01', 'firing')], expected: 2, count: 1, duplicated: 0, lost: ['group:h1-r02'] },
    { name: 'the same key twice is a duplicate', seen: [incident('group:h1-r01')], sent: [delivery('group:h1-r01', 'firing'), delivery('group:h1-r01', 'firing')], expected: 1, count: 1, duplicated: 1, lost: [] },
    {
      name: 'one incident paged under two start times is a duplicate', seen: [incident('group:h1-r01')],
      sent: [delivery('group:h1-r01', 'firing', FROM_MS + 1000), delivery('group:h1-r01', 'firing', FROM_MS + 2000)], expected: 1, count: 1, duplicated: 1, lost: [],
    },
    {
      name: 'an escalation is a page of its own', seen: [incident('group:h1-r01')],
      sent: [delivery('group:h1-r01', 'firing'), delivery('group:h1-r01', 'firing', FROM_MS + 1000, 'critical')], expected: 1, count: 2, duplicated: 0, lost: [],
    },
    { name: 'an incident open before the window is not due', seen: [incident('group:h1-r01', FROM_MS - 60_000)], sent: [], expected: 0, count: 0, duplicated: 0, lost: [] },
    { name: 'a silenced incident is not due', seen: [incident('group:h1-r01', FROM_MS + 1000, true)], sent: [], expected: 0, count: 0, duplicated: 0, lost: [] },
    {
      name: 'an incident paged before the window is not due again', seen: [incident('group:h1-r01', FROM_MS + 500)], sent: [],
      earlier: [delivery('group:h1-r01', 'firing', FROM_MS - 5000, '', FROM_MS - 4000)], expected: 0, count: 0, duplicated: 0, lost: [],
    },
  ];
  it.each(cases)('$name', (c) => {
    const r = countFiring(c.seen, c.sent, c.earlier ?? [], FROM_MS);
    expect({ expected: r.expected, sent: r.sent, duplicated: r.duplicated, lost: r.lostIds }).toEqual({ expected: c.expected, sent: c.count, duplicated: c.duplicated, lost: c.lost });
  });
});

describe('countResolved', () => {
  it('a resolution is due for each paged incident no longer open, once', () => {
    const sent = [
      delivery('group:h1-r01', 'firing'), delivery('group:h1-r02', 'firing'), delivery('group:h1-r03', 'firing'),
      delivery('group:h1-r01', 'resolved'), delivery('group:h1-r01', 'resolved'),
    ];
    const r = countResolved(new Set(['group:h1-r03']), sent);
    expect(r).toMatchObject({ expected: 2, sent: 1, duplicated: 1, lost: 1, lostIds: ['group:h1-r02'], duplicatedIds: ['group:h1-r01'] });
  });
});
