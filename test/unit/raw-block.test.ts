import { describe, expect, it } from 'vitest';
import { BLOCK_KEY_SHIFT_MAX_MS, BlockFormat, OpenBlock, blockKeyShiftMs, bucketMeans, decodeBlockValues, samplesOf } from '../../server/history/raw-block.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { LiveState } from '../../server/state/live-state.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { Recorder } from '../../server/history/recorder.ts';
import type { InfluxWriter } from '../../server/history/influx-writer.ts';

const T = 1_800_000_000_000;

function block(samples: [number, number[]][], fields: number): OpenBlock {
  const b = new OpenBlock(4, fields);
  for (const [ts, v] of samples) b.add(ts, v, 0);
  return b;
}

/** Offsets (ms from T) of a block's samples, with room for 32. */
function offsetsBlock(offsetsMs: number[], partial = false): OpenBlock {
  const b = new OpenBlock(32, 1);
  for (const o of offsetsMs) b.add(T + o, [1], 0);
  b.partial = partial;
  return b;
}

const seconds = (n: number, from = 0) => Array.from({ length: n }, (_, k) => from + k * 1000);

describe('where a block is stored: its key shift', () => {
  const end = T + 10_000;
  const cases: { name: string; offsetsMs: number[]; partial?: boolean; windowEndMs?: number; shifted: boolean }[] = [
    { name: 'ten samples a second apart, the window full', offsetsMs: seconds(10), windowEndMs: end, shifted: false },
    { name: 'jitter of ±40 ms', offsetsMs: [0, 1040, 1990, 3010, 3960, 5000, 6030, 6990, 8000, 9020], windowEndMs: end + 20, shifted: false },
    { name: 'a sample missing inside', offsetsMs: [...seconds(4), ...seconds(5, 5000)], windowEndMs: end, shifted: true },
    { name: 'the last sample missing', offsetsMs: seconds(9), windowEndMs: end, shifted: true },
    { name: 'no window end known (the stop): only gaps count', offsetsMs: seconds(9), shifted: false },
    { name: 'one sample at the end of its window', offsetsMs: [9000], windowEndMs: end, shifted: false },
    { name: 'one sample early in its window', offsetsMs: [0], windowEndMs: end, shifted: true },
    { name: 'no gap, but the source dropped while it was open', offsetsMs: seconds(10), partial: true, windowEndMs: end, shifted: true },
    { name: 'a 0.2 Hz source, two samples', offsetsMs: [0, 5000], windowEndMs: end, shifted: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const shiftMs = blockKeyShiftMs(offsetsBlock(c.offsetsMs, c.partial), c.windowEndMs ?? Number.NaN);
      if (c.shifted) {
        expect(shiftMs).toBeGreaterThanOrEqual(1);
        expect(shiftMs).toBeLessThan(BLOCK_KEY_SHIFT_MAX_MS);
      } else expect(shiftMs).toBe(0);
    });
  }

  it('is the same for the same samples and differs for different ones', () => {
    const a = blockKeyShiftMs(offsetsBlock([...seconds(4), ...seconds(5, 5000)]), end);
    expect(blockKeyShiftMs(offsetsBlock([...seconds(4), ...seconds(5, 5000)]), end)).toBe(a);
    const others = new Set([1000, 2000, 3000, 6000, 7000, 8000].map((missing) =>
      blockKeyShiftMs(offsetsBlock(seconds(10).filter((o) => o !== missing)), end)));
    expect(others.size).toBe(6);
    expect(others.has(a)).toBe(false);
  });

  it('stays under the sample spacing, so it never meets the previous block', () => {
    const fast = offsetsBlock([0, 200, 400, 800]);
    const shiftMs = blockKeyShiftMs(fast, T + 10_000);
    expect(shiftMs).toBeGreaterThanOrEqual(1);
    expect(shiftMs).toBeLessThan(200);
    expect(blockKeyShiftMs(offsetsBlock([0, 1, 2, 10]), T + 10_000)).toBe(1);
  });
});

describe('raw block lines', () => {
  const f = new BlockFormat('rack_block', { rack: 'r 1', hall: 'h,1', row: '' }, ['rack_kw', 'return_c']);
  const cases: { name: string; samples: [number, number[]][]; line: string | null }[] = [
    { name: 'one sample', samples: [[T, [135, 50.5]]], line: `rack_block,hall=h\\,1,rack=r\\ 1 ts_ms="0",rack_kw="135",return_c="50.5" ${T}` },
    {
      name: 'offsets from the first sample', samples: [[T + 7, [1, 2]], [T + 1007, [3, 4]], [T + 2010, [5, 6]]],
      line: `rack_block,hall=h\\,1,rack=r\\ 1 ts_ms="0,1000,2003",rack_kw="1,3,5",return_c="2,4,6" ${T + 7}`,
    },
    {
      name: 'missing values stay as empty places', samples: [[T, [Number.NaN, 2]], [T + 1000, [3, Number.POSITIVE_INFINITY]]],
      line: `rack_block,hall=h\\,1,rack=r\\ 1 ts_ms="0,1000",rack_kw=",3",return_c="2," ${T}`,
    },
    {
      name: 'a field with no value is left out', samples: [[T, [Number.NaN, 2]], [T + 1000, [Number.NaN, 4]]],
      line: `rack_block,hall=h\\,1,rack=r\\ 1 ts_ms="0,1000",return_c="2,4" ${T}`,
    },
    { name: 'no value at all: no line', samples: [[T, [Number.NaN, Number.NaN]]], line: null },
    { name: 'no sample: no line', samples: [], line: null },
    {
      name: 'values at 3 decimals', samples: [[T, [12.3456789, -0.0004]]],
      line: `rack_block,hall=h\\,1,rack=r\\ 1 ts_ms="0",rack_kw="12.346",return_c="0" ${T}`,
    },
  ];
  for (const c of cases) it(c.name, () => expect(f.line(block(c.samples, 2))).toBe(c.line));

  it('stores a block that may lack samples before its first sample, decoding to the same samples', () => {
    const b = block([[T, [1, 2]], [T + 1000, [3, 4]]], 2);
    b.partial = true;
    const shiftMs = blockKeyShiftMs(b, Number.NaN);
    expect(shiftMs).toBeGreaterThanOrEqual(1);
    const line = f.line(b)!;
    expect(line).toBe(`rack_block,hall=h\\,1,rack=r\\ 1 ts_ms="${shiftMs},${1000 + shiftMs}",rack_kw="1,3",return_c="2,4" ${T - shiftMs}`);
    const [, offsets, kw] = /ts_ms="([^"]*)",rack_kw="([^"]*)"/.exec(line)!;
    expect(samplesOf([[T - shiftMs, offsets, kw]], [], 1, T, T + 2000)).toEqual({ tsMs: [T, T + 1000], cols: [[1, 3]] });
    b.clear();
    expect(b.partial).toBe(false);
  });

  it('refuses a sample past its capacity', () => {
    const b = block([[T, [1, 1]], [T + 1, [1, 1]], [T + 2, [1, 1]], [T + 3, [1, 1]]], 2);
    expect(b.add(T + 4, [1, 1], 0)).toBe(false);
    expect(b.count).toBe(4);
  });
});

describe('decoding blocks', () => {
  const cases: { text: unknown; count: number; out: (number | null)[] }[] = [
    { text: '1,2.5,-3', count: 3, out: [1, 2.5, -3] },
    { text: ',3', count: 2, out: [null, 3] },
    { text: '2,', count: 2, out: [2, null] },
    { text: undefined, count: 2, out: [null, null] },
    { text: null, count: 1, out: [null] },
    { text: '1,x,3', count: 3, out: [1, null, 3] },
    { text: '1,2', count: 3, out: [1, 2, null] },
  ];
  for (const c of cases) it(`${JSON.stringify(c.text)} × ${c.count}`, () => expect(decodeBlockValues(c.text, c.count)).toEqual(c.out));

  it('merges blocks and single points in time order, keeping the range', () => {
    const blocks = [[T, '0,1000,2000', '1,2,3'], [T + 3000, '0,1000', '4,']];
    const points = [[T + 1500, 9], [T + 9000, 10]];
    expect(samplesOf(blocks, points, 1, T + 1000, T + 9000)).toEqual({ tsMs: [T + 1000, T + 1500, T + 2000, T + 3000, T + 4000], cols: [[2, 9, 3, 4, null]] });
  });

  it('reads a sample stored twice (two servers, blocks begun at different samples) once', () => {
    const full = [T, '0,1000,2000,3000', '1,2,3,4'];
    const lateStart = [T + 2000, '0,1000', '3,4'];
    expect(samplesOf([full, lateStart], [[T + 3000, 4]], 1, T, T + 10_000)).toEqual({ tsMs: [T, T + 1000, T + 2000, T + 3000], cols: [[1, 2, 3, 4]] });
  });

  it('averages per epoch-aligned step, as InfluxQL GROUP BY time does', () => {
    const s = { tsMs: [T + 1000, T + 1500, T + 9999, T + 10_000, T + 30_000], cols: [[2, 4, null, 6, 8], [null, null, null, 1, null]] };
    expect(bucketMeans(s, 10_000)).toEqual({ tsMs: [T, T + 10_000, T + 30_000], cols: [[3, 6, 8], [null, 1, null]] });
  });
});

describe('recorder blocks', () => {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 10, racksPerRow: 16, racksPerCdu: 8 }));
  const lines: string[] = [];
  const writer = { write: (_tier: string, l: string[]) => void lines.push(...l) } as unknown as InfluxWriter;
  const recorder = new Recorder({
    state: new LiveState(site, 3000),
    writer,
    memory: new MemoryWindow(60),
    clock: () => 0,
    gpuWindowMs: 60_000,
    blockMs: 10_000,
  });

  it('holds each sample in a block window of the configured length, shifted per entity by whole seconds', () => {
    const ends = new Map<number, number>();
    for (let i = 0; i < site.racks.length; i++) {
      const start = recorder.blockWindowStart(i, T + 500);
      expect(start).toBeLessThanOrEqual(T + 500);
      expect(start + 10_000).toBeGreaterThan(T + 500);
      expect(start % 1000).toBe(0);
      expect(recorder.blockWindowStart(i, start + 10_000)).toBe(start + 10_000);
      ends.set(start, (ends.get(start) ?? 0) + 1);
    }
    // 160 racks over 10 whole seconds: a tenth of them close in each second.
    expect(ends.size).toBe(10);
    expect(Math.max(...ends.values())).toBeLessThanOrEqual(17);
  });
});
