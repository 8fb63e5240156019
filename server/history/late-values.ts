/**
 * The history values of a late sample (older than its entity's latest): what it measured itself,
 * and what is derived from the present live state (a rack against its group's headroom now, a
 * CDU's load and capacity now). Pure; the recorder writes them as a raw point at the sample's time.
 */
import { CDU_COL } from '../../protocol/stream.ts';
import { CDU_HISTORY, RACK_HISTORY } from '../../protocol/history.ts';
import type { CduTelemetry, RackTelemetry } from '../../protocol/telemetry.ts';

/** CDU history fields a CDU sample carries itself (the rest are derived from the group). */
const LATE_CDU_MEASURED: Record<string, true> = {
  supplyC: true, returnC: true, flowLpm: true, pumpPct: true, facilitySupplyC: true, facilityReturnC: true, dpKpa: true,
};
const CDU_IDX = CDU_HISTORY.map((f) => CDU_COL[f]);

/** RACK_HISTORY's fields from `derived` (else the sample), then dpKpa, valvePct and leak. */
export function lateRackValues(out: Float64Array, derived: Partial<Record<string, number>>, s: RackTelemetry): Float64Array {
  RACK_HISTORY.forEach((f, k) => (out[k] = f in derived ? derived[f]! : (s[f as keyof RackTelemetry] as number)));
  const n = RACK_HISTORY.length;
  out[n] = s.dpKpa ?? Number.NaN;
  out[n + 1] = s.valvePct ?? Number.NaN;
  out[n + 2] = s.leak ?? 0;
  return out;
}

/** CDU_HISTORY's fields: measured ones from the sample, the rest from CDU `j`'s present columns. */
export function lateCduValues(out: Float64Array, s: CduTelemetry, cduCols: Float64Array[], j: number): Float64Array {
  CDU_HISTORY.forEach((f, k) => {
    const measured = (s as unknown as Record<string, number | undefined>)[f];
    out[k] = f in LATE_CDU_MEASURED ? (measured ?? Number.NaN) : cduCols[CDU_IDX[k]][j];
  });
  return out;
}
