import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import { Rollup } from '../../server/history/rollup.ts';
import { floorStatements, hourStatement, minuteStatement, parseFloors, parseHour, parseMinute, type ResumeTarget } from '../../server/history/resume.ts';
import type { InfluxQueryResult, InfluxWriter } from '../../server/history/influx-writer.ts';

const H = 1_800_000_000_000; // an hour's start
const M = H + 30 * 60_000; // the current minute's start
const NOW = M + 20_000;

describe('Rollup.merge', () => {
  const cases: { name: string; merge: { count: number; mean: number; min: number; max: number }; before?: number[]; add: number[]; want: { count: number; mean: number; min: number; max: number } }[] = [
    { name: 'stored part, then samples: the mean weighed by counts, min and max across both', merge: { count: 20, mean: 110, min: 105, max: 115 }, add: [120, 120, 120, 120], want: { count: 24, mean: (110 * 20 + 480) / 24, min: 105, max: 120 } },
    { name: 'a stored peak stays the maximum', merge: { count: 1800, mean: 100, min: 90, max: 400 }, add: [150], want: { count: 1801, mean: (100 * 1800 + 150) / 1801, min: 90, max: 400 } },
    { name: 'merged into a window that already has samples (the hour read in the background)', merge: { count: 60, mean: 10, min: 5, max: 15 }, before: [20, 40], add: [], want: { count: 62, mean: (600 + 60) / 62, min: 5, max: 40 } },
    { name: 'a field with no stored samples starts from the new ones', merge: { count: 0, mean: Number.NaN, min: Number.NaN, max: Number.NaN }, add: [7, 9], want: { count: 2, mean: 8, min: 7, max: 9 } },
    { name: 'nothing added: the stored window as it was', merge: { count: 60, mean: 5, min: 1, max: 9 }, add: [], want: { count: 60, mean: 5, min: 1, max: 9 } },
  ];
  it.each(cases)('$name', ({ merge, before = [], add, want }) => {
    const r = new Rollup(60_000, 1);
    const a = (v: number) => Float64Array.of(v);
    before.forEach((v, k) => r.add(0, M + k * 1000, [v]));
    expect(r.merge(0, M + 1234, { count: a(merge.count), mean: a(merge.mean), min: a(merge.min), max: a(merge.max) }, NOW)).toBe(true);
    add.forEach((v, k) => expect(r.add(0, M + 20_000 + k * 1000, [v])).toBeNull());
    const [w] = r.closeBefore(Number.POSITIVE_INFINITY);
    expect(w.startMs).toBe(M);
    expect(w.count[0]).toBe(want.count);
    expect(w.mean[0]).toBeCloseTo(want.mean, 9);
    expect([w.min[0], w.max[0]]).toEqual([want.min, want.max]);
  });

  it('leaves out a sample older than the merged window', () => {
    const r = new Rollup(60_000, 1);
    r.merge(0, M, { count: [10], mean: [1], min: [1], max: [1] }, NOW);
    expect(r.add(0, M - 5000, [99])).toBeNull();
    expect(r.closeBefore(Number.POSITIVE_INFINITY)[0].max[0]).toBe(1);
  });

  it('adds nothing to a key whose open window is another one (the hour rolled over)', () => {
    const r = new Rollup(3_600_000, 1);
    r.add(0, H + 3_600_000 + 5000, [3]);
    expect(r.merge(0, H, { count: [10], mean: [1], min: [1], max: [100] }, NOW)).toBe(false);
    const [w] = r.closeBefore(Number.POSITIVE_INFINITY);
    expect([w.startMs, w.count[0], w.max[0]]).toEqual([H + 3_600_000, 1, 3]);
  });
});

const rackTarget: ResumeTarget = { measurement: 'rack', idTag: 'rack', fields: ['rack_kw', 'supply_c'], keyOf: (id) => ({ 'r-1': 0, 'r-2': 1 } as Record<string, number>)[id] };
const series = (id: string, columns: string[], values: (number | string | null)[][]) => ({ name: 'x', tags: { rack: id }, columns, values });

describe('parseFloors, parseMinute, parseHour', () => {
  it('reads where each entity\'s stored history ends; unknown IDs are left out', () => {
    const got = parseFloors(rackTarget, [
      { series: [series('r-1', ['time', 'last'], [[M, 110]]), series('r-2', ['time', 'last'], [[M - 120_000, 50]]), series('r-gone', ['time', 'last'], [[M, 1]])] },
      { series: [series('r-1', ['time', 'last'], [[M + 10_000, '0,1000,2000,9000']])] },
      { series: [series('r-1', ['time', 'last'], [[M - 60_000, '1,2']])] },
    ]);
    expect([...got.keys()].sort()).toEqual([0, 1]);
    expect(got.get(0)).toEqual({ lastMinuteMs: M, rawThroughMs: M + 19_000, lastGpuWindowMs: M - 60_000 });
    expect(got.get(1)).toEqual({ lastMinuteMs: M - 120_000, rawThroughMs: Number.NaN, lastGpuWindowMs: Number.NaN });
  });

  it('reads the stopped minute; one without a sample count cannot be weighed and is left out', () => {
    const got = parseMinute(rackTarget, [{ series: [
      series('r-1', ['time', 'hall', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'samples', 'supply_c_mean'], [[M, 'h1', 110, 105, 115, 20, 40.5]]),
      series('r-2', ['time', 'rack_kw_mean'], [[M, 50]]),
    ] }]);
    expect([...got.keys()]).toEqual([0]);
    const w = got.get(0)!;
    expect(Array.from(w.count)).toEqual([20, 20]);
    expect(Array.from(w.mean)).toEqual([110, 40.5]);
    // supply_c_min/max were not in the row.
    expect(Number.isNaN(w.min[1])).toBe(true);
  });

  it('reads the hour\'s stored minutes merged: the total sample count for every field that has a mean', () => {
    const cols = ['time', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'supply_c_mean', 'supply_c_min', 'supply_c_max', 'samples'];
    const got = parseHour(rackTarget, [{ series: [
      series('r-1', cols, [[H, 100, 90, 400, 40, 39, 41, 1800]]),
      series('r-2', cols, [[H, 50, 50, 50, null, null, null, 600]]),
      // Only minutes written before sample counts were stored: nothing to weigh.
      series('r-gone', cols, [[H, 1, 1, 1, 1, 1, 1, null]]),
    ] }]);
    expect([...got.keys()].sort()).toEqual([0, 1]);
    expect(Array.from(got.get(0)!.count)).toEqual([1800, 1800]);
    expect(Array.from(got.get(0)!.max)).toEqual([400, 41]);
    expect(Array.from(got.get(1)!.count)).toEqual([600, 0]);
  });

  it('asks for the newest minute, block and GPU window; the current minute; the hour up to it', () => {
    const q = floorStatements(rackTarget, NOW);
    expect(q).toHaveLength(3);
    expect(q[1]).toContain('"raw"."rack_block"');
    expect(q[2]).toContain('"raw"."gpu"');
    expect(floorStatements({ ...rackTarget, measurement: 'cdu', idTag: 'cdu' }, NOW)).toHaveLength(2);
    expect(minuteStatement(rackTarget, NOW)).toContain(`time >= ${M}ms AND time < ${M + 60_000}ms`);
    expect(hourStatement(rackTarget, NOW)).toContain(`time >= ${H}ms AND time < ${M}ms`);
  });
});

describe('Recorder.resume', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
  const rackId = site.racks[0].id;
  const rack = (columns: string[], values: (number | string | null)[][]) => ({ series: [{ name: 'x', tags: { rack: rackId }, columns, values }] });
  const none = { series: [] };
  /** The hour's stored minutes before the current one: mean 100 over 1,800 samples, a 400 kW peak. */
  const storedHour = [rack(['time', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'samples'], [[H, 100, 90, 400, 1800]])];

  /** A recorder resumed from `floors`, `minute` and `hour` (rack answers; none for CDUs and totals), its lines, and a way to feed rack 0. */
  async function resumed(floors: InfluxQueryResult['results'], minute: InfluxQueryResult['results'], hour: InfluxQueryResult['results'], beforeAnswer?: (feed: (tsMs: number, rackKw: number) => void) => void) {
    const state = new LiveState(site, 3000);
    const lines: string[] = [];
    const writer = { write: (_rp: string, ls: string[]) => lines.push(...ls) } as unknown as InfluxWriter;
    let clockMs = NOW;
    const rec = new Recorder(state, writer, new MemoryWindow(60), () => clockMs, 60_000, 10_000);
    const queries: string[] = [];
    const query = async (q: string) => {
      queries.push(q);
      if (!q.includes('"rack_1m"')) return { results: [] };
      return { results: q.startsWith('SELECT mean(') ? hour : q.startsWith('SELECT *') ? minute : floors };
    };
    const feed = (tsMs: number, rackKw: number) => {
      clockMs = Math.max(clockMs, tsMs);
      state.applyRack(0, { ts: tsMs, rackKw, supplyC: 40, returnC: 48, flowLpm: 182 }, clockMs);
    };
    await rec.resume(query);
    rec.start();
    beforeAnswer?.(feed);
    // The minute and hour as main.ts reads them, after the start.
    const stopped = await rec.resumeStopped(query);
    expect(queries).toHaveLength(9);
    const rollup = (measurement: string, atMs: number) => lines.find((l) => l.startsWith(`${measurement},`) && l.includes(`rack=${rackId}`) && l.endsWith(` ${atMs}`));
    const field = (line: string | undefined, name: string) => Number(new RegExp(`[ ,]${name}=([^, ]+)`).exec(line ?? '')?.[1]);
    const rawTimes = () => lines.filter((l) => l.startsWith('rack_block,') && l.includes(`rack=${rackId}`)).flatMap((l) => {
      const start = Number(l.slice(l.lastIndexOf(' ') + 1));
      return /ts_ms="([^"]*)"/.exec(l)![1].split(',').map((o) => start + Number(o));
    });
    return { rec, feed, rollup, field, rawTimes, stopped };
  }

  it('after a clean stop: the minute and hour go on from what was stored, and a replayed sample is stored once', async () => {
    const r = await resumed([
      rack(['time', 'last'], [[M, 110]]),
      rack(['time', 'last'], [[M + 10_000, '0,9000']]),
      none,
    ], [rack(['time', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'samples'], [[M, 110, 105, 115, 20]])], storedHour);
    r.feed(M + 15_000, 999); // replayed: stored raw and in the stored minute already
    for (let s = 20; s < 60; s++) r.feed(M + s * 1000, 120);
    r.rec.stop();
    expect(r.rawTimes()).not.toContain(M + 15_000);
    expect(r.rawTimes()).toContain(M + 20_000);
    const minute = r.rollup('rack_1m', M);
    expect(r.field(minute, 'rack_kw_mean')).toBeCloseTo((110 * 20 + 120 * 40) / 60, 3);
    expect([r.field(minute, 'rack_kw_min'), r.field(minute, 'rack_kw_max'), r.field(minute, 'samples')]).toEqual([105, 120, 60]);
    const hour = r.rollup('rack_1h', H);
    expect(r.field(hour, 'rack_kw_mean')).toBeCloseTo((100 * 1800 + ((110 * 20 + 120 * 40) / 60) * 60) / 1860, 3);
    expect([r.field(hour, 'rack_kw_min'), r.field(hour, 'rack_kw_max'), r.field(hour, 'samples')]).toEqual([90, 400, 1860]);
  });

  it('after a crash: a stored minute is not rewritten; the minute open at the crash is rebuilt from the replay but left out of the hour', async () => {
    const r = await resumed([
      rack(['time', 'last'], [[M - 120_000, 100]]), // the minute before last was stored; the last one was open
      rack(['time', 'last'], [[M - 60_000, '0,9000']]), // raw through M − 51 s
      none,
    ], [none], storedHour);
    r.feed(M - 125_000, 777); // replayed, in a stored minute: neither raw nor rollup again
    for (let s = 60; s > 0; s--) r.feed(M - s * 1000, 130); // replayed, the minute open at the crash
    for (let s = 0; s < 10; s++) r.feed(M + s * 1000, 140);
    r.rec.stop();
    expect(r.rollup('rack_1m', M - 120_000)).toBeUndefined();
    expect(r.rawTimes().filter((t) => t <= M - 51_000)).toEqual([]);
    expect(r.rawTimes()).toContain(M - 50_000);
    const open = r.rollup('rack_1m', M - 60_000);
    expect([r.field(open, 'rack_kw_mean'), r.field(open, 'samples')]).toEqual([130, 60]);
    const minute = r.rollup('rack_1m', M);
    expect([r.field(minute, 'rack_kw_mean'), r.field(minute, 'samples')]).toEqual([140, 10]);
    // The stored minutes (read back) and this run's minutes from the one it resumed in.
    const hour = r.rollup('rack_1h', H);
    expect([r.field(hour, 'rack_kw_max'), r.field(hour, 'samples')]).toEqual([400, 1810]);
    expect(r.field(hour, 'rack_kw_mean')).toBeCloseTo((100 * 1800 + 140 * 10) / 1810, 6);
  });

  it('counts a stopped minute whose answer came after the minute ended as missed, and adds nothing to the next', async () => {
    const r = await resumed([rack(['time', 'last'], [[M, 110]]), none, none], [rack(['time', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'samples'], [[M, 110, 105, 115, 20]])], [none], (feed) => {
      feed(M + 59_000, 120);
      feed(M + 60_000, 130); // minute M closes before the answer
    });
    expect(r.stopped.find((x) => x.kind === 'rack')).toEqual({ kind: 'rack', minutes: 0, hours: 0, missed: 1 });
    r.rec.stop();
    expect([r.field(r.rollup('rack_1m', M + 60_000), 'samples'), r.field(r.rollup('rack_1m', M + 60_000), 'rack_kw_max')]).toEqual([1, 130]);
  });

  it('with nothing stored, records as before', async () => {
    const r = await resumed([none, none, none], [none], [none]);
    for (let s = 0; s < 5; s++) r.feed(M + s * 1000, 100 + s);
    r.rec.stop();
    expect(r.rawTimes()).toHaveLength(5);
    const hour = r.rollup('rack_1h', H);
    expect([r.field(hour, 'rack_kw_mean'), r.field(hour, 'rack_kw_max'), r.field(hour, 'samples')]).toEqual([102, 104, 5]);
  });
});
