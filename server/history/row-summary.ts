/**
 * Per-row figures a planner asks of a range: percentiles of rack return temperature and rack
 * power over every rack-step, rack-minutes with the return above the rack's limit, and the
 * hottest rack. Racks are added one at a time as step means (from the memory window or an
 * InfluxDB rollup tier); no I/O here.
 */
import type { Percentiles, RowRangeSummary } from '../../protocol/history.ts';

/** Nearest-rank percentile `p` (0–100) of ascending `sorted`; null when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}

function percentilesOf(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(percentile(sorted, 100)) };
}

/** The identity of a rack as the summary needs it. */
export interface RackMeta {
  id: string;
  rowId: string;
  returnLimitC: number;
}

interface RowAcc {
  reporting: number;
  returns: number[];
  powers: number[];
  stepsAbove: number;
  racksAbove: number;
  hottest: { rackId: string; returnC: number; atMs: number } | null;
}

export class RowSummaryBuilder {
  private readonly rows = new Map<string, RowAcc>();

  /** `stepMs`: the length of one step mean, ms (a step above the limit counts as that many minutes). */
  constructor(rowIds: readonly string[], private readonly stepMs: number) {
    for (const id of rowIds) this.rows.set(id, { reporting: 0, returns: [], powers: [], stepsAbove: 0, racksAbove: 0, hottest: null });
  }

  /** Adds one rack's step means (NaN where a step had no value); the first `n` entries are read. */
  add(rack: RackMeta, tsMs: ArrayLike<number>, returnC: ArrayLike<number>, rackKw: ArrayLike<number>, n: number): void {
    const row = this.rows.get(rack.rowId);
    if (!row) return;
    let any = false;
    let above = 0;
    for (let k = 0; k < n; k++) {
      const r = returnC[k];
      const p = rackKw[k];
      if (Number.isFinite(p)) {
        row.powers.push(p);
        any = true;
      }
      if (!Number.isFinite(r)) continue;
      any = true;
      row.returns.push(r);
      if (r > rack.returnLimitC) above++;
      if (!row.hottest || r > row.hottest.returnC) row.hottest = { rackId: rack.id, returnC: r, atMs: tsMs[k] };
    }
    if (any) row.reporting++;
    if (above > 0) row.racksAbove++;
    row.stepsAbove += above;
  }

  /** The rows, in the order given to the constructor. */
  result(): RowRangeSummary[] {
    return [...this.rows].map(([rowId, a]) => ({
      rowId,
      racksReporting: a.reporting,
      returnC: percentilesOf(a.returns),
      rackKw: percentilesOf(a.powers),
      minutesAboveLimit: Math.round(((a.stepsAbove * this.stepMs) / 60_000) * 10) / 10,
      racksAboveLimit: a.racksAbove,
      hottestRackId: a.hottest?.rackId ?? null,
      hottestReturnC: a.hottest ? Math.round(a.hottest.returnC * 100) / 100 : null,
      hottestAtMs: a.hottest?.atMs ?? null,
    }));
  }
}
