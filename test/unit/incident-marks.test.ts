import { describe, expect, it } from 'vitest';
import {
  silenceMatcherFor,
  ackText, clockText, commentText, countParts, countsText, displayOrder, incidentCounts, severityLabel, silenceOf, silenceText, COMMENT_MAX_CHARS,
} from '../../web/src/lib/incident-marks.ts';
import { SEVERITIES, type IncidentView, type Severity, type SilenceView } from '../../protocol/alerts.ts';

// Tuesday 3 March 2026, 14:45 in Amsterdam (UTC+1 in winter).
const NOW = Date.parse('2026-03-03T13:45:00Z');
const AMS = 'Europe/Amsterdam';
const at = (iso: string) => Date.parse(iso);

const silence = (over: Partial<SilenceView> = {}): SilenceView => ({
  id: 's1', matcher: 'group:h1-r02', startsMs: NOW - 600_000, endsMs: at('2026-03-03T14:43:00Z'), comment: 'cold plate service', by: 'olga',
  createdMs: NOW - 600_000, activeNow: true, activeUntilMs: at('2026-03-03T14:43:00Z'), ...over,
});

const incident = (id: string, severity: Severity, over: Partial<IncidentView> = {}): IncidentView => ({
  id, severity, title: id, startedMs: NOW - 60_000, scope: id, hallId: 'hall-1', racks: [], roots: [], children: [],
  acknowledged: null, silencedBy: null, ...over,
});

describe('clockText()', () => {
  it.each([
    ['today', '2026-03-03T13:41:00Z', '14:41'],
    ['today after midnight, 24-hour', '2026-03-02T23:05:00Z', '00:05'],
    ['yesterday evening', '2026-03-02T22:59:00Z', 'Mon 23:59'],
    ['tomorrow', '2026-03-04T06:00:00Z', 'Wed 07:00'],
    ['later this year', '2026-03-20T09:30:00Z', '20 Mar 10:30'],
    ['another year', '2027-01-02T09:30:00Z', '2 Jan 2027 10:30'],
  ])('%s: %s → %s', (_n, ts, text) => expect(clockText(at(ts), NOW, AMS)).toBe(text));

  it('reads the day in the given zone, not in UTC', () => {
    // 23:30 UTC on the 3rd is already the 4th in Tokyo.
    expect(clockText(at('2026-03-03T23:30:00Z'), at('2026-03-04T01:00:00Z'), 'Asia/Tokyo')).toBe('08:30');
    expect(clockText(at('2026-03-03T23:30:00Z'), at('2026-03-04T01:00:00Z'), 'UTC')).toBe('Tue 23:30');
  });
});

describe('commentText()', () => {
  it.each([
    ['tech on the way', 'tech on the way'],
    ['  two\n lines  ', 'two lines'],
    ['x'.repeat(COMMENT_MAX_CHARS), 'x'.repeat(COMMENT_MAX_CHARS)],
    ['x'.repeat(COMMENT_MAX_CHARS + 1), `${'x'.repeat(COMMENT_MAX_CHARS - 1)}…`],
  ])('%j → %j', (comment, text) => expect(commentText(comment)).toBe(text));
});

describe('ackText()', () => {
  it.each([
    ['with a comment', { by: 'olga', atMs: at('2026-03-03T13:41:00Z'), comment: 'tech on the way' }, 'ACK olga 14:41 — tech on the way'],
    ['without one', { by: 'olga', atMs: at('2026-03-03T13:41:00Z'), comment: '' }, 'ACK olga 14:41'],
    ['yesterday', { by: 'ben', atMs: at('2026-03-02T20:00:00Z'), comment: 'pump swap' }, 'ACK ben Mon 21:00 — pump swap'],
  ])('%s', (_n, ack, text) => expect(ackText(ack, NOW, AMS)).toBe(text));
});

describe('silenceText()', () => {
  it.each([
    ['one-off: until its end, by, why', silence(), 'SILENCED until 15:43 by olga — cold plate service'],
    [
      'recurring: until its present window ends, not the end of the series',
      silence({ endsMs: at('2026-06-01T00:00:00Z'), activeUntilMs: at('2026-03-03T17:00:00Z') }),
      'SILENCED until 18:00 by olga — cold plate service',
    ],
    ['a server without activeUntilMs: its end', silence({ activeUntilMs: undefined }), 'SILENCED until 15:43 by olga — cold plate service'],
    ['ending another day', silence({ activeUntilMs: at('2026-03-05T07:00:00Z') }), 'SILENCED until Thu 08:00 by olga — cold plate service'],
    ['not in the list', undefined, 'SILENCED'],
  ])('%s', (_n, s, text) => expect(silenceText(s, NOW, AMS)).toBe(text));

  it('finds an incident\'s silence by its ID', () => {
    const list = [silence({ id: 'a' }), silence({ id: 'b', by: 'ben' })];
    expect(silenceOf(incident('x', 'major', { silencedBy: 'b' }), list)?.by).toBe('ben');
    expect(silenceOf(incident('x', 'major', { silencedBy: 'gone' }), list)).toBeUndefined();
    expect(silenceOf(incident('x', 'major'), list)).toBeUndefined();
  });
});

describe('severityLabel()', () => {
  it('spells every severity out', () => {
    expect(SEVERITIES.map(severityLabel)).toEqual(['CRITICAL', 'MAJOR', 'MINOR', 'WARNING']);
  });
});

describe('displayOrder()', () => {
  const ack = { by: 'olga', atMs: NOW, comment: 'on it' };
  it.each<[string, IncidentView[], string[]]>([
    [
      'a silenced critical after an active major',
      [incident('silenced-crit', 'critical', { silencedBy: 's1' }), incident('major', 'major')],
      ['major', 'silenced-crit'],
    ],
    [
      'active by severity, then silenced by severity',
      [
        incident('s-major', 'major', { silencedBy: 's1' }), incident('warning', 'warning'), incident('s-crit', 'critical', { silencedBy: 's1' }),
        incident('crit', 'critical'),
      ],
      ['crit', 'warning', 's-crit', 's-major'],
    ],
    [
      'unacknowledged before acknowledged of the same severity',
      [incident('acked', 'critical', { acknowledged: ack }), incident('new', 'critical')],
      ['new', 'acked'],
    ],
    [
      'newest first on a tie',
      [incident('old', 'major', { startedMs: NOW - 600_000 }), incident('young', 'major', { startedMs: NOW - 1000 })],
      ['young', 'old'],
    ],
  ])('%s', (_n, list, ids) => {
    const before = list.map((i) => i.id);
    expect(displayOrder(list).map((i) => i.id)).toEqual(ids);
    expect(list.map((i) => i.id)).toEqual(before);
  });
});

describe('incident counts', () => {
  it.each<[string, IncidentView[], string]>([
    ['nothing open', [], 'none'],
    ['two criticals and a silenced one apart', [
      incident('a', 'critical'), incident('b', 'critical'), incident('c', 'critical', { silencedBy: 's1' }),
    ], '2 critical · 1 silenced'],
    ['only silenced', [incident('a', 'major', { silencedBy: 's1' })], 'none active · 1 silenced'],
    ['every severity, most severe first', [
      incident('w', 'warning'), incident('m', 'minor'), incident('j', 'major'), incident('c', 'critical'),
    ], '1 critical · 1 major · 1 minor · 1 warning'],
  ])('%s → %s', (_n, list, text) => expect(countsText(incidentCounts(list))).toBe(text));

  it('keys each part for its colour', () => {
    const parts = countParts(incidentCounts([incident('a', 'critical'), incident('b', 'minor', { silencedBy: 's1' })]));
    expect(parts).toEqual([{ key: 'critical', text: '1 critical' }, { key: 'silenced', text: '1 silenced' }]);
  });
});

describe('silenceMatcherFor()', () => {
  const cause = (entity: string) => ({ entity, why: '' });
  it.each<[string, Pick<IncidentView, 'id' | 'rootCause'>, string]>([
    ['a shard\'s incident: its ID', { id: 'group:h1-r01', rootCause: cause('rack:h1-r01-k03') }, 'group:h1-r01'],
    ['an incident without a root cause: its ID', { id: 'cdu:h1-r01-cdu-a', rootCause: null }, 'cdu:h1-r01-cdu-a'],
    ['a one-hall shard unreachable: the shard', { id: 'shard:hall-3@1800000000000', rootCause: cause('shard:hall-3') }, 'shard:hall-3'],
    ['a two-hall shard unreachable: the shard', { id: 'shard:hall-1_hall-2@1800000000000', rootCause: cause('shard:hall-1_hall-2') }, 'shard:hall-1_hall-2'],
  ])('%s', (_name, i, matcher) => {
    expect(silenceMatcherFor(i)).toBe(matcher);
  });
});
