import { describe, expect, it } from 'vitest';
import { rawInfluxQl, rawSteps, type RawQuery } from '../../server/history/raw-query.ts';

const T = 1_800_000_000_000;
const q: RawQuery = { measurement: 'rack', where: `"rack" = 'k1'`, storedFields: ['rack_kw', 'return_c'], fromMs: T, toMs: T + 30_000, stepMs: 10_000 };

describe('rawInfluxQl', () => {
  it('blocks: the blocks that can hold samples of the range, then the single points in it, as rows', () => {
    const [blocks, points] = rawInfluxQl(q, 'blocks', 10_000).split('; ');
    expect(blocks).toBe(`SELECT "ts_ms", "rack_kw", "return_c" FROM "raw"."rack_block" WHERE "rack" = 'k1' AND time > ${T - 11_000}ms AND time < ${T + 30_000}ms`);
    expect(points).toBe(`SELECT "rack_kw", "return_c" FROM "raw"."rack" WHERE "rack" = 'k1' AND time >= ${T}ms AND time < ${T + 30_000}ms`);
  });

  it('points: the blocks as rows (written before a switch), the points averaged per step by InfluxDB', () => {
    const [blocks, points] = rawInfluxQl(q, 'points', 10_000).split('; ');
    expect(blocks).toContain('FROM "raw"."rack_block"');
    expect(points).toBe(`SELECT mean("rack_kw") AS "rack_kw", mean("return_c") AS "return_c" FROM "raw"."rack" `
      + `WHERE "rack" = 'k1' AND time >= ${T}ms AND time < ${T + 30_000}ms GROUP BY time(10000ms) fill(none)`);
  });
});

describe('rawSteps', () => {
  // A block of three samples at T, T + 1 s, T + 12 s (rack_kw, return_c; return_c missing once).
  const block = [T, '0,1000,12000', '10,20,30', '40,,44'];

  it.each([
    { name: 'blocks: blocks and late points decoded, averaged per step', format: 'blocks' as const, blocks: [block], points: [[T + 2000, 60, 46]],
      out: { tsMs: [T, T + 10_000], cols: [[30, 30], [43, 44]] } },
    { name: 'points: InfluxDB\'s step means as they come', format: 'points' as const, blocks: [], points: [[T, 11, 41], [T + 20_000, 13, null]],
      out: { tsMs: [T, T + 20_000], cols: [[11, 13], [41, null]] } },
    { name: 'points after blocks: the steps of both, in time order', format: 'points' as const, blocks: [block], points: [[T + 20_000, 13, 43]],
      out: { tsMs: [T, T + 10_000, T + 20_000], cols: [[15, 30, 13], [40, 44, 43]] } },
    { name: 'a step both hold: the points\' mean where it has one, the blocks\' elsewhere', format: 'points' as const, blocks: [block], points: [[T + 10_000, 99, null]],
      out: { tsMs: [T, T + 10_000], cols: [[15, 99], [40, 44]] } },
    { name: 'points: rows without a time are skipped', format: 'points' as const, blocks: [], points: [[null, 1, 2]], out: { tsMs: [], cols: [[], []] } },
  ])('$name', ({ format, blocks, points, out }) => {
    expect(rawSteps(blocks, points, q, format)).toEqual(out);
  });
});
