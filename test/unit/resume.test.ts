import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import { floorStatements, parseFloors, type ResumeTarget } from '../../server/history/resume.ts';
import type { InfluxQueryResult } from '../../server/history/influx-client.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';

const H = 1_800_000_000_000; // an hour's start
const M = H + 30 * 60_000; // the current minute's start
const NOW = M + 20_000;

const rackKeys: Record<string, number> = { 'r-1': 0, 'r-2': 1 };
const rackTarget: ResumeTarget = { measurement: 'rack', idTag: 'rack', fields: ['rack_kw', 'supply_c'], keyOf: (id) => rackKeys[id] };
const series = (id: string, columns: string[], values: (number | string | null)[][]) => ({ name: 'x', tags: { rack: id }, columns, values });

describe('parseFloors', () => {
  it('reads where each entity\'s stored history ends; unknown IDs are left out', () => {
    const got = parseFloors(rackTarget, [
      {
        series: [
          series('r-1', ['time', 'last'], [[M, 110]]), series('r-2', ['time', 'last'], [[M - 120_000, 50]]), series('r-gone', ['time', 'last'], [[M, 1]]),
        ],
      },
      { series: [series('r-1', ['time', 'last'], [[M + 10_000, '0,1000,2000,9000']])] },
      { series: [series('r-1', ['time', 'last'], [[M - 60_000, '1,2']])] },
    ]);
    expect([...got.keys()].sort()).toEqual([0, 1]);
    expect(got.get(0)).toEqual({ lastMinuteMs: M, rawThroughMs: M + 19_000, lastGpuWindowMs: M - 60_000 });
    expect(got.get(1)).toEqual({ lastMinuteMs: M - 120_000, rawThroughMs: Number.NaN, lastGpuWindowMs: Number.NaN });
  });

  it('asks for the newest minute, raw block and GPU window per entity (GPU windows for racks only)', () => {
    const q = floorStatements(rackTarget, NOW);
    expect(q).toHaveLength(3);
    expect(q[0]).toContain('"m1"."rack_1m"');
    expect(q[1]).toContain('"raw"."rack_block"');
    expect(q[2]).toContain('"raw"."gpu"');
    expect(floorStatements({ ...rackTarget, measurement: 'cdu', idTag: 'cdu' }, NOW)).toHaveLength(2);
  });
});

describe('resume with the raw tier as points', () => {
  const pointsTarget: ResumeTarget = { ...rackTarget, rawFormat: 'points' };

  it('also asks for each entity\'s newest raw point, read backwards', () => {
    const q = floorStatements(pointsTarget, NOW);
    expect(q).toHaveLength(4);
    expect(q[1]).toContain('"raw"."rack_block"');
    expect(q[3]).toBe(`SELECT "rack_kw" FROM "raw"."rack" WHERE time >= ${NOW - 7_200_000}ms GROUP BY "rack" ORDER BY time DESC LIMIT 1`);
    const cdu = floorStatements({ ...pointsTarget, measurement: 'cdu', idTag: 'cdu', fields: ['supply_c'] }, NOW);
    expect(cdu).toHaveLength(3);
    expect(cdu[2]).toContain('SELECT "supply_c" FROM "raw"."cdu"');
  });

  it.each([
    { name: 'points only', blocks: [], points: [[M + 15_000, 120]], rawThroughMs: M + 15_000 },
    { name: 'points newer than the blocks before a switch', blocks: [[M - 20_000, '0,9000']], points: [[M + 15_000, 120]], rawThroughMs: M + 15_000 },
    { name: 'blocks only (nothing written since the switch)', blocks: [[M - 20_000, '0,9000']], points: [], rawThroughMs: M - 11_000 },
  ])('stored raw history ends at the newest sample: $name', ({ blocks, points, rawThroughMs }) => {
    const got = parseFloors(pointsTarget, [
      { series: [] },
      { series: blocks.length ? [series('r-1', ['time', 'last'], blocks)] : [] },
      { series: [] },
      { series: points.length ? [series('r-1', ['time', 'rack_kw'], points)] : [] },
    ]);
    expect(got.get(0)?.rawThroughMs).toBe(rawThroughMs);
  });

  it('with blocks, late points are not read: one may be newer than samples a crash lost in an open block', () => {
    const got = parseFloors(rackTarget, [{ series: [] }, { series: [series('r-1', ['time', 'last'], [[M, '0,1000']])] }, { series: [] }, { series: [series('r-1', ['time', 'rack_kw'], [[M + 9000, 1]])] }]);
    expect(got.get(0)?.rawThroughMs).toBe(M + 1000);
  });
});

describe('Recorder.resume', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
  const rackId = site.racks[0].id;
  const rack = (columns: string[], values: (number | string | null)[][]) => ({ series: [{ name: 'x', tags: { rack: rackId }, columns, values }] });
  const none = { series: [] };

  /** A recorder resumed from `floors` (rack answers; none for CDUs and totals), its lines, and a way to feed rack 0. */
  async function resumed(floors: InfluxQueryResult['results']) {
    const state = new LiveState(site, 3000);
    const lines: string[] = [];
    const writer = { write: (_rp: string, ls: string[]) => lines.push(...ls) } as unknown as InfluxWriter;
    let clockMs = NOW;
    const rec = new Recorder({ state, writer, memory: new MemoryWindow(60), clock: () => clockMs, gpuWindowMs: 10_000, blockMs: 10_000 });
    const queries: string[] = [];
    const resumedKinds = await rec.resume(async (q) => {
      queries.push(q);
      return { results: q.includes('"rack_1m"') ? floors : [] };
    });
    expect(queries).toHaveLength(3);
    rec.start();
    const feed = (tsMs: number, rackKw: number) => {
      clockMs = Math.max(clockMs, tsMs);
      const gpuW = Array.from({ length: 72 }, () => rackKw * 10);
      state.applyRack(0, { ts: tsMs, rackKw, supplyC: 40, returnC: 48, flowLpm: 182, gpuW }, clockMs);
    };
    const ofRack = (measurement: string) => lines.filter((l) => l.startsWith(`${measurement},`) && l.includes(`rack=${rackId}`));
    const rollup = (measurement: string, atMs: number) => ofRack(measurement).find((l) => l.endsWith(` ${atMs}`));
    const field = (line: string | undefined, name: string) => Number(new RegExp(`[ ,]${name}=([^, ]+)`).exec(line ?? '')?.[1]);
    const pointTimes = (measurement: string) => ofRack(measurement).map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    const rawTimes = () => lines.filter((l) => l.startsWith('rack_block,') && l.includes(`rack=${rackId}`)).flatMap((l) => {
      const start = Number(l.slice(l.lastIndexOf(' ') + 1));
      return /ts_ms="([^"]*)"/.exec(l)![1].split(',').map((o) => start + Number(o));
    });
    return { rec, feed, rollup, field, rawTimes, pointTimes, resumedKinds };
  }

  it('after a crash: replayed samples already stored are not written again — raw, minute or GPU window — and the rest are', async () => {
    const r = await resumed([
      rack(['time', 'last'], [[M - 120_000, 100]]), // the minute before last was stored; the last one was open
      rack(['time', 'last'], [[M - 60_000, '0,9000']]), // raw through M − 51 s
      rack(['time', 'last'], [[M - 70_000, '1']]), // GPU windows (10 s here) through M − 60 s
    ]);
    expect(r.resumedKinds.find((k) => k.kind === 'rack')).toEqual({ kind: 'rack', entities: 1 });
    r.feed(M - 125_000, 777); // in a stored minute: a partial rewrite would overwrite it
    for (let s = 60; s > 0; s--) r.feed(M - s * 1000, 130); // the minute open at the crash
    for (let s = 0; s < 10; s++) r.feed(M + s * 1000, 140);
    r.rec.stop();
    expect(r.rollup('rack_1m', M - 120_000)).toBeUndefined();
    expect(r.rawTimes().filter((t) => t <= M - 51_000)).toEqual([]);
    expect(r.rawTimes()).toContain(M - 50_000);
    expect(r.rawTimes()).not.toContain(M - 125_000);
    const open = r.rollup('rack_1m', M - 60_000);
    expect([r.field(open, 'rack_kw_mean'), r.field(open, 'samples')]).toEqual([130, 60]);
    expect(r.field(r.rollup('rack_1m', M), 'samples')).toBe(10);
    // No GPU window through M − 60 s written again; the later ones are.
    expect(Math.min(...r.pointTimes('gpu'))).toBeGreaterThanOrEqual(M - 60_000);
  });

  it('after a clean stop: a replayed sample the stop stored is not written again; a later one in the same minute is', async () => {
    const r = await resumed([
      rack(['time', 'last'], [[M, 110]]), // the stop's partial minute
      rack(['time', 'last'], [[M + 10_000, '0,9000']]), // raw through M + 19 s
      none,
    ]);
    r.feed(M + 15_000, 999);
    for (let s = 20; s < 30; s++) r.feed(M + s * 1000, 120);
    r.rec.stop();
    expect(r.rawTimes()).not.toContain(M + 15_000);
    expect(r.rawTimes()).toContain(M + 20_000);
    const minute = r.rollup('rack_1m', M);
    expect([r.field(minute, 'rack_kw_max'), r.field(minute, 'samples')]).toEqual([120, 10]);
  });

  it('with nothing stored, records as before', async () => {
    const r = await resumed([none, none, none]);
    for (let s = 0; s < 5; s++) r.feed(M + s * 1000, 100 + s);
    r.rec.stop();
    expect(r.rawTimes()).toHaveLength(5);
    const hour = r.rollup('rack_1h', H);
    expect([r.field(hour, 'rack_kw_mean'), r.field(hour, 'rack_kw_max'), r.field(hour, 'samples')]).toEqual([102, 104, 5]);
  });
});
