/**
 * Pure derivations (shared/docs/domain.md §3, "Cooling headroom"): rack heat, headroom and the
 * binding limit; the load, headroom and N+1 headroom of a redundancy group of CDUs.
 */
import { heatCoefficientKwPerLpmK, type Coolant } from '../../protocol/coolant.ts';
import { Binding, type BindingCode } from '../../protocol/stream.ts';
import type { RackType } from '../../protocol/site.ts';
import { DerivedFlag, RETURN_SIDE_INVALID } from '../../protocol/derived-flags.ts';
import { classifyCapture, deltaToleranceK } from './capture-check.ts';

export interface RackReading {
  rackKw: number;
  supplyC: number;
  returnC: number;
  flowLpm: number;
}

export interface RackDerived {
  /** Null (NaN) when a flag withholds it, as for every value below but the power-only ones. */
  deltaTK: number;
  heatKw: number;
  /** Heat to liquid ÷ electrical power (≈ 0.9 for GB300); NaN at zero power or when withheld. */
  captureRatio: number;
  thermalHeadroomKw: number;
  thermalHeadroomPct: number;
  powerHeadroomKw: number;
  powerHeadroomPct: number;
  /** Flow the rack's present liquid load needs at its design ΔT, L/min. */
  flowRequiredLpm: number;
  /** (flow − need) ÷ flow, % — the share of present flow that is spare (negative when short). */
  flowHeadroomPct: number;
  /** Flow ÷ what the load needs, % (100 = exactly enough; 45 = under half). */
  flowSharePct: number;
  binding: BindingCode;
  /** Why values are withheld or marked: bits of `DerivedFlag` (0 when every value is plain). */
  flags: number;
}

/** What the rack's own samples say about its sensors (sensor-health.ts). */
export interface RackSensors {
  /** `DerivedFlag.ReturnFrozen` / `ReturnNoisy` bits, 0 when the return sensor looks healthy. */
  returnFault: number;
  /** Power the rack drew lately, kW (NaN when unknown): bounds a transient's heat. */
  recentKw: number;
}

const HEALTHY: RackSensors = { returnFault: 0, recentKw: Number.NaN };

/** Flags for the readings a sample lacks (a DSX point not yet reported) and a return below supply beyond tolerance. */
function readingFlags(r: RackReading): number {
  let f = 0;
  if (!Number.isFinite(r.supplyC)) f |= DerivedFlag.SupplyMissing;
  if (!Number.isFinite(r.returnC)) f |= DerivedFlag.ReturnMissing;
  if (!Number.isFinite(r.flowLpm)) f |= DerivedFlag.FlowMissing;
  if (!Number.isFinite(r.rackKw)) f |= DerivedFlag.PowerMissing;
  if (r.supplyC - r.returnC > deltaToleranceK(r.supplyC, r.returnC)) f |= DerivedFlag.ReturnBelowSupply;
  return f;
}

/**
 * Rack thermal headroom to the return limit at current flow:
 * Q_max = k·V̇·(T_limit − T_supply), headroom = k·V̇·(T_limit − T_return), % = headroom / Q_max.
 * Flow requirement uses the expected liquid heat (power × liquid share), so a rack that lost
 * its flow still shows the flow it needs. `groupHeadroomPct` is the CDU-capacity headroom of
 * the rack's redundancy group (NaN if unknown); the binding limit is the smallest share.
 * Values from a faulted, missing or impossible reading are NaN, and `flags` says why; a capture
 * ratio above 100 % is judged against the sensors' accuracy and the recent power
 * (capture-check.ts) and is NaN unless within accuracy.
 */
export function deriveRack(coolant: Coolant, type: RackType, r: RackReading, groupHeadroomPct: number, sensors: RackSensors = HEALTHY): RackDerived {
  let flags = sensors.returnFault | readingFlags(r);
  const returnOk = (flags & RETURN_SIDE_INVALID) === 0;
  const deltaTK = returnOk ? r.returnC - r.supplyC : Number.NaN;
  const k = heatCoefficientKwPerLpmK(coolant, (r.supplyC + r.returnC) / 2);
  const heatKw = k * r.flowLpm * deltaTK;
  const thermalMaxKw = k * r.flowLpm * (type.returnLimitC - r.supplyC);
  const thermalHeadroomKw = returnOk ? k * r.flowLpm * (type.returnLimitC - r.returnC) : Number.NaN;
  const thermalHeadroomPct = !returnOk || Number.isNaN(thermalHeadroomKw)
    ? Number.NaN
    : thermalMaxKw > 0 ? (thermalHeadroomKw / thermalMaxKw) * 100 : r.returnC >= type.returnLimitC ? -100 : 0;
  const powerHeadroomKw = type.usableKw - r.rackKw;
  const powerHeadroomPct = (powerHeadroomKw / type.usableKw) * 100;
  const expectedLiquidKw = r.rackKw * type.liquidShare;
  const flowRequiredLpm = expectedLiquidKw / (heatCoefficientKwPerLpmK(coolant, r.supplyC + type.designDeltaTK / 2) * type.designDeltaTK);
  const flowHeadroomPct =
    r.flowLpm > 0 ? ((r.flowLpm - flowRequiredLpm) / r.flowLpm) * 100 : flowRequiredLpm > 0 ? -100 : 0;
  let captureRatio = r.rackKw > 0 ? heatKw / r.rackKw : Number.NaN;
  if (Number.isFinite(captureRatio)) {
    const capture = classifyCapture(heatKw, r.rackKw, sensors.recentKw, r.supplyC, r.returnC);
    flags |= capture;
    if (capture !== 0 && capture !== DerivedFlag.CaptureWithinAccuracy) captureRatio = Number.NaN;
  }
  return {
    deltaTK,
    heatKw,
    captureRatio,
    thermalHeadroomKw,
    thermalHeadroomPct,
    powerHeadroomKw,
    powerHeadroomPct,
    flowRequiredLpm,
    flowHeadroomPct,
    flowSharePct: flowRequiredLpm > 0 ? (r.flowLpm / flowRequiredLpm) * 100 : Number.NaN,
    binding: bindingLimit(thermalHeadroomPct, flowHeadroomPct, powerHeadroomPct, groupHeadroomPct),
    flags,
  };
}

/** The limit with the smallest headroom share; NaN shares are ignored. Ties go to the first listed. */
export function bindingLimit(thermalPct: number, flowPct: number, powerPct: number, capacityPct: number): BindingCode {
  // Written out rather than over an array of candidates: this runs for every rack sample.
  let best: BindingCode = Binding.None;
  let bestPct = Number.POSITIVE_INFINITY;
  // A NaN share compares false: it never binds.
  if (thermalPct < bestPct) {
    bestPct = thermalPct;
    best = Binding.ReturnTemp;
  }
  if (flowPct < bestPct) {
    bestPct = flowPct;
    best = Binding.Flow;
  }
  if (powerPct < bestPct) {
    bestPct = powerPct;
    best = Binding.Power;
  }
  return capacityPct < bestPct ? Binding.Capacity : best;
}

export interface CduReading {
  capacityKw: number;
  ratedFlowLpm: number;
  /** Live and reporting running: its capacity counts. */
  available: boolean;
  /** Reporting itself stopped (tripped or switched off): its temperatures read standing water. */
  stopped?: boolean;
  supplyC: number;
  facilitySupplyC: number;
  /** Measured flow and pump speed (NaN when not reported): a pump short of its speed's flow is derated. */
  flowLpm?: number;
  pumpPct?: number;
}

/** Below this pump speed the flow a speed should give is too uncertain to judge, %. */
const MIN_JUDGED_PUMP_PCT = 20;
/** A shortfall smaller than this is measurement scatter, not a worn pump, %. */
const MIN_SHORTFALL_PCT = 5;

/**
 * How far a CDU's flow falls short of what its pump speed gives a healthy unit (flow ∝ speed,
 * the pump affinity law, against its rated flow at 100 %), % — 0 for a healthy unit, rounded
 * to whole percent and 0 below `MIN_SHORTFALL_PCT`; NaN when flow or speed is not reported.
 */
export function pumpShortfallPct(ratedFlowLpm: number, flowLpm: number | undefined, pumpPct: number | undefined): number {
  if (!Number.isFinite(flowLpm) || !Number.isFinite(pumpPct) || ratedFlowLpm <= 0) return Number.NaN;
  if (pumpPct! < MIN_JUDGED_PUMP_PCT) return 0;
  const expectedLpm = (ratedFlowLpm * pumpPct!) / 100;
  const pct = Math.round(Math.max(0, Math.min(100, (1 - flowLpm! / expectedLpm) * 100)));
  return pct < MIN_SHORTFALL_PCT ? 0 : pct;
}

export interface CduDerived {
  loadKw: number;
  /** Capacity it contributes now (0 when tripped or not reporting). */
  capacityKw: number;
  headroomKw: number;
  headroomPct: number;
  flowHeadroomLpm: number;
  /** Approach temperature difference: secondary supply − facility supply, K (NaN when stopped: no heat crosses it). */
  approachK: number;
  /** Flow short of what the pump speed gives, % (see `pumpShortfallPct`); derates capacity. */
  pumpShortfallPct: number;
}

export interface GroupDerived {
  loadKw: number;
  capacityKw: number;
  headroomKw: number;
  headroomPct: number;
  /** (Σ running capacity − largest running unit) − load. */
  n1HeadroomKw: number;
  cdus: CduDerived[];
}

/**
 * A redundancy group shares the heat of its racks across its available CDUs in proportion to
 * their capacity (a common secondary manifold), and its required flow in proportion to rated
 * flow. With no CDU available the group has no capacity: headroom is −load (or NaN with no load
 * and no data, left for the caller to show as unknown).
 */
export function deriveGroup(cdus: CduReading[], loadKw: number, requiredFlowLpm: number): GroupDerived {
  // A unit short of its speed's flow moves that much less heat and flow: derate it in proportion.
  const shortfall = cdus.map((c) => pumpShortfallPct(c.ratedFlowLpm, c.flowLpm, c.pumpPct));
  const health = shortfall.map((p) => (Number.isFinite(p) ? 1 - p / 100 : 1));
  let capacityKw = 0;
  let ratedFlowLpm = 0;
  let largestKw = 0;
  cdus.forEach((c, k) => {
    if (!c.available) return;
    capacityKw += c.capacityKw * health[k];
    ratedFlowLpm += c.ratedFlowLpm * health[k];
    largestKw = Math.max(largestKw, c.capacityKw * health[k]);
  });
  const headroomKw = capacityKw - loadKw;
  return {
    loadKw,
    capacityKw,
    headroomKw,
    // Unknown capacity (a site file's `null`) leaves every capacity figure unknown, never guessed.
    headroomPct: Number.isNaN(capacityKw) ? Number.NaN : capacityKw > 0 ? (headroomKw / capacityKw) * 100 : loadKw > 0 ? -100 : Number.NaN,
    n1HeadroomKw: capacityKw - largestKw - loadKw,
    cdus: cdus.map((c, k) => {
      const cap = c.available ? c.capacityKw * health[k] : 0;
      const rated = c.available ? c.ratedFlowLpm * health[k] : 0;
      const share = capacityKw > 0 ? cap / capacityKw : 0;
      const flowShare = ratedFlowLpm > 0 ? rated / ratedFlowLpm : 0;
      const load = loadKw * share;
      return {
        loadKw: load,
        capacityKw: cap,
        headroomKw: cap - load,
        headroomPct: cap > 0 ? ((cap - load) / cap) * 100 : Number.NaN,
        flowHeadroomLpm: c.available ? rated - requiredFlowLpm * flowShare : Number.NaN,
        approachK: c.stopped ? Number.NaN : c.supplyC - c.facilitySupplyC,
        pumpShortfallPct: c.available ? shortfall[k] : Number.NaN,
      };
    }),
  };
}
