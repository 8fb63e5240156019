import { describe, expect, it } from 'vitest';
import { TelemetryDelay, type DelayKind, type StaleVerdict } from '../../server/state/telemetry-delay.ts';

/**
 * Hall 0: racks 0–219 and CDUs 0–39 (260 entities, as a reference hall: a burst is the site's
 * 20); hall 1: racks 220–239 and CDUs 40–43 (24 entities: a tenth of them, 3, is a burst there).
 */
const places = {
  rackHall: Array.from({ length: 240 }, (_, i) => (i < 220 ? 0 : 1)),
  cduHall: Array.from({ length: 44 }, (_, j) => (j < 40 ? 0 : 1)),
  halls: 2,
};
const WINDOW_MS = 3000;

type Ev = [atMs: number, what: 'stale' | 'back', kind: DelayKind, i: number];
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
const stale = (atMs: number, kind: DelayKind, ids: number[]): Ev[] => ids.map((i) => [atMs, 'stale', kind, i]);
const back = (atMs: number, kind: DelayKind, ids: number[]): Ev[] => ids.map((i) => [atMs, 'back', kind, i]);

/** The events applied on a 100 ms refresh clock up to `untilMs` (each entity's last sample 3 s before its stale mark). */
function run(events: Ev[], untilMs: number): TelemetryDelay {
  const d = new TelemetryDelay(places, WINDOW_MS);
  const evs = [...events].sort((a, b) => a[0] - b[0]);
  let k = 0;
  for (let t = 0; t <= untilMs; t += 100) {
    for (; k < evs.length && evs[k][0] <= t; k++) {
      const [atMs, what, kind, i] = evs[k];
      if (what === 'stale') d.wentStale(kind, i, atMs, atMs - 3000);
      else d.leftStale(kind, i);
    }
    d.update(t);
  }
  return d;
}

describe('TelemetryDelay: when stale marks are one delay', () => {
  it.each<[string, Ev[], number, { open: boolean; racks?: number; cdus?: number; halls?: number[] }]>([
    ['19 racks of a 260-entity hall within a second: one group\'s worth, no delay', stale(1000, 'rack', range(0, 19)), 2000, { open: false }],
    ['20 racks of it within a second: a delay', stale(1000, 'rack', range(0, 20)), 2000, { open: true, racks: 20, cdus: 0, halls: [0] }],
    ['10 racks and 10 CDUs within a second: a delay', [...stale(1000, 'rack', range(0, 10)), ...stale(1500, 'cdu', range(0, 10))], 2000,
      { open: true, racks: 10, cdus: 10, halls: [0] }],
    ['20 racks spread over 2.9 s: a delay', range(0, 20).flatMap((i) => stale(1000 + i * 150, 'rack', [i])), 4000, { open: true, racks: 20 }],
    ['20 racks one every 2 s: each its own', range(0, 20).flatMap((i) => stale(1000 + i * 2000, 'rack', [i])), 42_000, { open: false }],
    ['12 racks of hall 0 and 8 of hall 1 together: a delay over both halls', [...stale(1000, 'rack', range(0, 12)), ...stale(1200, 'rack', range(220, 8))], 2000,
      { open: true, racks: 20, halls: [0, 1] }],
    ['3 of the 24 entities of hall 1 within a second: a tenth of the hall, a delay', [...stale(1000, 'rack', [220, 221]), ...stale(1400, 'cdu', [40])], 2000,
      { open: true, racks: 2, cdus: 1, halls: [1] }],
    ['2 of them: no delay', stale(1000, 'rack', [220, 221]), 2000, { open: false }],
    ['3 racks of the big hall: no delay', stale(1000, 'rack', [0, 1, 2]), 2000, { open: false }],
    ['20 racks that came back before the 20th went stale: no delay', [...stale(1000, 'rack', range(0, 19)), ...back(1500, 'rack', range(0, 19)), ...stale(1600, 'rack', [19])], 2000,
      { open: false }],
  ])('%s', (_what, events, atMs, want) => {
    const e = run(events, atMs).current(atMs);
    expect(e !== null).toBe(want.open);
    if (!e) return;
    if (want.racks !== undefined) expect(e.racks).toBe(want.racks);
    if (want.cdus !== undefined) expect(e.cdus).toBe(want.cdus);
    if (want.halls) expect(e.halls).toEqual(want.halls);
  });
});

describe('TelemetryDelay: what an entity\'s stale mark means', () => {
  const delay = stale(10_000, 'rack', range(0, 30));
  it.each<[string, Ev[], number, [DelayKind, number], StaleVerdict]>([
    ['a rack not stale', delay, 12_000, ['rack', 100], 'live'],
    ['a rack of the delay', delay, 12_000, ['rack', 3], 'delayed'],
    ['a rack of the delayed hall going stale 20 s into it', [...delay, ...stale(30_000, 'rack', [100])], 30_500, ['rack', 100], 'delayed'],
    ['a CDU of the delayed hall going stale 20 s into it', [...delay, ...stale(30_000, 'cdu', [5])], 30_500, ['cdu', 5], 'delayed'],
    ['a rack of another hall going stale alone during it: not yet told', [...delay, ...stale(30_000, 'rack', [230])], 30_500, ['rack', 230], 'undecided'],
    ['…and 3 s later: stale on its own', [...delay, ...stale(30_000, 'rack', [230])], 33_000, ['rack', 230], 'stale'],
    ['a rack stale 5 s before the delay: stale on its own', [...stale(5000, 'rack', [100]), ...delay], 12_000, ['rack', 100], 'stale'],
    ['a rack stale 2 s before the delay: part of it', [...stale(8000, 'rack', [100]), ...delay], 12_000, ['rack', 100], 'delayed'],
    ['a lone stale rack, 2.9 s after: not yet told', stale(10_000, 'rack', [7]), 12_900, ['rack', 7], 'undecided'],
    ['a lone stale rack, 3 s after: stale', stale(10_000, 'rack', [7]), 13_000, ['rack', 7], 'stale'],
    ['the delay over but for one rack: still delayed while the last samples may arrive',
      [...delay, ...back(20_000, 'rack', range(1, 29))], 22_900, ['rack', 0], 'delayed'],
    ['…then stale on its own: a dead rack', [...delay, ...back(20_000, 'rack', range(1, 29))], 23_100, ['rack', 0], 'stale'],
    ['a rack of the delay back, then stale again after it ended: its own silence',
      [...delay, ...back(20_000, 'rack', range(0, 30)), ...stale(40_000, 'rack', [4])], 43_000, ['rack', 4], 'stale'],
  ])('%s', (_what, events, atMs, [kind, i], want) => {
    expect(run(events, atMs).verdict(kind, i, atMs)).toBe(want);
  });

  it('ends the delay once what is still stale would make no burst, for the rest of its window', () => {
    const events = [...delay, ...back(20_000, 'rack', range(0, 11))];
    // 19 racks still stale: no burst; the episode ends 3 s later.
    expect(run(events, 22_900).current(22_900)).not.toBeNull();
    expect(run(events, 23_000).current(23_000)).toBeNull();
    // More racks of its hall going stale meanwhile keep it open.
    expect(run([...events, ...stale(21_000, 'rack', [140])], 23_000).current(23_000)).toMatchObject({ racks: 31, racksStale: 20 });
  });

  it('tells how many went stale, how many still are and the oldest sample of those', () => {
    const d = run([...delay, ...stale(10_500, 'cdu', range(0, 4)), ...back(14_000, 'rack', range(20, 10))], 15_000);
    // Last samples 3 s before the marks: the racks' at 7 s, the CDUs' at 7.5 s.
    expect(d.current(15_000)).toEqual({ sinceMs: 10_000, racks: 30, cdus: 4, racksStale: 20, cdusStale: 4, halls: [0], oldestSampleAgeMs: 8000 });
  });
});
