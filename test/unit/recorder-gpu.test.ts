import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';

describe('per-GPU history windows', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 10, racksPerRow: 16, racksPerCdu: 8 }));
  const recorder = new Recorder({ state: new LiveState(site, 3000), writer: null, memory: new MemoryWindow(60), clock: () => 0, gpuWindowMs: 60_000 });
  const t = 1_800_000_030_500; // 30.5 s into a minute

  it('holds each sample in a window of the configured length that contains it', () => {
    for (let i = 0; i < site.racks.length; i++) {
      const start = recorder.gpuWindowStart(i, t);
      expect(start).toBeLessThanOrEqual(t);
      expect(start + 60_000).toBeGreaterThan(t);
      expect(start % 1000).toBe(0);
      // The next window starts where this one ends.
      expect(recorder.gpuWindowStart(i, start + 60_000)).toBe(start + 60_000);
    }
  });

  it('spreads the racks\' windows over the minute, so their points do not all close in one second', () => {
    const closing = new Map<number, number>();
    for (let i = 0; i < site.racks.length; i++) {
      const end = recorder.gpuWindowStart(i, t) + 60_000;
      closing.set(end, (closing.get(end) ?? 0) + 1);
    }
    // 160 racks over 60 whole seconds: no second closes more than a few.
    expect(closing.size).toBe(60);
    expect(Math.max(...closing.values())).toBeLessThanOrEqual(4);
  });

  it('averages each window of a rack on its own, and takes each window\'s own maximum', () => {
    const state = new LiveState(site, 3000);
    const memory = new MemoryWindow(60);
    // Rack 0's windows are not shifted: [t0, t0 + 10 s), [t0 + 10 s, …).
    const t0 = 1_800_000_000_000;
    const lines: string[] = [];
    const writer = { write: (_rp: string, ls: string[]) => lines.push(...ls) } as unknown as InfluxWriter;
    const rec = new Recorder({ state, writer, memory, clock: () => t0, gpuWindowMs: 10_000 });
    rec.start();
    // Window 1: GPU 0 at 1000 W then 3000 W; window 2: 500 W then 700 W; window 3 opens, closing window 2.
    const steps: [number, number][] = [[0, 1000], [1000, 3000], [10_000, 500], [11_000, 700], [20_000, 100]];
    for (const [offsetMs, w] of steps) {
      const gpuW = Array.from({ length: 72 }, (_, g) => (g === 0 ? w : 900));
      state.applyRack(0, { ts: t0 + offsetMs, rackKw: 120, supplyC: 40, returnC: 48, flowLpm: 182, gpuW }, t0 + offsetMs);
    }
    rec.stop();
    const ring = memory.get(`gpu:${site.racks[0].id}`)!;
    const got = ring.query(t0, t0 + 30_000, 10_000, [0, 1]);
    expect(got.tsMs).toEqual([t0, t0 + 10_000, t0 + 20_000]);
    expect(got.cols[0]).toEqual([2000, 600, 100]);
    expect(got.cols[1]).toEqual([900, 900, 900]);
    // The points written: GPU 0's mean and max per window, each from its own samples.
    const gpu0 = lines.filter((l) => l.startsWith('gpu,')).map((l) => {
      const [, mean, max, ts] = /mean_w="([^,]+),.*max_w="([^,]+),.* (\d+)$/.exec(l)!;
      return [Number(ts) - t0, Number(mean), Number(max)];
    });
    // The third window, open at stop(), is written as it stands.
    expect(gpu0).toEqual([[0, 2000, 3000], [10_000, 600, 700], [20_000, 100, 100]]);
  });
});
