/**
 * What a sample carries beyond the wire columns: a rack's GPU powers and sequence number, a CDU's
 * facility-side values. Kept per entity for the REST API and the watched-rack stream, and updated
 * in place: a detail (and its 72 GPU values) replaced on every sample lived about a second, long
 * enough to reach V8's old space, and its garbage drove a full collection every ~20 s at 1 GW.
 * The parsed payload now dies young.
 */
import type { CduTelemetry, RackTelemetry } from '../../protocol/telemetry.ts';

export interface RackDetail {
  tsMs: number;
  seq: number | null;
  gpuW: number[] | null;
  cpuW: number | null;
  gpuC: number | null;
  dpKpa: number | null;
  valvePct: number | null;
}

export interface CduExtra {
  facilitySupplyC: number;
  facilityReturnC: number;
  dpKpa: number;
}

/** `d` (or a new detail when there is none yet) holding sample `s`'s values. */
export function takeRackDetail(d: RackDetail | null, s: RackTelemetry): RackDetail {
  d ??= { tsMs: s.ts, seq: null, gpuW: null, cpuW: null, gpuC: null, dpKpa: null, valvePct: null };
  d.tsMs = s.ts;
  d.seq = s.seq ?? null;
  d.gpuW = copyInto(d.gpuW, s.gpuW);
  d.cpuW = s.cpuW ?? null;
  d.gpuC = s.gpuC ?? null;
  d.dpKpa = s.dpKpa ?? null;
  d.valvePct = s.valvePct ?? null;
  return d;
}

/** `x` (or a new one) holding CDU sample `s`'s facility-side values (NaN when it has none). */
export function takeCduExtra(x: CduExtra | null, s: CduTelemetry): CduExtra {
  x ??= { facilitySupplyC: Number.NaN, facilityReturnC: Number.NaN, dpKpa: Number.NaN };
  x.facilitySupplyC = s.facilitySupplyC ?? Number.NaN;
  x.facilityReturnC = s.facilityReturnC ?? Number.NaN;
  x.dpKpa = s.dpKpa ?? Number.NaN;
  return x;
}

/** `from`'s values in `into` when the lengths match (no new array), else `from` itself. */
function copyInto(into: number[] | null, from: number[] | undefined): number[] | null {
  if (!from) return null;
  if (!into || into.length !== from.length) return from;
  for (let k = 0; k < from.length; k++) into[k] = from[k];
  return into;
}
