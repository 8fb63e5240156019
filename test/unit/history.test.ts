import { describe, expect, it } from 'vitest';
import { Rollup } from '../../server/history/rollup.ts';
import { SeriesRing } from '../../server/history/memory-window.ts';
import { autoStepMs, influxQl, parseHistoryQuery, HistoryService } from '../../server/history/history-service.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { WriteQueue } from '../../server/history/write-queue.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

describe('Rollup', () => {
  it('closes a minute with mean, min and max when the next minute starts, skipping NaN per field', () => {
    const r = new Rollup(60_000, 2);
    for (let s = 0; s < 60; s++) expect(r.add(7, T0 + s * 1000, [s, s % 2 ? Number.NaN : 10])).toBeNull();
    const w = r.add(7, T0 + 60_000, [0, 0])!;
    expect(w.key).toBe(7);
    expect(w.startMs).toBe(T0);
    expect(w.mean[0]).toBeCloseTo(29.5, 9);
    expect([w.min[0], w.max[0], w.count[0]]).toEqual([0, 59, 60]);
    expect([w.mean[1], w.count[1]]).toEqual([10, 30]);
  });

  it('weights minutes by their sample count when building the hour', () => {
    const h = new Rollup(3_600_000, 1);
    const minute = (startMs: number, n: number, mean: number, min: number, max: number) => ({
      key: 1, startMs, count: Float64Array.of(n), mean: Float64Array.of(mean), min: Float64Array.of(min), max: Float64Array.of(max),
    });
    h.addWindow(minute(T0, 60, 10, 5, 15));
    h.addWindow(minute(T0 + 60_000, 20, 50, 40, 70));
    const [w] = h.closeBefore(T0 + 3_600_000);
    expect(w.mean[0]).toBeCloseTo((60 * 10 + 20 * 50) / 80, 9);
    expect([w.min[0], w.max[0], w.count[0]]).toEqual([5, 70, 80]);
  });

  it('keeps a backfilled past window open while its samples still arrive', () => {
    const r = new Rollup(60_000, 1);
    const wall = T0 + 3_600_000;
    r.add(1, T0, [1], wall);
    expect(r.closeQuiet(wall - 5000, wall - 5000)).toEqual([]);
    r.add(1, T0 + 1000, [3], wall + 4000);
    expect(r.closeQuiet(wall + 6000 - 5000, wall + 6000 - 5000)).toEqual([]);
    const [w] = r.closeQuiet(wall + 9000 - 5000, wall + 9000 - 5000);
    expect([w.count[0], w.mean[0]]).toEqual([2, 2]);
  });

  it('reuses a released window for a later one, starting clean, and ignores a second release', () => {
    const r = new Rollup(60_000, 2);
    r.add(1, T0, [5, 7]);
    const w = r.add(1, T0 + 60_000, [Number.NaN, 3])!;
    expect([...w.mean, ...w.min, ...w.max, ...w.count]).toEqual([5, 7, 5, 7, 5, 7, 1, 1]);
    r.release(w);
    r.release(w);
    r.add(3, T0 + 60_000, [10, Number.NaN]);
    r.add(4, T0 + 60_000, [20, 30]);
    const closed = r.closeBefore(T0 + 120_000);
    const byKey = Object.fromEntries(closed.map((c) => [c.key, [...c.mean, ...c.min, ...c.count]]));
    expect(byKey).toEqual({ 1: [Number.NaN, 3, Number.NaN, 3, 0, 1], 3: [10, Number.NaN, 10, Number.NaN, 1, 0], 4: [20, 30, 20, 30, 1, 1] });
    expect(new Set(closed).size).toBe(3);
    expect(closed).toContain(w);
  });

  it('leaves a late sample out of an already closed window and closes quiet keys at the cutoff', () => {
    const r = new Rollup(60_000, 1);
    r.add(1, T0 + 61_000, [1]);
    expect(r.add(1, T0 + 5_000, [100])).toBeNull();
    expect(r.closeBefore(T0 + 119_999)).toEqual([]);
    const [w] = r.closeBefore(T0 + 120_000);
    expect([w.startMs, w.mean[0]]).toEqual([T0 + 60_000, 1]);
  });
});

describe('SeriesRing', () => {
  it('keeps the last N samples and averages them into step buckets', () => {
    const ring = new SeriesRing(100, 2);
    for (let s = 0; s < 150; s++) ring.push(T0 + s * 1000, [s, 2 * s]);
    expect(ring.oldestMs).toBe(T0 + 50_000);
    const q = ring.query(T0 + 60_000, T0 + 80_000, 10_000, [1, 0]);
    expect(q.tsMs).toEqual([T0 + 60_000, T0 + 70_000]);
    expect(q.cols[0]).toEqual([2 * 64.5, 2 * 74.5]);
    expect(q.cols[1]).toEqual([64.5, 74.5]);
  });

  it.each([
    { why: 'a wrapped ring, 1 s buckets', from: 60_000, to: 80_000, step: 1000, field: 1 },
    { why: 'a wrapped ring, 10 s buckets', from: 0, to: 200_000, step: 10_000, field: 0 },
    { why: 'a field with gaps: a bucket of only NaN is NaN, as query() gives null', from: 50_000, to: 70_000, step: 2000, field: 2 },
    { why: 'a range with no sample', from: 500_000, to: 600_000, step: 1000, field: 0 },
  ])('bucketsInto() writes the bucket means of the samples kept, and query() the same: $why', ({ from, to, step, field }) => {
    const ring = new SeriesRing(100, 3);
    const sample = (s: number) => [s, 2 * s, s % 4 === 0 || s % 4 === 1 ? Number.NaN : s];
    for (let s = 0; s < 150; s++) ring.push(T0 + s * 1000 + (s % 3) * 100, sample(s));
    // Reference: the last 100 samples, grouped by bucket in plain arrays.
    const buckets = new Map<number, number[]>();
    for (let s = 50; s < 150; s++) {
      const t = T0 + s * 1000 + (s % 3) * 100;
      if (t < T0 + from || t >= T0 + to) continue;
      const b = Math.floor(t / step) * step;
      const list = buckets.get(b) ?? [];
      if (Number.isFinite(sample(s)[field])) list.push(sample(s)[field]);
      buckets.set(b, list);
    }
    const wantTs = [...buckets.keys()];
    const wantV = [...buckets.values()].map((l) => (l.length ? Math.round((l.reduce((a, x) => a + x, 0) / l.length) * 1000) / 1000 : Number.NaN));
    const ts = new Float64Array(400);
    const v = new Float64Array(400);
    const n = ring.bucketsInto(T0 + from, T0 + to, step, field, ts, v);
    expect(Array.from(ts.subarray(0, n))).toEqual(wantTs);
    expect(Array.from(v.subarray(0, n))).toEqual(wantV);
    const q = ring.query(T0 + from, T0 + to, step, [field, 0]);
    expect(q.tsMs).toEqual(wantTs);
    expect(q.cols[0]).toEqual(wantV.map((x) => (Number.isNaN(x) ? null : x)));
  });

  it('bucketsInto() stops at the end of its output arrays', () => {
    const ring = new SeriesRing(100, 1);
    for (let s = 0; s < 50; s++) ring.push(T0 + s * 1000, [s]);
    const ts = new Float64Array(5);
    const v = new Float64Array(5);
    expect(ring.bucketsInto(T0, T0 + 50_000, 1000, 0, ts, v)).toBe(5);
    expect(Array.from(v)).toEqual([0, 1, 2, 3, 4]);
  });

  it('ignores out-of-order samples', () => {
    const ring = new SeriesRing(10, 1);
    ring.push(T0 + 2000, [2]);
    ring.push(T0 + 1000, [1]);
    expect(ring.query(T0, T0 + 10_000, 1000, [0]).cols[0]).toEqual([2]);
  });
});

describe('history query', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2 }));
  const now = T0 + 10 * 86_400_000;
  const parse = (q: string) => parseHistoryQuery(new URLSearchParams(q), site, now);

  it.each([
    ['', 'entity'],
    ['entity=pdu:x', 'entity'],
    ['entity=rack:nope', 'entity'],
    ['entity=rack:h1-r01-k01&fields=returnC,colour', 'fields'],
    ['entity=rack:h1-r01-k01&from=yesterday', 'from'],
    ['entity=rack:h1-r01-k01&to=soon', 'to'],
    ['entity=rack:h1-r01-k01&from=now&to=now-1h', 'from'],
    ['entity=rack:h1-r01-k01&from=now-1h&step=500ms', 'step'],
    ['entity=rack:h1-r01-k01&from=now-7d&step=1s', 'step'],
  ])('rejects %j naming %s', (q, param) => {
    const r = parse(q);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.startsWith(param + ':')).toBe(true);
  });

  it.each([
    [15 * 60_000, 1000],
    [3_600_000, 2000],
    [6 * 3_600_000, 15_000],
    [86_400_000, 60_000],
    [7 * 86_400_000, 600_000],
  ])('picks a step of %d ms range → %d ms (≤ 2,000 points)', (range, step) => {
    expect(autoStepMs(range)).toBe(step);
    expect(range / step).toBeLessThanOrEqual(2000);
  });

  it('accepts relative, ISO and epoch times and defaults to the last hour of every field', () => {
    const r = parse('entity=hall:hall-1');
    expect(r.ok && [r.value.fromMs, r.value.toMs, r.value.fields.length]).toEqual([now - 3_600_000, now, 10]);
    const iso = parse(`entity=cdu:h1-r01-cdu-a&fields=loadKw&from=${new Date(T0).toISOString()}&to=${T0 + 60_000}&step=10s`);
    expect(iso.ok && [iso.value.fromMs, iso.value.toMs, iso.value.stepMs]).toEqual([T0, T0 + 60_000, 10_000]);
  });

  it.each([
    ['now-1h', undefined, 'raw'],
    ['now-24h', undefined, 'm1'],
    ['now-8d', '10m', 'm1'],
    ['now-30d', '1h', 'h1'],
    ['now-100d', '2h', 'h1'],
    ['now-100d', '6h', 'h1'],
  ])('serves from=%s step=%s from the %s tier', (from, step, tier) => {
    const service = new HistoryService({
      memory: new MemoryWindow(10),
      influx: null,
      retention: { rawMs: 7 * 86_400_000, m1Ms: 90 * 86_400_000 },
      clock: () => now,
    });
    const q = parse(`entity=rack:h1-r01-k01&from=${from}${step ? `&step=${step}` : ''}`);
    expect(q.ok && service.tierFor(q.value)).toBe(tier);
  });

  it('writes InfluxQL that selects one rack on a tier and groups by the step', () => {
    const q = parse(`entity=rack:h1-r01-k01&fields=returnC,heatKw&from=${T0}&to=${T0 + 3_600_000}`);
    expect(q.ok && influxQl(q.value, 'm1')).toBe(
      `SELECT mean("return_c_mean") AS "returnC", mean("heat_kw_mean") AS "heatKw" FROM "m1"."rack_1m" ` +
        `WHERE "rack" = 'h1-r01-k01' AND time >= ${T0}ms AND time < ${T0 + 3_600_000}ms GROUP BY time(2000ms) fill(none)`,
    );
  });
});

describe('WriteQueue', () => {
  it('spills the oldest batches to disk past its memory limit, off the caller, and hands them out first', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hallwatch-queue-')), 'spill');
    const limits = { batchLines: 10, maxMemoryLines: 25, spillDir: dir, maxSpillBytes: 1e6 };
    const q = new WriteQueue(limits);
    await q.start();
    q.push('raw', Array.from({ length: 30 }, (_, i) => `l${i}`));
    // The spill file is written after push() returns; until then its batch waits, counted, and is taken from there.
    expect([q.size, q.spilledLines, q.readyBatches]).toEqual([30, 0, 3]);
    expect(q.peek()!.lines.line(0)).toBe('l0');
    for (let i = 30; i < 60; i += 10) {
      await q.spillIdle();
      q.push('raw', Array.from({ length: 10 }, (_, k) => `l${i + k}`));
    }
    await q.spillIdle();
    expect([q.size, q.spilledLines, q.dropped]).toEqual([60, 40, 0]);
    await q.spillAll();
    expect(q.spilledLines).toBe(60);
    const restarted = new WriteQueue(limits);
    expect(restarted.size).toBe(0);
    await restarted.start();
    expect(restarted.size).toBe(60);
    const seen: string[] = [];
    for (let t = restarted.take(); t; t = restarted.take()) {
      seen.push(...t.batch.lines.toArray());
      restarted.done(t, []);
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `l${i}`));
    expect(restarted.size).toBe(0);
  });

  it('drops the oldest batches waiting for the disk, counted, once a whole memory\'s worth waits', async () => {
    const spillDir = join(mkdtempSync(join(tmpdir(), 'hallwatch-queue-')), 'spill');
    const q = new WriteQueue({ batchLines: 10, maxMemoryLines: 25, spillDir, maxSpillBytes: 1e6 });
    await q.start();
    // 60 lines at once: 40 leave memory, 10 of them go straight to the disk, 30 would wait (> 25).
    q.push('raw', Array.from({ length: 60 }, (_, i) => `l${i}`));
    expect([q.dropped, q.size]).toEqual([10, 50]);
    await q.spillIdle();
    expect(q.spilledLines).toBe(30);
  });

  it('counts a spill the disk refuses as dropped, with the error, and keeps going', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'hallwatch-queue-'));
    // A file where the spill directory should be: every spill write fails.
    writeFileSync(join(parent, 'spill'), '');
    const q = new WriteQueue({ batchLines: 10, maxMemoryLines: 25, spillDir: join(parent, 'spill'), maxSpillBytes: 1e6 });
    await q.start();
    q.push('raw', Array.from({ length: 30 }, (_, i) => `l${i}`));
    await q.spillAll();
    expect([q.spillDropped, q.spillFailures, q.spillError?.message, q.size]).toEqual([30, 3, expect.stringMatching(/EEXIST|ENOTDIR/), 0]);
  });

  it('counts taken batches as waiting until done, and puts a failed request\'s lines back first', () => {
    let now = 1000;
    const q = new WriteQueue({ batchLines: 10, maxMemoryLines: 1000, spillDir: null, maxSpillBytes: 0 }, () => now);
    q.push('raw', Array.from({ length: 25 }, (_, i) => `l${i}`));
    // 'l0'…'l9' and 'l10'…'l24', each with its newline.
    expect(q.memoryBytes).toBe(10 * 3 + 15 * 4);
    now = 2000;
    q.seal();
    const a = q.take()!;
    const b = q.take()!;
    expect([a.batch.lines.length, b.batch.lines.length, q.readyBatches]).toEqual([10, 10, 1]);
    expect(q.size).toBe(25);
    expect(q.oldestQueuedMs()).toBe(1000);
    q.done(b, []);
    expect(q.size).toBe(15);
    q.done(a, a.batch.lines.toArray().slice(5));
    expect(q.size).toBe(10);
    expect(q.memoryBytes).toBe(5 * 3 + 5 * 4);
    expect(q.take()!.batch.lines.toArray()).toEqual(['l5', 'l6', 'l7', 'l8', 'l9']);
    // A second done() of the same batch changes nothing.
    q.done(b, ['x']);
    expect(q.size).toBe(10);
  });

  it('says how long its open batch has waited, so a quiet tier is sealed in time', () => {
    let now = 5000;
    const q = new WriteQueue({ batchLines: 100, maxMemoryLines: 1000, spillDir: null, maxSpillBytes: 0 }, () => now);
    expect(q.openSinceMs()).toBeNaN();
    q.push('m1', ['a']);
    now = 9000;
    q.push('m1', ['b']);
    expect(q.openSinceMs()).toBe(5000);
    expect([q.openLines, q.readyBatches]).toEqual([2, 0]);
    q.seal();
    expect([q.openLines, q.readyBatches, q.oldestQueuedMs()]).toEqual([0, 1, 5000]);
  });
});
