/**
 * Which totals the recorder keeps just after a start. A hall summed over 2 of its 208 racks in
 * the first second (or before any CDU has reported its capacity) would chart as a 0 → full-power
 * ramp that never happened; a scope none of whose racks was ever heard has no totals at all
 * (no data, not 0 kW).
 */
import { CDU_COL, EntityState, type Totals } from '../../protocol/stream.ts';
import type { LiveState } from '../state/live-state.ts';

/**
 * After the first totals, how long a scope waits for every rack and CDU of it to be heard from
 * before one still silent counts as missing rather than late, ms (ten 1 s telemetry intervals).
 */
export const TOTALS_STARTUP_GRACE_MS = 10_000;

export class TotalsStartGate {
  private firstMs: number | null = null;

  /** Per scope of `all` (site, halls, rows, in that order): whether its totals are recorded at `nowMs`. */
  admitted(state: LiveState, all: readonly Totals[], nowMs: number): boolean[] {
    this.firstMs ??= nowMs;
    const warming = nowMs - this.firstMs < TOTALS_STARTUP_GRACE_MS;
    const cdusSilent = warming ? scopesWithSilentCdus(state) : null;
    return all.map((t, k) => {
      if (t.racksLive + t.racksStale + t.racksOffline === 0) return false;
      return !(warming && (t.racksNoData > 0 || cdusSilent![k]));
    });
  }
}

/** Per totals scope (site, halls, rows): whether a CDU of it has not reported yet. */
function scopesWithSilentCdus(state: LiveState): boolean[] {
  const site = state.site;
  const halls = site.view.halls.length;
  const out = new Array<boolean>(1 + halls + site.rows.length).fill(false);
  const states = state.cduCols[CDU_COL.state];
  site.cdus.forEach((c, j) => {
    if (states[j] !== EntityState.NoData) return;
    out[0] = out[1 + site.cduHall[j]] = true;
    const row = site.rows.findIndex((r) => r.id === c.rowId);
    if (row >= 0) out[1 + halls + row] = true;
  });
  return out;
}
