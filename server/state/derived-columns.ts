/**
 * The live state's derived columns: a rack's ΔT, heat and headroom from its last sample and its
 * group's headroom; a redundancy group's load, capacity, headroom and N+1 into its CDUs, and its
 * headroom into its racks. Whatever changes is marked for the stream.
 */
import { CDU_COL as CC, EntityState, RACK_COL as RC } from '../../protocol/stream.ts';
import { DerivedFlag } from '../../protocol/derived-flags.ts';
import { deriveGroup, deriveRack, type CduReading } from './derive.ts';
import type { LiveState } from './live-state.ts';

/** Flags of a return or supply sensor that reports, but wrongly. */
const SENSOR_FAULT = DerivedFlag.ReturnFrozen | DerivedFlag.ReturnNoisy | DerivedFlag.ReturnBelowSupply;

/** Per redundancy group: what the last derivation found (NaN before one, or while no CDU of it has reported). */
export class GroupColumns {
  readonly headroomPct: Float64Array;
  /** The headroom last sent to every rack of the group at once (headroomStepAtOnce). */
  readonly sentPct: Float64Array;
  readonly n1Kw: Float64Array;
  /** Heat of the racks the group serves, kW. */
  readonly loadKw: Float64Array;

  constructor(groups: number) {
    this.headroomPct = new Float64Array(groups).fill(Number.NaN);
    this.sentPct = new Float64Array(groups).fill(Number.NaN);
    this.n1Kw = new Float64Array(groups).fill(Number.NaN);
    this.loadKw = new Float64Array(groups);
  }
}

/** Rack `i`'s derived columns from its present values and its group's headroom. */
export function deriveRackAt(s: LiveState, i: number): void {
  const c = s.rackCols;
  const groupPct = s.groupCols.headroomPct[s.site.rackGroup[i]];
  const d = deriveRack(
    s.site.spec.coolant,
    s.site.rackTypes[i],
    { rackKw: c[RC.rackKw][i], supplyC: c[RC.supplyC][i], returnC: c[RC.returnC][i], flowLpm: c[RC.flowLpm][i] },
    groupPct,
    { returnFault: s.sensors.returnFault(i), recentKw: s.sensors.recentKw(i) },
  );
  c[RC.deltaTK][i] = d.deltaTK;
  c[RC.heatKw][i] = d.heatKw;
  c[RC.captureRatio][i] = d.captureRatio;
  c[RC.thermalHeadroomKw][i] = d.thermalHeadroomKw;
  c[RC.thermalHeadroomPct][i] = d.thermalHeadroomPct;
  c[RC.powerHeadroomKw][i] = d.powerHeadroomKw;
  c[RC.powerHeadroomPct][i] = d.powerHeadroomPct;
  c[RC.flowRequiredLpm][i] = d.flowRequiredLpm;
  c[RC.flowHeadroomPct][i] = d.flowHeadroomPct;
  c[RC.flowSharePct][i] = d.flowSharePct;
  c[RC.groupHeadroomPct][i] = groupPct;
  c[RC.binding][i] = d.binding;
  c[RC.derivedFlags][i] = d.flags;
}

/**
 * Derives redundancy group `g`. Its load counts racks that are live or stale (their last heat is
 * still physically there); offline racks and racks never heard from are left out. A rack whose
 * heat is withheld for a faulted return or supply sensor counts with the heat its power gives
 * (power × liquid share): its heat is still there, only its sensor cannot say how much.
 */
export function deriveGroupAt(s: LiveState, g: number): void {
  const { site, rackCols: rc, cduCols: cc, groupCols } = s;
  let loadKw = 0;
  let flowKw = 0;
  for (const i of site.groupRacks[g]) {
    const st = rc[RC.state][i];
    if (st !== EntityState.Live && st !== EntityState.Stale) continue;
    if (Number.isFinite(rc[RC.heatKw][i])) loadKw += rc[RC.heatKw][i];
    else if ((rc[RC.derivedFlags][i] & SENSOR_FAULT) !== 0 && Number.isFinite(rc[RC.rackKw][i])) {
      loadKw += rc[RC.rackKw][i] * site.rackTypes[i].liquidShare;
    }
    if (Number.isFinite(rc[RC.flowRequiredLpm][i])) flowKw += rc[RC.flowRequiredLpm][i];
  }
  const cduIdx = site.groupCdus[g];
  const readings: CduReading[] = Array.from(cduIdx, (j) => ({
    capacityKw: site.cdus[j].capacityKw,
    ratedFlowLpm: site.cdus[j].ratedFlowLpm,
    available: cduAvailable(s, j),
    stopped: cc[CC.running][j] === 0,
    supplyC: cc[CC.supplyC][j],
    facilitySupplyC: s.cduExtra[j]?.facilitySupplyC ?? Number.NaN,
    flowLpm: cc[CC.flowLpm][j],
    pumpPct: cc[CC.pumpPct][j],
  }));
  const anyData = Array.from(cduIdx).some((j) => cc[CC.state][j] !== EntityState.NoData);
  const d = deriveGroup(readings, loadKw, flowKw);
  groupCols.loadKw[g] = loadKw;
  // Racks carry their group's headroom to 0.1 %: every sample moves the group's load a little,
  // and re-sending every rack of the group for a change nobody can see would put the whole
  // site in every delta.
  const pct = anyData ? Math.round(d.headroomPct * 10) / 10 : Number.NaN;
  groupCols.n1Kw[g] = anyData ? d.n1HeadroomKw : Number.NaN;
  cduIdx.forEach((j, k) => {
    const cd = d.cdus[k];
    setCdu(s, j, CC.loadKw, cd.loadKw);
    setCdu(s, j, CC.capacityKw, cd.capacityKw);
    setCdu(s, j, CC.headroomKw, cd.capacityKw > 0 ? cd.headroomKw : Number.NaN);
    setCdu(s, j, CC.headroomPct, cd.headroomPct);
    setCdu(s, j, CC.flowHeadroomLpm, cd.flowHeadroomLpm);
    setCdu(s, j, CC.approachK, cd.approachK);
    setCdu(s, j, CC.n1HeadroomKw, groupCols.n1Kw[g]);
    setCdu(s, j, CC.pumpShortfallPct, cd.pumpShortfallPct);
  });
  if (!sameNumber(groupCols.headroomPct[g], pct)) {
    // Against what was last sent at once, so that a slow drift goes out once it adds up to a point.
    const atOnce = headroomStepAtOnce(groupCols.sentPct[g], pct);
    if (atOnce) groupCols.sentPct[g] = pct;
    groupCols.headroomPct[g] = pct;
    for (const i of site.groupRacks[g]) {
      if (rc[RC.state][i] === EntityState.NoData) continue;
      const binding = rc[RC.binding][i];
      deriveRackAt(s, i);
      // A small step rides with the rack's next sample (it is derived here, sent then): marking
      // every rack of the group for it each second doubled the rows a hall shard sends. A rack
      // whose binding limit it changed goes at once.
      if (atOnce || rc[RC.state][i] !== EntityState.Live || rc[RC.binding][i] !== binding) s.markRack(i);
    }
  }
}

/** A group headroom step smaller than this is sent with each rack's next sample, percentage points. */
export const HEADROOM_RIDE_ALONG_PCT = 1;

/**
 * Whether a group's headroom moving from `wasPct` (as last sent at once) to `nowPct` goes out to
 * its racks' rows at once: a step of a point or more, or one to or from unknown (NaN). Smaller
 * ones wait for each live rack's next sample, at most a telemetry interval; a rack not live gets
 * no sample, so it is sent at once.
 */
export function headroomStepAtOnce(wasPct: number, nowPct: number): boolean {
  return !(Math.abs(nowPct - wasPct) < HEADROOM_RIDE_ALONG_PCT);
}

/** Whether CDU `j` carries load: live and running. */
export function cduAvailable(s: LiveState, j: number): boolean {
  return s.cduCols[CC.state][j] === EntityState.Live && s.cduCols[CC.running][j] === 1;
}

function setCdu(s: LiveState, j: number, col: number, v: number): void {
  if (!sameNumber(s.cduCols[col][j], v)) {
    s.cduCols[col][j] = v;
    s.markCdu(j);
  }
}

/** Equality that treats NaN as equal to NaN and ignores sub-0.01 float noise. */
function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a)) return Number.isNaN(b);
  return Math.abs(a - b) < 0.01;
}
