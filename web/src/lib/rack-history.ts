/**
 * Recent history of every rack from the live stream, for the rack panel's chart: a ring of
 * the last HISTORY_LEN samples per rack in typed arrays, written only when a sample's source
 * timestamp is new. Memory: racks × 600 × 6 × 8 B (≈ 12 MB for 416 racks).
 */
import { RACK_COL } from '../../../protocol/stream.ts';

export const HISTORY_LEN = 600;
/** Columns kept, in chart order. */
export const HISTORY_FIELDS = ['tsMs', 'rackKw', 'heatKw', 'supplyC', 'returnC', 'flowLpm'] as const;
const SRC = HISTORY_FIELDS.map((f) => RACK_COL[f]);
const TS = RACK_COL.tsMs;

export class RackHistory {
  private readonly rings = new Map<number, { data: Float64Array[]; head: number; size: number }>();

  constructor(private readonly rackCount: number, private readonly maxRacks = 4000) {}

  /** Appends the rows in `idx` whose timestamp moved on. */
  record(cols: Float64Array[], idx: ArrayLike<number>): void {
    if (this.rackCount > this.maxRacks) return;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      const ts = cols[TS][i];
      if (!Number.isFinite(ts)) continue;
      let ring = this.rings.get(i);
      if (!ring) {
        ring = { data: HISTORY_FIELDS.map(() => new Float64Array(HISTORY_LEN)), head: 0, size: 0 };
        this.rings.set(i, ring);
      }
      const last = (ring.head - 1 + HISTORY_LEN) % HISTORY_LEN;
      if (ring.size > 0 && ring.data[0][last] === ts) continue;
      for (let f = 0; f < SRC.length; f++) ring.data[f][ring.head] = cols[SRC[f]][i];
      ring.head = (ring.head + 1) % HISTORY_LEN;
      ring.size = Math.min(HISTORY_LEN, ring.size + 1);
    }
  }

  /** Chronological columns for one rack: [tsSeconds, rackKw, heatKw, supplyC, returnC, flowLpm]. */
  series(i: number): number[][] {
    const ring = this.rings.get(i);
    if (!ring) return HISTORY_FIELDS.map(() => []);
    const start = (ring.head - ring.size + HISTORY_LEN) % HISTORY_LEN;
    return ring.data.map((col, f) => {
      const out = new Array<number>(ring.size);
      for (let k = 0; k < ring.size; k++) {
        const v = col[(start + k) % HISTORY_LEN];
        out[k] = f === 0 ? v / 1000 : v;
      }
      return out;
    });
  }
}
