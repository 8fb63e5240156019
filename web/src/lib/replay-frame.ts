/**
 * A replayed minute (`GET /api/history/hall`) as the heat map and the KPIs read it: rack and CDU
 * values by site index, and hall totals in the live totals' shape.
 */
import { RACK_HISTORY, type HallSnapshot } from '../../../protocol/history.ts';
import { EntityState, type CduColumn, type RackColumn, type Totals } from '../../../protocol/stream.ts';
import type { SiteView } from '../../../protocol/site-view.ts';
import type { HallValues } from './draw-hall.ts';

/** The rack field a metric replays as: its own column when kept as history, else return temperature. */
export function replayField(column: RackColumn): RackColumn {
  return (RACK_HISTORY as readonly string[]).includes(column) ? column : 'returnC';
}

export interface ReplayFrame {
  atMs: number;
  /** Changes whenever the values do (the heat map repaints on it). */
  key: string;
  values: HallValues;
  totals: Totals;
  /** The rack field the racks are coloured by, and where the minute was read from. */
  field: string;
  source: HallSnapshot['source'];
  racksWithData: number;
  cdusWithData: number;
}

/**
 * The frame of `snap` for `site`, coloured by `column` (a rack column the snapshot does not hold
 * reads as its `field`: the heat map colours by what was kept). A CDU whose minute has values is
 * live; it ran when its capacity counted (a tripped CDU contributes 0 kW: server/state/derive.ts).
 */
export function replayFrame(site: SiteView, snap: HallSnapshot, column: RackColumn): ReplayFrame {
  const rackValue = new Float64Array(site.racks.length).fill(Number.NaN);
  let racksWithData = 0;
  for (const r of site.racks) {
    const v = snap.racks[r.id];
    if (r.hallId !== snap.hallId || v === undefined) continue;
    rackValue[r.index] = v;
    racksWithData++;
  }
  const cdus = site.cdus.map((c) => (c.hallId === snap.hallId ? (snap.cdus?.[c.id] as Partial<Record<CduColumn, number>> | undefined) : undefined));
  const values: HallValues = {
    rack: (col, i) => {
      if (col === 'state') return Number.isNaN(rackValue[i]) ? EntityState.NoData : EntityState.Live;
      return col === snap.field || col === column ? rackValue[i] : Number.NaN;
    },
    cdu: (col, j) => {
      const c = cdus[j];
      if (col === 'state') return c && Object.keys(c).length ? EntityState.Live : EntityState.NoData;
      if (col === 'running') return c && (c.capacityKw ?? 1) > 0 ? 1 : 0;
      return c?.[col] ?? Number.NaN;
    },
  };
  return {
    atMs: snap.atMs,
    key: `replay-${snap.hallId}-${snap.atMs}-${snap.field}-${snap.source}`,
    values,
    field: snap.field,
    source: snap.source,
    totals: replayTotals(snap.totals ?? {}),
    racksWithData,
    cdusWithData: cdus.filter((c) => c && Object.keys(c).length).length,
  };
}

/** Minute means as live totals: counts rounded, what was not kept (groups short of N+1 or not reporting, racks of unknown heat, CDUs reporting) NaN. */
function replayTotals(t: HallSnapshot['totals']): Totals {
  const n = (v: number | undefined) => v ?? Number.NaN;
  const count = (v: number | undefined) => (v === undefined ? Number.NaN : Math.round(v));
  return {
    itKw: n(t.itKw),
    heatKw: n(t.heatKw),
    racksHeatUnknown: Number.NaN,
    coolingCapacityKw: n(t.coolingCapacityKw),
    headroomKw: t.headroomKw ?? null,
    headroomPct: t.headroomPct ?? null,
    n1HeadroomKw: t.n1HeadroomKw ?? null,
    groupsN1Lost: Number.NaN,
    groupsBlind: Number.NaN,
    racksLive: count(t.racksLive),
    racksStale: count(t.racksStale),
    racksOffline: count(t.racksOffline),
    racksNoData: Number.NaN,
    maxReturnC: t.maxReturnC ?? null,
    cdusReporting: Number.NaN,
  };
}
