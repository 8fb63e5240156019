/** JSON bodies of the REST API: live and derived values with units in the field names. */
import { BINDING_NAMES, CDU_COL as CC, ENTITY_STATE_NAMES, EntityState, RACK_COL as RC, type Totals } from '../../protocol/stream.ts';
import { dewPointC } from '../../protocol/coolant.ts';
import { withheldReason, type DerivedKind } from '../../protocol/derived-flags.ts';
import type { LiveState } from '../state/live-state.ts';

function n(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null;
}

function stateFields(state: number, tsMs: number, receivedMs: number, nowMs: number) {
  const name = ENTITY_STATE_NAMES[state] ?? 'nodata';
  return {
    state: name,
    online: state !== EntityState.Offline,
    stale: state === EntityState.Stale,
    /** Age of the last sample by its source timestamp, ms. */
    ageMs: Number.isFinite(tsMs) ? Math.max(0, nowMs - tsMs) : null,
    receivedAgeMs: Number.isFinite(receivedMs) ? Math.max(0, nowMs - receivedMs) : null,
  };
}

const DERIVED_KINDS: readonly DerivedKind[] = ['return', 'thermal', 'heat', 'capture', 'power'];

/** Why each kind of derived value is withheld (null: it is not), from the rack's `derivedFlags`. */
function withheldJson(flags: number) {
  return Object.fromEntries(DERIVED_KINDS.map((k) => [k, withheldReason(flags, k)])) as Record<DerivedKind, string | null>;
}

export function rackJson(s: LiveState, i: number, nowMs: number) {
  const r = s.site.racks[i];
  const c = (col: number) => n(s.rackCols[col][i]);
  const hall = s.site.spec.halls.find((h) => h.id === r.hallId)!;
  const supplyC = s.rackCols[RC.supplyC][i];
  const dewC = dewPointC(hall.roomC, hall.roomRhPct);
  const d = s.rackDetail[i];
  const hasData = s.rackCols[RC.state][i] !== EntityState.NoData;
  return {
    ...r,
    ...stateFields(s.rackCols[RC.state][i], s.rackCols[RC.tsMs][i], s.rackReceivedMs[i], nowMs),
    tsMs: c(RC.tsMs),
    rackKw: c(RC.rackKw),
    supplyC: c(RC.supplyC),
    returnC: c(RC.returnC),
    flowLpm: c(RC.flowLpm),
    deltaTK: c(RC.deltaTK),
    heatKw: c(RC.heatKw),
    captureRatio: c(RC.captureRatio),
    flowRequiredLpm: c(RC.flowRequiredLpm),
    /** Bits of DerivedFlag (protocol/derived-flags.ts); `withheld` says the same in words. */
    derivedFlags: hasData ? c(RC.derivedFlags) : null,
    withheld: withheldJson(s.rackCols[RC.derivedFlags][i]),
    leak: hasData ? c(RC.leak) : null,
    gpuW: d?.gpuW ?? null,
    cpuW: d?.cpuW ?? null,
    gpuC: d?.gpuC ?? null,
    dpKpa: d?.dpKpa ?? null,
    valvePct: d?.valvePct ?? null,
    seq: d?.seq ?? null,
    headroom: {
      thermalKw: c(RC.thermalHeadroomKw),
      thermalPct: c(RC.thermalHeadroomPct),
      powerKw: c(RC.powerHeadroomKw),
      powerPct: c(RC.powerHeadroomPct),
      flowPct: c(RC.flowHeadroomPct),
      cduGroupPct: c(RC.groupHeadroomPct),
      supplyK: hasData ? n(hall.supplyClassMaxC - supplyC) : null,
      dewPointMarginK: hasData ? n(supplyC - dewC) : null,
      binding: hasData ? BINDING_NAMES[s.rackCols[RC.binding][i]] : null,
    },
  };
}

export function cduJson(s: LiveState, j: number, nowMs: number) {
  const cdu = s.site.cdus[j];
  const c = (col: number) => n(s.cduCols[col][j]);
  const extra = s.cduExtra[j];
  const hasData = s.cduCols[CC.state][j] !== EntityState.NoData;
  return {
    ...cdu,
    ...stateFields(s.cduCols[CC.state][j], s.cduCols[CC.tsMs][j], s.cduReceivedMs[j], nowMs),
    tsMs: c(CC.tsMs),
    supplyC: c(CC.supplyC),
    returnC: c(CC.returnC),
    flowLpm: c(CC.flowLpm),
    pumpPct: c(CC.pumpPct),
    running: hasData ? s.cduCols[CC.running][j] === 1 : null,
    facilitySupplyC: n(extra?.facilitySupplyC),
    facilityReturnC: n(extra?.facilityReturnC),
    dpKpa: n(extra?.dpKpa),
    loadKw: c(CC.loadKw),
    /** Nameplate capacity; `availableCapacityKw` is 0 while the unit is tripped or silent. */
    capacityKw: cdu.capacityKw,
    availableCapacityKw: c(CC.capacityKw),
    headroomKw: c(CC.headroomKw),
    headroomPct: c(CC.headroomPct),
    flowHeadroomLpm: c(CC.flowHeadroomLpm),
    approachK: c(CC.approachK),
    n1HeadroomKw: c(CC.n1HeadroomKw),
  };
}

function roundTotals(t: Totals): Totals {
  const out = { ...t };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'number') (out as Record<string, unknown>)[k] = n(v);
  return out;
}

/** A hall with its rows, racks and CDUs; totals as of the state's last tick. */
export function hallJson(s: LiveState, hallIndex: number, nowMs: number) {
  const hall = s.site.view.halls[hallIndex];
  const spec = s.site.spec.halls[hallIndex];
  // The site's rows are in hall order: this hall's start at its first.
  const firstRow = s.site.rows.findIndex((r) => r.hallId === hall.id);
  return {
    id: hall.id,
    name: hall.name,
    supplySetpointC: hall.supplySetpointC,
    supplyClassMaxC: hall.supplyClassMaxC,
    dewPointC: n(dewPointC(spec.roomC, spec.roomRhPct)),
    totals: roundTotals(s.hallTotals[hallIndex]),
    rows: hall.rows.map((row, k) => ({ id: row.id, totals: roundTotals(s.rowTotals[firstRow + k]) })),
    racks: s.site.racks.filter((r) => r.hallId === hall.id).map((r) => rackJson(s, r.index, nowMs)),
    cdus: s.site.cdus.filter((c) => c.hallId === hall.id).map((c) => cduJson(s, c.index, nowMs)),
  };
}
