/** Hall, row and site totals over the live state. */
import { EntityState, type Totals } from '../../protocol/stream.ts';
import type { LiveState } from './live-state.ts';
import { CC, RC } from './live-state.ts';

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * Sums racks (live or stale) and CDU groups of one hall (`hallIndex`) or of the whole site
 * (null). Cooling capacity is that of available CDUs; N+1 headroom is summed over groups.
 */
export function computeTotals(state: LiveState, hallIndex: number | null, rackFilter?: (i: number) => boolean): Totals {
  const { site, rackCols: rc, cduCols: cc } = state;
  const t = emptyTotals();
  let maxReturn = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < site.racks.length; i++) {
    if (hallIndex !== null && site.rackHall[i] !== hallIndex) continue;
    if (rackFilter && !rackFilter(i)) continue;
    const st = rc[RC.state][i];
    if (st === EntityState.Live) t.racksLive++;
    else if (st === EntityState.Stale) t.racksStale++;
    else if (st === EntityState.Offline) t.racksOffline++;
    else t.racksNoData++;
    if (st !== EntityState.Live && st !== EntityState.Stale) continue;
    t.itKw += rc[RC.rackKw][i];
    t.heatKw += rc[RC.heatKw][i];
    if (st === EntityState.Live) maxReturn = Math.max(maxReturn, rc[RC.returnC][i]);
  }
  let loadKw = 0;
  for (let g = 0; g < site.groups.length; g++) {
    const cdus = site.groupCdus[g];
    if (cdus.length === 0) continue;
    if (hallIndex !== null && site.cduHall[cdus[0]] !== hallIndex) continue;
    if (rackFilter && !site.groupRacks[g].some(rackFilter)) continue;
    for (const j of cdus) {
      if (Number.isFinite(cc[CC.capacityKw][j])) t.coolingCapacityKw += cc[CC.capacityKw][j];
      if (Number.isFinite(cc[CC.loadKw][j])) loadKw += cc[CC.loadKw][j];
    }
    const n1 = state.groupN1HeadroomKw(g);
    if (Number.isFinite(n1)) {
      t.n1HeadroomKw += n1;
      if (n1 < 0) t.groupsN1Lost++;
    }
  }
  t.headroomKw = t.coolingCapacityKw - loadKw;
  t.headroomPct = t.coolingCapacityKw > 0 ? finiteOrNull((t.headroomKw / t.coolingCapacityKw) * 100) : null;
  t.maxReturnC = finiteOrNull(maxReturn);
  return t;
}

function emptyTotals(): Totals {
  return {
    itKw: 0, heatKw: 0, coolingCapacityKw: 0, headroomKw: 0, headroomPct: null, n1HeadroomKw: 0, groupsN1Lost: 0,
    racksLive: 0, racksStale: 0, racksOffline: 0, racksNoData: 0, maxReturnC: null,
  };
}

/** Every hall's totals and the site's in one pass over racks and groups (the per-tick path). */
export function computeAllTotals(state: LiveState): { halls: Totals[]; site: Totals } {
  const { site, rackCols: rc, cduCols: cc } = state;
  const halls = site.view.halls.map(() => emptyTotals());
  const loads = new Float64Array(halls.length);
  const maxReturn = new Float64Array(halls.length).fill(Number.NEGATIVE_INFINITY);
  const stateCol = rc[RC.state];
  for (let i = 0; i < site.racks.length; i++) {
    const h = site.rackHall[i];
    const t = halls[h];
    const st = stateCol[i];
    if (st === EntityState.Live) t.racksLive++;
    else if (st === EntityState.Stale) t.racksStale++;
    else if (st === EntityState.Offline) t.racksOffline++;
    else t.racksNoData++;
    if (st !== EntityState.Live && st !== EntityState.Stale) continue;
    t.itKw += rc[RC.rackKw][i];
    t.heatKw += rc[RC.heatKw][i];
    if (st === EntityState.Live && rc[RC.returnC][i] > maxReturn[h]) maxReturn[h] = rc[RC.returnC][i];
  }
  for (let g = 0; g < site.groups.length; g++) {
    const cdus = site.groupCdus[g];
    if (cdus.length === 0) continue;
    const h = site.cduHall[cdus[0]];
    for (const j of cdus) {
      if (Number.isFinite(cc[CC.capacityKw][j])) halls[h].coolingCapacityKw += cc[CC.capacityKw][j];
      if (Number.isFinite(cc[CC.loadKw][j])) loads[h] += cc[CC.loadKw][j];
    }
    const n1 = state.groupN1HeadroomKw(g);
    if (Number.isFinite(n1)) {
      halls[h].n1HeadroomKw += n1;
      if (n1 < 0) halls[h].groupsN1Lost++;
    }
  }
  const siteTotals = emptyTotals();
  let siteLoad = 0;
  let siteMax = Number.NEGATIVE_INFINITY;
  halls.forEach((t, h) => {
    t.headroomKw = t.coolingCapacityKw - loads[h];
    t.headroomPct = t.coolingCapacityKw > 0 ? finiteOrNull((t.headroomKw / t.coolingCapacityKw) * 100) : null;
    t.maxReturnC = finiteOrNull(maxReturn[h]);
    siteLoad += loads[h];
    siteMax = Math.max(siteMax, maxReturn[h]);
    for (const k of ['itKw', 'heatKw', 'coolingCapacityKw', 'n1HeadroomKw', 'groupsN1Lost', 'racksLive', 'racksStale', 'racksOffline', 'racksNoData'] as const) {
      siteTotals[k] += t[k];
    }
  });
  siteTotals.headroomKw = siteTotals.coolingCapacityKw - siteLoad;
  siteTotals.headroomPct = siteTotals.coolingCapacityKw > 0 ? finiteOrNull((siteTotals.headroomKw / siteTotals.coolingCapacityKw) * 100) : null;
  siteTotals.maxReturnC = finiteOrNull(siteMax);
  return { halls, site: siteTotals };
}
