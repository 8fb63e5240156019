/** Row, hall and site totals over the live state. */
import { CDU_COL as CC, EntityState, RACK_COL as RC, type Totals } from '../../protocol/stream.ts';
import type { LiveState } from './live-state.ts';

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Running sums of one scope (a hall, a row, the site) before they become Totals. */
class Acc {
  t: Totals = {
    itKw: 0, heatKw: 0, racksHeatUnknown: 0, coolingCapacityKw: 0, headroomKw: null, headroomPct: null, n1HeadroomKw: null, groupsN1Lost: 0, groupsBlind: 0,
    racksLive: 0, racksStale: 0, racksOffline: 0, racksNoData: 0, maxReturnC: null, cdusReporting: 0,
  };
  loadKw = 0;
  n1Kw = 0;
  maxReturnC = Number.NEGATIVE_INFINITY;
  /** Whether a group in scope has a CDU reporting now; without one, capacity and headroom are unknown. */
  anyGroupSeen = false;
  /** A CDU in scope whose capacity the site file leaves unknown: headroom is unknown too. */
  capacityUnknown = false;

  rack(state: LiveState, i: number): void {
    const rc = state.rackCols;
    const st = rc[RC.state][i];
    const t = this.t;
    if (st === EntityState.Live) t.racksLive++;
    else if (st === EntityState.Stale) t.racksStale++;
    else if (st === EntityState.Offline) t.racksOffline++;
    else t.racksNoData++;
    // Live and stale racks count (a stale rack's heat is still there); offline and silent ones do not.
    if (st !== EntityState.Live && st !== EntityState.Stale) return;
    // A rack reporting only some points (a BMS rack with power but no flow) adds what it has.
    if (Number.isFinite(rc[RC.rackKw][i])) t.itKw += rc[RC.rackKw][i];
    if (Number.isFinite(rc[RC.heatKw][i])) t.heatKw += rc[RC.heatKw][i];
    else t.racksHeatUnknown++;
    if (st === EntityState.Live && rc[RC.returnC][i] > this.maxReturnC) this.maxReturnC = rc[RC.returnC][i];
  }

  group(state: LiveState, g: number): void {
    const cc = state.cduCols;
    const cdus = state.site.groupCdus[g];
    const reporting = cdus.filter((j) => cc[CC.state][j] === EntityState.Live).length;
    this.t.cdusReporting += reporting;
    // No unit of the group reports: not a loss of cooling anyone measured, an unknown.
    if (reporting === 0) {
      this.t.groupsBlind++;
      return;
    }
    this.anyGroupSeen = true;
    for (const j of cdus) {
      if (Number.isNaN(state.site.cdus[j].capacityKw)) this.capacityUnknown = true;
      else if (Number.isFinite(cc[CC.capacityKw][j])) this.t.coolingCapacityKw += cc[CC.capacityKw][j];
    }
    this.loadKw += state.groupLoadKw(g);
    const n1 = state.groupN1HeadroomKw(g);
    if (Number.isFinite(n1)) {
      this.n1Kw += n1;
      if (n1 < 0) this.t.groupsN1Lost++;
    }
  }

  add(other: Acc): void {
    const summed = ['itKw', 'heatKw', 'racksHeatUnknown', 'coolingCapacityKw', 'groupsN1Lost', 'groupsBlind', 'racksLive', 'racksStale', 'racksOffline', 'racksNoData', 'cdusReporting'] as const;
    for (const k of summed) {
      this.t[k] += other.t[k];
    }
    this.loadKw += other.loadKw;
    this.n1Kw += other.n1Kw;
    this.maxReturnC = Math.max(this.maxReturnC, other.maxReturnC);
    this.anyGroupSeen ||= other.anyGroupSeen;
    this.capacityUnknown ||= other.capacityUnknown;
  }

  finish(): Totals {
    const t = this.t;
    if (this.anyGroupSeen && !this.capacityUnknown) {
      t.headroomKw = t.coolingCapacityKw - this.loadKw;
      t.headroomPct = t.coolingCapacityKw > 0 ? finiteOrNull((t.headroomKw / t.coolingCapacityKw) * 100) : null;
      t.n1HeadroomKw = this.n1Kw;
    }
    t.maxReturnC = finiteOrNull(this.maxReturnC);
    return t;
  }
}

/**
 * Every row's, hall's and the site's totals in one pass over racks and groups (the per-tick path):
 * racks and groups count in their row (a group in the row of its CDUs), rows in their hall,
 * halls in the site.
 */
export function computeAllTotals(state: LiveState): { rows: Totals[]; halls: Totals[]; site: Totals } {
  const { site } = state;
  const rows = site.rows.map(() => new Acc());
  for (let i = 0; i < site.racks.length; i++) rows[site.rackRow[i]].rack(state, i);
  for (let g = 0; g < site.groups.length; g++) {
    if (site.groupCdus[g].length > 0) rows[site.groupRow[g]].group(state, g);
  }
  const hallIndexById = new Map(site.view.halls.map((h) => [h.id, h.index]));
  const halls = site.view.halls.map(() => new Acc());
  rows.forEach((r, k) => halls[hallIndexById.get(site.rows[k].hallId)!].add(r));
  const total = new Acc();
  for (const h of halls) total.add(h);
  return { rows: rows.map((r) => r.finish()), halls: halls.map((h) => h.finish()), site: total.finish() };
}
