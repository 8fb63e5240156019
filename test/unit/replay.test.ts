import { describe, expect, it } from 'vitest';
import {
  MINUTE_MS, clampMinute, dataBeginsMs, oldestReachable, incidentTicks, msToNextMinute, newestMinuteWithData, playedMinute, replayWindow, spanHolding, stepMinutes,
} from '../../web/src/lib/replay.ts';
import { formatRoute, parseRoute, replayHref, type Route } from '../../web/src/lib/route.ts';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const min = (n: number) => T0 + n * MINUTE_MS;

describe('newestMinuteWithData()', () => {
  const cases: { name: string; ts: number[]; v: (number | null)[]; stepMs: number; nowMs: number; want: number | null }[] = [
    { name: 'no bucket with a value', ts: [min(0), min(1)], v: [null, null], stepMs: MINUTE_MS, nowMs: min(5), want: null },
    { name: 'empty series', ts: [], v: [], stepMs: MINUTE_MS, nowMs: min(5), want: null },
    { name: 'the last finished minute with a value', ts: [min(0), min(1), min(2)], v: [1, 2, null], stepMs: MINUTE_MS, nowMs: min(5), want: min(1) },
    { name: 'skips the minute under way when the one before has data', ts: [min(3), min(4)], v: [1, 2], stepMs: MINUTE_MS, nowMs: min(4) + 20_000, want: min(3) },
    { name: 'the minute under way when it is the only one with data', ts: [min(4)], v: [2], stepMs: MINUTE_MS, nowMs: min(4) + 20_000, want: min(4) },
    { name: 'the minute under way when the one before had none', ts: [min(2), min(4)], v: [1, 2], stepMs: MINUTE_MS, nowMs: min(4) + 5000, want: min(4) },
    { name: 'an old minute when data stopped long ago (server down)', ts: [min(0), min(1)], v: [1, 2], stepMs: MINUTE_MS, nowMs: min(600), want: min(1) },
    { name: '10 min buckets: the last minute of the newest finished one', ts: [min(0), min(10)], v: [1, 2], stepMs: 10 * MINUTE_MS, nowMs: min(30), want: min(19) },
    { name: '10 min buckets: the minute before the one under way', ts: [min(0), min(10)], v: [1, 2], stepMs: 10 * MINUTE_MS, nowMs: min(13) + 1000, want: min(12) },
    { name: 'NaN counts as no value', ts: [min(0), min(1)], v: [1, Number.NaN], stepMs: MINUTE_MS, nowMs: min(5), want: min(0) },
  ];
  it.each(cases)('$name', ({ ts, v, stepMs, nowMs, want }) => {
    expect(newestMinuteWithData(ts, v, stepMs, nowMs)).toBe(want);
  });
});

describe('dataBeginsMs(): where stored data begins within a series', () => {
  const cases: { name: string; ts: number[]; v: (number | null)[]; fromMs: number; stepMs: number; want: number | null }[] = [
    { name: 'data from the first bucket: nothing to hold at', ts: [min(0), min(1)], v: [1, 2], fromMs: min(0), stepMs: MINUTE_MS, want: null },
    { name: 'a server started 3 min ago', ts: [min(0), min(1), min(2), min(3)], v: [null, null, 5, 6], fromMs: min(0), stepMs: MINUTE_MS, want: min(2) },
    { name: 'only empty buckets', ts: [min(0)], v: [null], fromMs: min(0), stepMs: MINUTE_MS, want: null },
    { name: 'a series leaving out empty buckets', ts: [min(7), min(8)], v: [1, 1], fromMs: min(0), stepMs: MINUTE_MS, want: min(7) },
    { name: '6 min buckets', ts: [min(12)], v: [1], fromMs: min(0), stepMs: 6 * MINUTE_MS, want: min(12) },
  ];
  it.each(cases)('$name', ({ ts, v, fromMs, stepMs, want }) => {
    expect(dataBeginsMs(ts, v, fromMs, stepMs)).toBe(want);
  });
  it('oldestReachable() is the later of the window start and where data begins', () => {
    expect(oldestReachable(min(0), null)).toBe(min(0));
    expect(oldestReachable(min(0), min(7))).toBe(min(7));
    expect(oldestReachable(min(10), min(7))).toBe(min(10));
  });
});

describe('stepping and clamping', () => {
  const w = { minMs: min(0), maxMs: min(60) };
  const cases: { name: string; at: number; delta: number; want: number }[] = [
    { name: 'one minute on', at: min(30), delta: 1, want: min(31) },
    { name: 'one minute back', at: min(30), delta: -1, want: min(29) },
    { name: 'held at the newest end', at: min(60), delta: 1, want: min(60) },
    { name: 'held at the oldest end', at: min(0), delta: -1, want: min(0) },
    { name: 'a big step stops at the end', at: min(55), delta: 10, want: min(60) },
    { name: 'a moment inside a minute snaps to its start', at: min(30) + 42_000, delta: 0, want: min(30) },
  ];
  it.each(cases)('stepMinutes(): $name', ({ at, delta, want }) => {
    expect(stepMinutes(at, delta, w.minMs, w.maxMs)).toBe(want);
  });
  it('clampMinute() holds a moment before the window at its oldest minute and one after at its newest', () => {
    expect(clampMinute(min(-5), w.minMs, w.maxMs)).toBe(min(0));
    expect(clampMinute(min(99), w.minMs, w.maxMs)).toBe(min(60));
  });
  it('replayWindow() spans from the span before now to the minute under way', () => {
    expect(replayWindow(min(60) + 30_000, 3_600_000)).toEqual({ minMs: min(0), maxMs: min(60) });
  });
  it('spanHolding() picks the shortest span reaching back to the moment, the longest when none does', () => {
    const spans = [3_600_000, 21_600_000];
    expect(spanHolding(min(30), min(60), spans)).toBe(3_600_000);
    expect(spanHolding(min(-100), min(60), spans)).toBe(21_600_000);
    expect(spanHolding(min(-1000), min(60), spans)).toBe(21_600_000);
  });
});

describe('playedMinute(): the play clock', () => {
  const cases: { name: string; speed: number; realMs: number; maxMs: number; want: { atMs: number; ended: boolean } }[] = [
    { name: '1×: still the first minute after 59 s', speed: 1, realMs: 59_000, maxMs: min(60), want: { atMs: min(10), ended: false } },
    { name: '1×: the next minute after 60 s', speed: 1, realMs: 60_000, maxMs: min(60), want: { atMs: min(11), ended: false } },
    { name: '10×: a minute per 6 s', speed: 10, realMs: 18_000, maxMs: min(60), want: { atMs: min(13), ended: false } },
    { name: '60×: a minute per second', speed: 60, realMs: 5_500, maxMs: min(60), want: { atMs: min(15), ended: false } },
    { name: '60×: stops at the newest minute', speed: 60, realMs: 500_000, maxMs: min(60), want: { atMs: min(60), ended: true } },
    { name: 'no time passed', speed: 60, realMs: 0, maxMs: min(60), want: { atMs: min(10), ended: false } },
    { name: 'a clock running backwards counts as no time', speed: 60, realMs: -5000, maxMs: min(60), want: { atMs: min(10), ended: false } },
  ];
  it.each(cases)('$name', ({ speed, realMs, maxMs, want }) => {
    const start = 1_000_000;
    expect(playedMinute({ fromAtMs: min(10), startRealMs: start, speed }, start + realMs, maxMs)).toEqual(want);
  });
  it('msToNextMinute() waits for the rest of the replayed minute at the speed', () => {
    const clock = { fromAtMs: min(10), startRealMs: 0, speed: 10 };
    expect(msToNextMinute(clock, 0)).toBe(6000);
    expect(msToNextMinute(clock, 4000)).toBe(2000);
    expect(msToNextMinute({ ...clock, speed: 60 }, 250)).toBe(750);
  });
});

describe('incidentTicks()', () => {
  it('places incidents of the hall and across halls on the slider, once per incident and minute, oldest first', () => {
    const incidents = [
      { id: 'b', title: 'Tb', severity: 'critical' as const, startedMs: min(45) + 10_000, hallId: 'hall-1' },
      { id: 'a', title: 'Ta', severity: 'warning' as const, startedMs: min(15), hallId: null },
      { id: 'a', title: 'Ta', severity: 'warning' as const, startedMs: min(15) + 5000, hallId: null },
      { id: 'c', title: 'Tc', severity: 'critical' as const, startedMs: min(20), hallId: 'hall-2' },
      { id: 'd', title: 'Td', severity: 'warning' as const, startedMs: min(-20), hallId: 'hall-1' },
    ];
    expect(incidentTicks(incidents, 'hall-1', min(0), min(60))).toEqual([
      { id: 'a', title: 'Ta', severity: 'warning', atMs: min(15), frac: 0.25 },
      { id: 'b', title: 'Tb', severity: 'critical', atMs: min(45), frac: 0.75 },
    ]);
  });
});

describe('replay in the URL', () => {
  const cases: { name: string; hash: string; route: Route }[] = [
    { name: 'a replayed minute', hash: `#/hall/hall-1?replay=${min(5)}`, route: { hallId: 'hall-1', metric: null, rackId: null, replayAtMs: min(5) } },
    { name: 'with a metric and a rack', hash: `#/hall/hall-1?metric=power&rack=r1&replay=${min(5)}`, route: { hallId: 'hall-1', metric: 'power', rackId: 'r1', replayAtMs: min(5) } },
    { name: 'a live hall (no replay)', hash: '#/hall/hall-1?metric=dt', route: { hallId: 'hall-1', metric: 'dt', rackId: null } },
  ];
  it.each(cases)('parses and formats back $name', ({ hash, route }) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(formatRoute(route)).toBe(hash);
  });
  it('ignores a replay that is not epoch ms, and a replay on the site overview', () => {
    expect(parseRoute('#/hall/hall-1?replay=yesterday').replayAtMs).toBeUndefined();
    expect(parseRoute('#/hall/hall-1?replay=-5').replayAtMs).toBeUndefined();
    expect(parseRoute(`#/?replay=${min(5)}`).replayAtMs).toBeUndefined();
    expect(formatRoute({ hallId: null, metric: null, rackId: null, replayAtMs: min(5) })).toBe('#/');
  });
  it('replayHref() links to the minute holding a moment', () => {
    expect(replayHref('hall-1', min(7) + 33_000)).toBe(`#/hall/hall-1?replay=${min(7)}`);
    expect(parseRoute(replayHref('hall 2', min(7), 'power'))).toEqual({ hallId: 'hall 2', metric: 'power', rackId: null, replayAtMs: min(7) });
  });
});
