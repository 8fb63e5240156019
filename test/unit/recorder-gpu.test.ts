import { describe, expect, it } from 'vitest';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';

describe('per-GPU history windows', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 10, racksPerRow: 16, racksPerCdu: 8 }));
  const recorder = new Recorder(new LiveState(site, 3000), null, new MemoryWindow(60), () => 0, 60_000);
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
});
