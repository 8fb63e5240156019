import { describe, expect, it } from 'vitest';
import { decodeDeltaFrame, encodeDeltaFrame } from '../../protocol/stream-binary.ts';
import type { Totals } from '../../protocol/stream.ts';

const site = {
  itKw: 1200.5, heatKw: 1100, coolingCapacityKw: 2000, headroomKw: 900, headroomPct: 45, n1HeadroomKw: null,
  racksLive: 2, racksStale: 0, racksOffline: 0, maxReturnC: 48.2, cdusReporting: 1,
} as unknown as Totals;
const totals = { halls: { 'hall-1': site }, site };

describe('binary delta frames', () => {
  const rackCols = [Float64Array.from([1, 2, 3, 4]), Float64Array.from([10, Number.NaN, 30, 1.23456789])];
  const cduCols = [Float64Array.from([7, 8]), Float64Array.from([Number.POSITIVE_INFINITY, 9]), Float64Array.from([0, -1])];
  const cases: { name: string; rackIdx: number[]; cduIdx: number[]; racks: (number | null)[][]; cdus: (number | null)[][] }[] = [
    { name: 'some rows of each', rackIdx: [3, 1], cduIdx: [1], racks: [[4, 2], [1.23456789, Number.NaN]], cdus: [[8], [9], [-1]] },
    { name: 'no rows (a heartbeat)', rackIdx: [], cduIdx: [], racks: [[], []], cdus: [[], [], []] },
    {
      name: 'every row', rackIdx: [0, 1, 2, 3], cduIdx: [0, 1],
      racks: [[1, 2, 3, 4], [10, Number.NaN, 30, 1.23456789]], cdus: [[7, 8], [Number.POSITIVE_INFINITY, 9], [0, -1]],
    },
  ];
  for (const c of cases) {
    it(`round-trips ${c.name}, values exact`, () => {
      const frame = encodeDeltaFrame(1_800_000_000_123, rackCols, c.rackIdx, cduCols, c.cduIdx, totals);
      const d = decodeDeltaFrame(frame);
      expect(d.type).toBe('delta');
      expect(d.serverTimeMs).toBe(1_800_000_000_123);
      expect(Array.from(d.racks.idx)).toEqual(c.rackIdx);
      expect(d.racks.cols.map((col) => Array.from(col))).toEqual(c.racks);
      expect(Array.from(d.cdus.idx)).toEqual(c.cduIdx);
      expect(d.cdus.cols.map((col) => Array.from(col))).toEqual(c.cdus);
      expect(d.site).toEqual(site);
      expect(d.halls['hall-1']).toEqual(site);
    });
  }

  it('reads a frame that does not start on an 8-byte boundary (a Node Buffer slice)', () => {
    const frame = encodeDeltaFrame(5, rackCols, [2], cduCols, [0], totals);
    const shifted = new Uint8Array(frame.length + 3);
    shifted.set(frame, 3);
    expect(Array.from(decodeDeltaFrame(shifted.subarray(3)).racks.cols[1])).toEqual([30]);
    const buffer = Buffer.concat([Buffer.alloc(5), Buffer.from(frame)]).subarray(5);
    expect(buffer.byteOffset % 8).not.toBe(0);
    expect(Array.from(decodeDeltaFrame(buffer).racks.cols[1])).toEqual([30]);
  });

  const good = encodeDeltaFrame(5, rackCols, [2], cduCols, [0], totals);
  const wrongVersion = good.slice();
  new Float64Array(wrongVersion.buffer, 0, 1)[0] = 9;
  const bad: { name: string; bytes: Uint8Array; error: RegExp }[] = [
    { name: 'shorter than the header', bytes: new Uint8Array(20), error: /20 bytes, shorter than its header/ },
    { name: 'another version', bytes: wrongVersion, error: /version 9, expected 1/ },
    { name: 'truncated', bytes: good.subarray(0, good.length - 5), error: /its header says/ },
    { name: 'with bytes added', bytes: Uint8Array.from([...good, 1, 2]), error: /its header says/ },
  ];
  for (const b of bad) it(`refuses a frame ${b.name}, saying what is wrong`, () => expect(() => decodeDeltaFrame(b.bytes)).toThrow(b.error));
});
