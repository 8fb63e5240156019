/**
 * Totals of one scope computed the plain way, rack by rack and group by group: the reference
 * the per-tick one-pass totals (server/state/totals.ts) are checked against.
 */
import { CDU_COL as CC, EntityState, RACK_COL as RC, type Totals } from '../../protocol/stream.ts';
import type { LiveState } from '../../server/state/live-state.ts';

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function sum(values: number[]): number {
  return values.reduce((n, v) => n + v, 0);
}

/**
 * Totals of one hall (`hallIndex`) or of the whole site (null), optionally only over the racks
 * `rackFilter` keeps (a row) and the redundancy groups serving them.
 */
export function referenceTotals(state: LiveState, hallIndex: number | null, rackFilter?: (i: number) => boolean): Totals {
  const { site, rackCols: rc, cduCols: cc } = state;
  const racks = site.racks.map((r) => r.index).filter((i) => (hallIndex === null || site.rackHall[i] === hallIndex) && (!rackFilter || rackFilter(i)));
  const inState = (s: number) => racks.filter((i) => rc[RC.state][i] === s);
  const live = inState(EntityState.Live);
  // Live and stale racks count (a stale rack's heat is still there), each with the values it has.
  const counted = [...live, ...inState(EntityState.Stale)];
  const rackSum = (col: number) => sum(counted.map((i) => rc[col][i]).filter(Number.isFinite));
  const returns = live.map((i) => rc[RC.returnC][i]).filter((v) => !Number.isNaN(v));
  const groups = site.groups.map((_, g) => g).filter((g) => {
    const cdus = site.groupCdus[g];
    return cdus.length > 0 && (hallIndex === null || site.cduHall[cdus[0]] === hallIndex) && (!rackFilter || site.groupRacks[g].some(rackFilter));
  });
  const allCdus = groups.flatMap((g) => [...site.groupCdus[g]]);
  // A group none of whose CDUs reports now is left out of capacity and headroom (it is counted apart).
  const seeing = groups.filter((g) => site.groupCdus[g].some((j) => cc[CC.state][j] === EntityState.Live));
  const cdus = seeing.flatMap((g) => [...site.groupCdus[g]]);
  const capacityKnown = cdus.every((j) => !Number.isNaN(site.cdus[j].capacityKw));
  const coolingCapacityKw = sum(cdus.filter((j) => !Number.isNaN(site.cdus[j].capacityKw)).map((j) => cc[CC.capacityKw][j]).filter(Number.isFinite));
  const n1 = seeing.map((g) => state.groupN1HeadroomKw(g)).filter(Number.isFinite);
  const headroomKnown = capacityKnown && seeing.length > 0;
  const headroomKw = coolingCapacityKw - sum(seeing.map((g) => state.groupLoadKw(g)));
  return {
    itKw: rackSum(RC.rackKw),
    heatKw: rackSum(RC.heatKw),
    racksHeatUnknown: counted.filter((i) => !Number.isFinite(rc[RC.heatKw][i])).length,
    coolingCapacityKw,
    headroomKw: headroomKnown ? headroomKw : null,
    headroomPct: headroomKnown && coolingCapacityKw > 0 ? finiteOrNull((headroomKw / coolingCapacityKw) * 100) : null,
    n1HeadroomKw: headroomKnown ? sum(n1) : null,
    groupsN1Lost: n1.filter((v) => v < 0).length,
    groupsBlind: groups.length - seeing.length,
    racksLive: live.length,
    racksStale: inState(EntityState.Stale).length,
    racksOffline: inState(EntityState.Offline).length,
    racksNoData: racks.length - counted.length - inState(EntityState.Offline).length,
    maxReturnC: finiteOrNull(Math.max(Number.NEGATIVE_INFINITY, ...returns)),
    cdusReporting: allCdus.filter((j) => cc[CC.state][j] === EntityState.Live).length,
  };
}
