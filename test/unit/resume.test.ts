import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import { Rollup } from '../../server/history/rollup.ts';
import { parseResume, resumeStatements, type ResumeTarget } from '../../server/history/resume.ts';
import type { InfluxQueryResult, InfluxWriter } from '../../server/history/influx-writer.ts';

const H = 1_800_000_000_000; // an hour's start
const M = H + 30 * 60_000; // the current minute's start
const NOW = M + 20_000;

describe('Rollup.seed', () => {
  const cases: { name: string; seed: { count: number; mean: number; min: number; max: number }; add: number[]; want: { count: number; mean: number; min: number; max: number } }[] = [
    { name: 'stored part, then samples: the mean weighed by counts, min and max across both', seed: { count: 20, mean: 110, min: 105, max: 115 }, add: [120, 120, 120, 120], want: { count: 24, mean: (110 * 20 + 480) / 24, min: 105, max: 120 } },
    { name: 'a stored peak stays the maximum', seed: { count: 1800, mean: 100, min: 90, max: 400 }, add: [150], want: { count: 1801, mean: (100 * 1800 + 150) / 1801, min: 90, max: 400 } },
    { name: 'a field with no stored samples starts from the new ones', seed: { count: 0, mean: Number.NaN, min: Number.NaN, max: Number.NaN }, add: [7, 9], want: { count: 2, mean: 8, min: 7, max: 9 } },
    { name: 'nothing added: the stored window as it was', seed: { count: 60, mean: 5, min: 1, max: 9 }, add: [], want: { count: 60, mean: 5, min: 1, max: 9 } },
  ];
  it.each(cases)('$name', ({ seed, add, want }) => {
    const r = new Rollup(60_000, 1);
    const a = (v: number) => Float64Array.of(v);
    r.seed(0, M + 1234, { count: a(seed.count), mean: a(seed.mean), min: a(seed.min), max: a(seed.max) }, NOW);
    add.forEach((v, k) => expect(r.add(0, M + 20_000 + k * 1000, [v])).toBeNull());
    const [w] = r.closeBefore(Number.POSITIVE_INFINITY);
    expect(w.startMs).toBe(M);
    expect(w.count[0]).toBe(want.count);
    expect(w.mean[0]).toBeCloseTo(want.mean, 9);
    expect([w.min[0], w.max[0]]).toEqual([want.min, want.max]);
  });

  it('leaves out a sample older than the seeded window', () => {
    const r = new Rollup(60_000, 1);
    r.seed(0, M, { count: [10], mean: [1], min: [1], max: [1] }, NOW);
    expect(r.add(0, M - 5000, [99])).toBeNull();
    expect(r.closeBefore(Number.POSITIVE_INFINITY)[0].max[0]).toBe(1);
  });
});

const rackTarget: ResumeTarget = { measurement: 'rack', idTag: 'rack', fields: ['rack_kw', 'supply_c'], keyOf: (id) => ({ 'r-1': 0, 'r-2': 1 } as Record<string, number>)[id] };
const series = (id: string, columns: string[], values: (number | string | null)[][]) => ({ name: 'x', tags: { rack: id }, columns, values });

describe('parseResume', () => {
  it('reads the current hour, the stopped minute and the floors per entity; unknown IDs are left out', () => {
    const hourCols = ['time', 'rack_kw_w', 'rack_kw_n', 'rack_kw_min', 'rack_kw_max', 'supply_c_w', 'supply_c_n', 'supply_c_min', 'supply_c_max'];
    const results: InfluxQueryResult['results'] = [
      { series: [
        series('r-1', hourCols, [[H, 100 * 1800, 1800, 90, 400, 40 * 1800, 1800, 39, 41]]),
        // supply_c in none of the stored minutes.
        series('r-2', hourCols, [[H, 50 * 600, 600, 50, 50, null, null, null, null]]),
        series('r-gone', hourCols, [[H, 60, 60, 1, 1, 60, 60, 1, 1]]),
      ] },
      { series: [
        series('r-1', ['time', 'hall', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'samples', 'supply_c_mean'], [[M, 'h1', 110, 105, 115, 20, 40.5]]),
        // No sample count: the minute cannot be weighed and is not resumed.
        series('r-2', ['time', 'rack_kw_mean'], [[M, 50]]),
      ] },
      { series: [series('r-1', ['time', 'last'], [[M, 110]]), series('r-2', ['time', 'last'], [[M - 120_000, 50]])] },
      { series: [series('r-1', ['time', 'last'], [[M + 10_000, '0,1000,2000,9000']])] },
      { series: [series('r-1', ['time', 'last'], [[M - 60_000, '1,2']])] },
    ];
    const got = parseResume(rackTarget, results);
    expect([...got.keys()].sort()).toEqual([0, 1]);
    const r1 = got.get(0)!;
    expect(Array.from(r1.hour!.count)).toEqual([1800, 1800]);
    expect(Array.from(r1.hour!.mean)).toEqual([100, 40]);
    expect(Array.from(r1.hour!.max)).toEqual([400, 41]);
    expect(Array.from(r1.minute!.count)).toEqual([20, 20]);
    expect(Array.from(r1.minute!.mean)).toEqual([110, 40.5]);
    // supply_c_min/max were not in the stopped minute's row.
    expect(Number.isNaN(r1.minute!.min[1])).toBe(true);
    expect([r1.lastMinuteMs, r1.rawThroughMs, r1.lastGpuWindowMs]).toEqual([M, M + 19_000, M - 60_000]);
    const r2 = got.get(1)!;
    expect(Array.from(r2.hour!.count)).toEqual([600, 0]);
    expect(r2.hour!.mean[0]).toBe(50);
    expect(r2.minute).toBeNull();
    expect(r2.lastMinuteMs).toBe(M - 120_000);
    expect(Number.isNaN(r2.rawThroughMs)).toBe(true);
  });

  it('asks for the hour up to the current minute, that minute, and the newest minute, block and GPU window', () => {
    const q = resumeStatements(rackTarget, NOW);
    expect(q).toHaveLength(5);
    expect(q[0]).toContain(`time >= ${H}ms AND time < ${M}ms`);
    expect(q[1]).toContain(`time >= ${M}ms AND time < ${M + 60_000}ms`);
    expect(q[3]).toContain('"raw"."rack_block"');
    expect(q[4]).toContain('"raw"."gpu"');
    expect(resumeStatements({ ...rackTarget, measurement: 'cdu', idTag: 'cdu' }, NOW)).toHaveLength(4);
  });
});

describe('Recorder.resume', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
  const rackId = site.racks[0].id;
  const hourCols = ['time', 'rack_kw_w', 'rack_kw_n', 'rack_kw_min', 'rack_kw_max'];
  const minuteCols = ['time', 'rack_kw_mean', 'rack_kw_min', 'rack_kw_max', 'samples'];

  /** A recorder resumed from `results` (rack statements; none for CDUs and totals), its lines, and a way to feed rack 0. */
  async function resumed(results: InfluxQueryResult['results']) {
    const state = new LiveState(site, 3000);
    const lines: string[] = [];
    const writer = { write: (_rp: string, ls: string[]) => lines.push(...ls) } as unknown as InfluxWriter;
    let clockMs = NOW;
    const rec = new Recorder(state, writer, new MemoryWindow(60), () => clockMs, 60_000, 10_000);
    const queries: string[] = [];
    await rec.resume(async (q) => {
      queries.push(q);
      return { results: q.includes('"rack_1m"') ? results : [] };
    });
    expect(queries).toHaveLength(3);
    rec.start();
    const feed = (tsMs: number, rackKw: number) => {
      clockMs = Math.max(clockMs, tsMs);
      state.applyRack(0, { ts: tsMs, rackKw, supplyC: 40, returnC: 48, flowLpm: 182 }, clockMs);
    };
    const rollup = (measurement: string, atMs: number) => lines.find((l) => l.startsWith(`${measurement},`) && l.includes(`rack=${rackId}`) && l.endsWith(` ${atMs}`));
    const field = (line: string | undefined, name: string) => Number(new RegExp(`[ ,]${name}=([^, ]+)`).exec(line ?? '')?.[1]);
    const rawTimes = () => lines.filter((l) => l.startsWith('rack_block,') && l.includes(`rack=${rackId}`)).flatMap((l) => {
      const start = Number(l.slice(l.lastIndexOf(' ') + 1));
      return /ts_ms="([^"]*)"/.exec(l)![1].split(',').map((o) => start + Number(o));
    });
    return { rec, feed, rollup, field, rawTimes };
  }

  it('after a clean stop: the minute and hour go on from what was stored, and a replayed sample is stored once', async () => {
    const r = await resumed([
      { series: [{ name: 'rack_1m', tags: { rack: rackId }, columns: hourCols, values: [[H, 100 * 1800, 1800, 90, 400]] }] },
      { series: [{ name: 'rack_1m', tags: { rack: rackId }, columns: minuteCols, values: [[M, 110, 105, 115, 20]] }] },
      { series: [{ name: 'rack_1m', tags: { rack: rackId }, columns: ['time', 'last'], values: [[M, 110]] }] },
      { series: [{ name: 'rack_block', tags: { rack: rackId }, columns: ['time', 'last'], values: [[M + 10_000, '0,9000']] }] },
      { series: [] },
    ]);
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

  it('after a crash: a stored minute is not rewritten from replayed samples; the unstored minute keeps them', async () => {
    const r = await resumed([
      { series: [{ name: 'rack_1m', tags: { rack: rackId }, columns: hourCols, values: [[H, 100 * 1800, 1800, 90, 400]] }] },
      { series: [] },
      { series: [{ name: 'rack_1m', tags: { rack: rackId }, columns: ['time', 'last'], values: [[M - 60_000, 100]] }] },
      { series: [{ name: 'rack_block', tags: { rack: rackId }, columns: ['time', 'last'], values: [[M, '0,9000']] }] },
      { series: [] },
    ]);
    r.feed(M - 5000, 777); // in the stored minute before: neither raw nor rollup again
    for (let s = 0; s < 10; s++) r.feed(M + s * 1000, 130); // stored raw, but their minute was not
    for (let s = 10; s < 20; s++) r.feed(M + s * 1000, 140);
    r.rec.stop();
    expect(r.rollup('rack_1m', M - 60_000)).toBeUndefined();
    expect(r.rawTimes().filter((t) => t <= M + 9000)).toEqual([]);
    expect(r.rawTimes()).toContain(M + 10_000);
    const minute = r.rollup('rack_1m', M);
    expect([r.field(minute, 'rack_kw_mean'), r.field(minute, 'samples')]).toEqual([135, 20]);
    const hour = r.rollup('rack_1h', H);
    expect([r.field(hour, 'rack_kw_max'), r.field(hour, 'samples')]).toEqual([400, 1820]);
  });

  it('with nothing stored, records as before', async () => {
    const r = await resumed([{ series: [] }, { series: [] }, { series: [] }, { series: [] }, { series: [] }]);
    for (let s = 0; s < 5; s++) r.feed(M + s * 1000, 100 + s);
    r.rec.stop();
    expect(r.rawTimes()).toHaveLength(5);
    const hour = r.rollup('rack_1h', H);
    expect([r.field(hour, 'rack_kw_mean'), r.field(hour, 'rack_kw_max'), r.field(hour, 'samples')]).toEqual([102, 104, 5]);
  });
});
