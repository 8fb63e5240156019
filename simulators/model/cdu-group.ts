/**
 * A redundancy group of in-row CDUs on one secondary manifold. Running pumps share the racks'
 * flow demand in proportion to what each can deliver; the loop's supply temperature is held at
 * the setpoint while the running units' capacity covers the heat, and rises when it does not.
 * A unit whose controller drifts (supply excursion) runs its own outlet off setpoint; the racks
 * see the flow-weighted mix of the units' outlets.
 */
import { heatCoefficientKwPerLpmK, type Coolant } from '../../protocol/coolant.ts';
import type { CduSpec } from '../../protocol/site.ts';
import type { CduTelemetry } from '../../protocol/telemetry.ts';
import type { Rng } from '../rng.ts';

/** Approach at rated duty: CDU secondary supply − facility supply, K (domain.md §2: "2 MW @ 5 K approach"). */
const RATED_APPROACH_K = 5;

/**
 * The plate exchanger's approach at `heatKw` for a unit rated `capacityKw`, K. Its UA is fixed
 * (capacity ÷ rated approach) and it runs balanced — the primary valve matches the exchanger's
 * primary flow to the secondary — so the temperature difference is the same along the plates
 * and equals Q / UA: it grows in proportion to the heat the unit carries (a partner taking over
 * a tripped unit's share at 1.5× the load shows 1.5× the approach).
 */
export function exchangerApproachK(heatKw: number, capacityKw: number): number {
  return (Math.max(0, heatKw) * RATED_APPROACH_K) / capacityKw;
}

export interface CduFaults {
  tripped: boolean;
  /** Pump degradation: share of rated flow lost, 0–1. */
  pumpLoss: number;
  /** Supply excursion this unit's controller adds, K. */
  excursionK: number;
}

export class CduUnit {
  readonly faults: CduFaults = { tripped: false, pumpLoss: 0, excursionK: 0 };
  seq = 0;
  constructor(readonly spec: CduSpec) {}

  get availableFlowLpm(): number {
    return this.faults.tripped ? 0 : this.spec.ratedFlowLpm * (1 - this.faults.pumpLoss);
  }
}

export interface GroupStep {
  supplyC: number;
  /** Share of the racks' design flow delivered, 0–1. */
  flowFactor: number;
  samples: CduTelemetry[];
}

export class CduGroup {
  constructor(
    readonly units: CduUnit[],
    private readonly coolant: Coolant,
    private readonly setpointC: number,
    private readonly rng: Rng,
  ) {}

  /**
   * One step: `demandLpm` is the racks' design flow, `heatKw` their liquid heat (last step),
   * `returnC` their flow-weighted mean return (the group's mixed return).
   */
  step(tMs: number, demandLpm: number, heatKw: number, returnC: number): GroupStep {
    const running = this.units.filter((u) => !u.faults.tripped);
    const availableLpm = running.reduce((s, u) => s + u.availableFlowLpm, 0);
    const deliveredLpm = Math.min(demandLpm, availableLpm);
    const flowFactor = demandLpm > 0 ? deliveredLpm / demandLpm : 1;
    const capacityKw = running.reduce((s, u) => s + u.spec.capacityKw, 0);
    const k = heatCoefficientKwPerLpmK(this.coolant, this.setpointC + 5);
    // Heat the exchangers cannot reject warms the supply: excess / (k · flow).
    const overloadK = deliveredLpm > 0 ? Math.max(0, heatKw - capacityKw) / (k * deliveredLpm) : 0;
    // The plant sends facility water cold enough for a unit at rated duty to hold the setpoint.
    const plantSupplyC = this.setpointC - RATED_APPROACH_K;
    const units = this.units.map((u) => {
      const share = u.faults.tripped || availableLpm <= 0 ? 0 : u.availableFlowLpm / availableLpm;
      const unitHeatKw = heatKw * share;
      const approachK = exchangerApproachK(unitHeatKw, u.spec.capacityKw);
      // Each unit's own outlet (a faulty controller shows here); no exchanger cools below plant water + approach.
      const outletC = Math.max(this.setpointC + u.faults.excursionK + Math.min(overloadK, 20), plantSupplyC + approachK);
      return { share, unitHeatKw, approachK, outletC };
    });
    // The racks get the flow-weighted mix of the running units' outlets.
    const supplyC = availableLpm > 0 ? units.reduce((s, x) => s + x.share * x.outletC, 0) : this.setpointC + Math.min(overloadK, 20);
    const r2 = (v: number) => Math.round(v * 100) / 100;
    const samples = this.units.map((u, i): CduTelemetry => {
      const { share, approachK, outletC } = units[i];
      const flowLpm = deliveredLpm * share;
      if (u.faults.tripped) {
        return {
          ts: tMs, seq: u.seq++, running: false, flowLpm: 0, pumpPct: 0,
          supplyC: r2(returnC), returnC: r2(returnC),
          facilitySupplyC: r2(plantSupplyC), facilityReturnC: r2(plantSupplyC), dpKpa: 0,
        };
      }
      const noise = () => 0.05 * this.rng.gaussian();
      // Facility supply is read at the exchanger's primary inlet, after the valve that blends plant
      // water with primary return. Balanced exchanger: the primary sits the approach below the
      // secondary at both ends, so it carries exactly the heat the secondary brings (Q = k·V̇·ΔT).
      const facilitySupplyC = outletC - approachK;
      const facilityReturnC = Math.max(facilitySupplyC, returnC - approachK);
      return {
        ts: tMs,
        seq: u.seq++,
        running: true,
        supplyC: r2(outletC + noise()),
        returnC: r2(returnC + noise()),
        flowLpm: r2(flowLpm * (1 + 0.003 * this.rng.gaussian())),
        pumpPct: r2(Math.min(100, (flowLpm / (u.spec.ratedFlowLpm * (1 - u.faults.pumpLoss) || 1)) * 100)),
        facilitySupplyC: r2(facilitySupplyC + noise()),
        facilityReturnC: r2(facilityReturnC + noise()),
        dpKpa: r2(180 * (flowLpm / u.spec.ratedFlowLpm) ** 2),
      };
    });
    return { supplyC, flowFactor, samples };
  }
}
