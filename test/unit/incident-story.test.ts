/**
 * The story an incident keeps while open: opening title, peak severity and value with when,
 * causes, members with their times, the acknowledgement and silence trail; how it is checked
 * when loaded, exported as CSV, and read back by the dashboard (history rows and chart bands).
 */
import { describe, expect, it } from 'vitest';
import type { Acknowledgement, IncidentStory, ResolvedIncident, Severity, Silence } from '../../protocol/alerts.ts';
import {
  advanceStory, closeStory, IncidentStories, openStory, STORY_MEMBER_LIMIT, type StoryAlert, type StoryIncident, type StoryMarks,
} from '../../server/alerts/incident-story.ts';
import { storyProblem } from '../../server/alerts/story-check.ts';
import { csvCell, historyCsv, HISTORY_CSV_COLUMNS } from '../../server/alerts/history-export.ts';
import { membersByTime, offsetText, storyOf } from '../../web/src/lib/incident-story.ts';
import { incidentSpan } from '../../web/src/lib/annotations.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const S = 1000;

/** The shipped rules a story meets here (config/alert-rules.json). */
const RULES = {
  returnWarn: { id: 'rack-return-warning', severity: 'warning', summary: 'rack return temperature ≥ 52 °C', signal: 'returnC', comparison: 'above' },
  returnCrit: { id: 'rack-return-critical', severity: 'critical', summary: 'rack return temperature at the 55 °C limit', signal: 'returnC', comparison: 'above' },
  trend: { id: 'rack-return-trend', severity: 'major', summary: 'return will reach its limit within 10 min', signal: 'returnMinutesToLimit', comparison: 'below' },
  tripped: { id: 'cdu-tripped', severity: 'critical', summary: 'CDU tripped', signal: 'tripped', comparison: 'above' },
  n1: { id: 'cdu-n1-lost', severity: 'major', summary: 'redundancy group lost N+1', signal: 'n1HeadroomKw', comparison: 'below' },
  leakCrit: { id: 'rack-leak-critical', severity: 'critical', summary: 'leak detected: isolate the rack', signal: 'leak', comparison: 'above' },
  leakWarn: { id: 'rack-leak-warning', severity: 'major', summary: 'leak detector warning', signal: 'leak', comparison: 'above' },
} satisfies Record<string, StoryAlert['rule']>;

const alert = (rule: StoryAlert['rule'], entity: string, value: number, firedAtMs: number): StoryAlert => ({ rule, entity, state: { value, firedAtMs } });

/** One round of an incident: its title, severity, roots and children as the tracker gave them. */
interface Round {
  atS: number;
  title: string;
  roots: StoryAlert[];
  children?: StoryAlert[];
  marks?: Partial<StoryMarks>;
}

const incidentOf = (r: Round): StoryIncident => {
  const all = [...r.roots, ...(r.children ?? [])];
  const severity = all.map((a) => a.rule.severity).sort((a, b) => ['critical', 'major', 'minor', 'warning'].indexOf(a) - ['critical', 'major', 'minor', 'warning'].indexOf(b))[0] as Severity;
  return { title: r.title, severity, startedMs: T0, roots: r.roots, children: (r.children ?? []).map((a) => ({ alerts: [a] })) };
};

/** Plays the rounds and resolves the incident `resolveS` after T0. */
function play(rounds: Round[], resolveS: number, ack: Acknowledgement | null = null): IncidentStory {
  const stories = new IncidentStories();
  for (const r of rounds) stories.advance('x', incidentOf(r), { ack: null, silence: null, ...r.marks }, T0 + r.atS * S);
  return stories.close('x', ack, T0 + resolveS * S)!;
}

const RACK = 'rack:h1-r01-k05';
const CDU = 'cdu:h1-r01-cdu-a';
const ACK: Acknowledgement = { by: 'olga', atMs: T0 + 40 * S, comment: 'tech on the way' };
const SILENCE: Silence = {
  id: 'silence-1', matcher: 'row:h1-r01', startsMs: T0, endsMs: T0 + 3_600_000, comment: 'cold plate service', by: 'olga', createdMs: T0,
};

describe('the incident story', () => {
  it.each<[string, Round[], number, Partial<IncidentStory>]>([
    ['a CDU trip that degrades to N+1 lost keeps its critical peak and opening title', [
      { atS: 0, title: 'h1-r01-cdu-a: CDU tripped — its group serves 16 racks', roots: [alert(RULES.tripped, CDU, 1, T0), alert(RULES.n1, CDU, -818, T0)] },
      { atS: 30, title: 'h1-r01-cdu-a: CDU tripped — its group serves 16 racks', roots: [alert(RULES.tripped, CDU, 1, T0), alert(RULES.n1, CDU, -900, T0)] },
      { atS: 60, title: 'h1-r01-cdu-a: redundancy group lost N+1 — now 818 kW', roots: [alert(RULES.n1, CDU, -818, T0)] },
    ], 90, {
      openingTitle: 'h1-r01-cdu-a: CDU tripped — its group serves 16 racks', openingSeverity: 'critical',
      lastTitle: 'h1-r01-cdu-a: redundancy group lost N+1 — now 818 kW', lastSeverity: 'major',
      peak: { severity: 'critical', rule: 'cdu-tripped', entity: CDU, summary: 'CDU tripped', value: 1, text: '', atMs: T0 },
      roots: [CDU],
      members: [
        { rule: 'cdu-tripped', entity: CDU, severity: 'critical', summary: 'CDU tripped', firedMs: T0, clearedMs: T0 + 60 * S },
        { rule: 'cdu-n1-lost', entity: CDU, severity: 'major', summary: 'redundancy group lost N+1', firedMs: T0, clearedMs: T0 + 90 * S },
      ],
    }],
    ['a clog keeps the hottest return of its critical alert, with when, not the trend at resolution', [
      { atS: 0, title: `${RACK.slice(5)}: return will reach its limit within 10 min — in 8 min`, roots: [alert(RULES.trend, RACK, 8, T0)] },
      { atS: 20, title: `${RACK.slice(5)}: rack return temperature at the 55 °C limit — now 58.0 °C`, roots: [alert(RULES.trend, RACK, 0, T0), alert(RULES.returnCrit, RACK, 58, T0 + 20 * S)] },
      { atS: 40, title: `${RACK.slice(5)}: rack return temperature at the 55 °C limit — now 62.1 °C`, roots: [alert(RULES.trend, RACK, 0, T0), alert(RULES.returnCrit, RACK, 62.1, T0 + 20 * S)] },
      { atS: 60, title: `${RACK.slice(5)}: rack return temperature at the 55 °C limit — now 56.0 °C`, roots: [alert(RULES.trend, RACK, 0, T0), alert(RULES.returnCrit, RACK, 56, T0 + 20 * S)] },
      { atS: 80, title: `${RACK.slice(5)}: return will reach its limit within 10 min — in 0 min`, roots: [alert(RULES.trend, RACK, 0, T0)] },
    ], 100, {
      openingSeverity: 'major', lastSeverity: 'major',
      peak: { severity: 'critical', rule: 'rack-return-critical', entity: RACK, summary: RULES.returnCrit.summary, value: 62.1, text: '62.1 °C', atMs: T0 + 40 * S },
      members: [
        { rule: 'rack-return-trend', entity: RACK, severity: 'major', summary: RULES.trend.summary, firedMs: T0, clearedMs: T0 + 100 * S },
        { rule: 'rack-return-critical', entity: RACK, severity: 'critical', summary: RULES.returnCrit.summary, firedMs: T0 + 20 * S, clearedMs: T0 + 80 * S },
      ],
    }],
    ['a below rule peaks at its lowest value (the trend nearest the limit)', [
      { atS: 0, title: 't', roots: [alert(RULES.trend, RACK, 9, T0)] },
      { atS: 10, title: 't', roots: [alert(RULES.trend, RACK, 4, T0)] },
      { atS: 20, title: 't', roots: [alert(RULES.trend, RACK, 7, T0)] },
    ], 30, { peak: { severity: 'major', rule: 'rack-return-trend', entity: RACK, summary: RULES.trend.summary, value: 4, text: 'in 4 min', atMs: T0 + 10 * S } }],
    ['among racks firing the same rule, the peak is the hottest, on its rack', [
      { atS: 0, title: '2 racks', roots: [], children: [alert(RULES.returnWarn, 'rack:a', 53, T0), alert(RULES.returnWarn, 'rack:b', 52.5, T0)] },
      { atS: 10, title: '2 racks', roots: [], children: [alert(RULES.returnWarn, 'rack:a', 53, T0), alert(RULES.returnWarn, 'rack:b', 54.2, T0)] },
    ], 20, { peak: { severity: 'warning', rule: 'rack-return-warning', entity: 'rack:b', summary: RULES.returnWarn.summary, value: 54.2, text: '54.2 °C', atMs: T0 + 10 * S } }],
    ['another rule of the same severity does not take the peak; causes are kept in the order they were', [
      { atS: 0, title: 'c', roots: [alert(RULES.tripped, CDU, 1, T0)], children: [alert(RULES.returnCrit, 'rack:a', 58, T0)] },
      { atS: 10, title: 'c', roots: [alert(RULES.tripped, CDU, 1, T0), alert(RULES.tripped, 'cdu:b', 1, T0 + 10 * S)], children: [alert(RULES.returnCrit, 'rack:a', 61, T0)] },
    ], 20, { peak: { severity: 'critical', rule: 'cdu-tripped', entity: CDU, summary: 'CDU tripped', value: 1, text: '', atMs: T0 }, roots: [CDU, 'cdu:b'] }],
    ['a value the sensor lost (NaN) never becomes the peak', [
      { atS: 0, title: 'n', roots: [alert(RULES.returnWarn, RACK, 53, T0)] },
      { atS: 10, title: 'n', roots: [alert(RULES.returnWarn, RACK, Number.NaN, T0)] },
    ], 20, { peak: { severity: 'warning', rule: 'rack-return-warning', entity: RACK, summary: RULES.returnWarn.summary, value: 53, text: '53.0 °C', atMs: T0 } }],
    ['the same alert firing twice is two members; a worse alert joining takes the peak', [
      { atS: 0, title: 'l', roots: [alert(RULES.returnWarn, RACK, 53, T0)] },
      { atS: 10, title: 'l', roots: [alert(RULES.returnWarn, RACK, Number.NaN, T0)] },
      { atS: 20, title: 'l', roots: [alert(RULES.leakWarn, RACK, 1, T0 + 20 * S)] },
      { atS: 30, title: 'l', roots: [alert(RULES.leakWarn, RACK, 1, T0 + 20 * S), alert(RULES.returnWarn, RACK, 52.4, T0 + 30 * S)] },
    ], 40, {
      peak: { severity: 'major', rule: 'rack-leak-warning', entity: RACK, summary: RULES.leakWarn.summary, value: 1, text: '', atMs: T0 + 20 * S },
      members: [
        { rule: 'rack-return-warning', entity: RACK, severity: 'warning', summary: RULES.returnWarn.summary, firedMs: T0, clearedMs: T0 + 20 * S },
        { rule: 'rack-leak-warning', entity: RACK, severity: 'major', summary: RULES.leakWarn.summary, firedMs: T0 + 20 * S, clearedMs: T0 + 40 * S },
        { rule: 'rack-return-warning', entity: RACK, severity: 'warning', summary: RULES.returnWarn.summary, firedMs: T0 + 30 * S, clearedMs: T0 + 40 * S },
      ],
    }],
    ['an acknowledgement and a silence are kept with who, when and why, each once', [
      { atS: 0, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)] },
      { atS: 40, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)], marks: { ack: ACK } },
      { atS: 50, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)], marks: { ack: ACK, silence: SILENCE } },
      { atS: 70, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)], marks: { ack: ACK, silence: SILENCE } },
      { atS: 80, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)], marks: { ack: ACK } },
    ], 90, {
      acks: [ACK],
      silences: [{ id: 'silence-1', matcher: 'row:h1-r01', by: 'olga', comment: 'cold plate service', endsMs: T0 + 3_600_000, fromMs: T0 + 50 * S, toMs: T0 + 70 * S }],
    }],
  ])('%s', (_name, rounds, resolveS, want) => {
    expect(play(rounds, resolveS)).toMatchObject(want);
  });

  it('keeps an acknowledgement first seen as the incident resolves', () => {
    const story = play([{ atS: 0, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)] }], 10, ACK);
    expect(story.acks).toEqual([ACK]);
  });

  it(`keeps the first ${STORY_MEMBER_LIMIT} members of a storm and counts the rest`, () => {
    const racks = Array.from({ length: STORY_MEMBER_LIMIT + 37 }, (_, k) => alert(RULES.returnWarn, `rack:r${k}`, 53, T0));
    const story = play([{ atS: 0, title: 's', roots: [], children: racks }, { atS: 10, title: 's', roots: [], children: racks.slice(0, 50) }], 20);
    expect(story.members).toHaveLength(STORY_MEMBER_LIMIT);
    expect(story.moreMembers).toBe(37);
    expect(story.members.filter((m) => m.clearedMs === T0 + 10 * S)).toHaveLength(STORY_MEMBER_LIMIT - 50);
  });

  it('opens a story late (an incident open before stories were kept) from the incident as it is then', () => {
    const inc = incidentOf({ atS: 0, title: 'late', roots: [alert(RULES.returnCrit, RACK, 57, T0)] });
    const story = advanceStory(openStory(inc, T0 + 600 * S), inc, { ack: null, silence: null }, T0 + 600 * S);
    expect(story).toMatchObject({ openingTitle: 'late', trackedFromMs: T0 + 600 * S, peak: { value: 57, text: '57.0 °C' } });
    expect(closeStory(story, null, T0 + 700 * S).members[0].clearedMs).toBe(T0 + 700 * S);
  });

  it('forgets the stories of incidents no longer open', () => {
    const stories = new IncidentStories();
    const inc = incidentOf({ atS: 0, title: 'a', roots: [alert(RULES.leakCrit, RACK, 2, T0)] });
    stories.advance('a', inc, { ack: null, silence: null }, T0);
    stories.advance('b', inc, { ack: null, silence: null }, T0);
    stories.retain(new Set(['b']));
    expect(Object.keys(stories.export())).toEqual(['b']);
  });
});

const goodStory = () => play([{ atS: 0, title: 'k', roots: [alert(RULES.leakCrit, RACK, 2, T0)], marks: { ack: ACK, silence: SILENCE } }], 10);

describe('storyProblem()', () => {
  it.each<[string, (s: any) => unknown, string | null]>([
    ['a story as kept', (s) => s, null],
    ['not an object', () => 'story', 'an object is required'],
    ['a title that is not text', (s) => ({ ...s, openingTitle: 7 }), 'openingTitle: a string is required'],
    ['an unknown severity', (s) => ({ ...s, lastSeverity: 'apocalyptic' }), 'lastSeverity: a severity is required'],
    ['a peak without a time', (s) => ({ ...s, peak: { ...s.peak, atMs: null } }), 'peak.atMs: a time in ms is required'],
    ['a peak value that is text', (s) => ({ ...s, peak: { ...s.peak, value: '62' } }), 'peak.value: a number or null is required'],
    ['roots that are not entities', (s) => ({ ...s, roots: [1] }), 'roots: a list of entities is required'],
    ['members missing', (s) => ({ ...s, members: undefined }), 'members: a list is required'],
    ['a member cleared at a bad time', (s) => ({ ...s, members: [{ ...s.members[0], clearedMs: 'soon' }] }), 'members[0]: clearedMs: a time in ms or null is required'],
    ['an acknowledgement without who', (s) => ({ ...s, acks: [{ atMs: T0, comment: 'x' }] }), 'acks[0]: by, atMs and comment are required'],
    ['a silence without its window', (s) => ({ ...s, silences: [{ ...s.silences[0], fromMs: undefined }] }), 'silences[0]: id, matcher, by, comment, endsMs, fromMs and toMs are required'],
  ])('%s → %s', (_name, edit, want) => {
    expect(storyProblem(edit(JSON.parse(JSON.stringify(goodStory()))))).toBe(want);
  });
});

/** A resolved incident as the server stores it. */
function resolved(story: IncidentStory | undefined, over: Partial<ResolvedIncident> = {}): ResolvedIncident {
  return {
    id: 'rack:h1-r01-k05', severity: story?.peak.severity ?? 'major', title: story?.openingTitle ?? 'h1-r01-k05: leak detector warning', startedMs: T0,
    scope: RACK, hallId: 'hall-1', racks: ['h1-r01-k05'], children: [],
    roots: [{ rule: 'rack-leak-warning', severity: 'major', entity: RACK, summary: RULES.leakWarn.summary, value: 1, phase: 'firing', firedAtMs: T0 + 5 * S, acknowledged: false }],
    resolvedMs: T0 + 90 * S, acknowledged: null, notified: true, ...(story ? { story } : {}), ...over,
  };
}

describe('the history as CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://evil")', '"\'=HYPERLINK(""http://evil"")"'],
    ['+1', "'+1"],
    ['-818 kW', "'-818 kW"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [-818, '-818'],
    [Number.NaN, ''],
    [true, 'true'],
    [null, ''],
  ])('writes %j as %s', (v, want) => {
    expect(csvCell(v)).toBe(want);
  });

  it('writes one row per incident under its opening title and peak, with the acknowledgement and silence, and old entries as they were', () => {
    const text = historyCsv([resolved(goodStory()), resolved(undefined)]);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(HISTORY_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    const row = (line: string) => Object.fromEntries(HISTORY_CSV_COLUMNS.map((c, k) => [c, line.split(',')[k]]));
    expect(row(lines[1])).toMatchObject({
      id: 'rack:h1-r01-k05', opening_title: 'k', peak_severity: 'critical', peak_value: '2', peak_entity: RACK, peak_at: '2026-11-24T10:00:00.000Z',
      root: RACK, started: '2026-11-24T10:00:00.000Z', resolved: '2026-11-24T10:01:30.000Z', duration_s: '90',
      acked_by: 'olga', ack_comment: 'tech on the way', silenced_by: 'olga (row:h1-r01)', silence_comment: 'cold plate service', notified: 'true', alerts: '1',
    });
    expect(row(lines[2])).toMatchObject({ opening_title: 'h1-r01-k05: leak detector warning', peak_severity: 'major', peak_value: '', root: RACK, acked_by: '' });
  });
});

describe('the history on the dashboard', () => {
  it('shows a kept story as it is, and reads one from an entry stored before stories were kept', () => {
    const story = goodStory();
    expect(storyOf(resolved(story))).toEqual({ ...story, partial: false });
    expect(storyOf(resolved(undefined, { acknowledged: ACK }))).toMatchObject({
      partial: true, openingTitle: 'h1-r01-k05: leak detector warning', peak: { severity: 'major', entity: RACK }, roots: [RACK], acks: [ACK],
      members: [{ rule: 'rack-leak-warning', firedMs: T0 + 5 * S, clearedMs: T0 + 90 * S }],
    });
  });

  it('lists members in the order they fired, a root first on a tie', () => {
    const m = (entity: string, firedMs: number) => ({ rule: 'r', entity, severity: 'major' as const, summary: '', firedMs, clearedMs: null });
    const story = { ...goodStory(), roots: [CDU], members: [m('rack:b', T0 + 5), m(RACK, T0), m(CDU, T0)] };
    expect(membersByTime(story).map((x) => x.entity)).toEqual([CDU, RACK, 'rack:b']);
  });

  it.each([[0, '+0 s'], [59_400, '+59 s'], [125_000, '+2 min 05 s'], [3_840_000, '+1 h 04 min'], [-5000, '+0 s']])('offset %d ms → %s', (ms, want) => {
    expect(offsetText(T0 + ms, T0)).toBe(want);
  });

  it.each<[string, Parameters<typeof incidentSpan>[0], Severity, string]>([
    ['a resolved incident with a story: its peak and opening title', resolved(goodStory(), { severity: 'major', title: 'at the end' }), 'critical', 'k'],
    ['an open incident: its peak so far and opening title', { ...resolved(undefined), severity: 'major', title: 'now', peakSeverity: 'critical', openingTitle: 'opened' }, 'critical', 'opened'],
    ['an entry from before stories: as it was stored', resolved(undefined), 'major', 'h1-r01-k05: leak detector warning'],
  ])('draws the chart band of %s', (_name, inc, severity, title) => {
    expect(incidentSpan(inc, T0 + 90 * S)).toMatchObject({ severity, title });
  });

  it('draws a resolved incident\'s band on every entity that was in it', () => {
    const story = play([
      { atS: 0, title: 'c', roots: [alert(RULES.tripped, CDU, 1, T0)], children: [alert(RULES.returnWarn, 'rack:h1-r01-k02', 53, T0)] },
      { atS: 10, title: 'c', roots: [alert(RULES.n1, CDU, -5, T0)] },
    ], 20);
    expect(incidentSpan(resolved(story), T0 + 20 * S).entities).toContain('rack:h1-r01-k02');
  });
});
