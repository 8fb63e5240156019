/**
 * One simulated rack (GB300 NVL72 by default): per-GPU power from its workload, rack power
 * with CPUs and overhead, heat to liquid, and a return temperature that follows
 * Q = k·V̇·ΔT through a first-order lag of the loop transit time (domain.md §3). What makes
 * this rack unlike its neighbours (flow, cold plates, silicon, fouling) comes from its
 * `RackVariation` (rack-variation.ts); the physics is the same for every rack.
 */
import { returnForLoadC, type Coolant } from '../../protocol/coolant.ts';
import type { RackType } from '../../protocol/site.ts';
import type { RackTelemetry } from '../../protocol/telemetry.ts';
import type { Rng } from '../rng.ts';
import { loadFraction } from './workload.ts';
import type { Job, RackVariation } from './rack-variation.ts';
import { DESIGN_LPM_PER_KW } from '../generate-site.ts';

/** Grace CPU power range, W (domain.md §1). */
const CPU_IDLE_W = 60;
const CPU_MAX_W = 300;
/** Switch trays, NICs, fans and conversion losses: fixed part and load-proportional part, kW.
 *  Chosen so a full rack draws ~135 kW and an idle one ~23 kW (estimate, domain.md §1). */
const OVERHEAD_FIXED_KW = 10;
const OVERHEAD_LOAD_KW = 13.4;
/** Coolant held in a rack's manifold and cold plates, L: τ = volume / flow (≈ 10 s at design flow). */
const RACK_LOOP_VOLUME_L = 30;
/** Pressure drop across the rack (manifold + cold plates) at design flow, kPa. **estimate** */
const RACK_DESIGN_DP_KPA = 110;
/** Drop in the rack's branch outside the measured span (hoses, quick disconnects, valve) at design flow, kPa. **estimate** */
const BRANCH_DESIGN_DP_KPA = 40;
/** Half a checkpoint period in: where a training job runs at its plateau (workload.ts). */
const PLATEAU_PHASE_S = 300;

export interface RackFaults {
  /** Cold-plate clog: share of flow lost, 0–1. */
  clog: number;
  /** Leak detector state: 0 none, 1 warning, 2 critical. */
  leak: 0 | 1 | 2;
  /** Return-temperature sensor stuck at its last value. */
  stuck: boolean;
  /** Return-temperature sensor noise, K (standard deviation). */
  noisyK: number;
  /** Load forced to full. */
  surge: boolean;
}

export function noFaults(): RackFaults {
  return { clog: 0, leak: 0, stuck: false, noisyK: 0, surge: false };
}

/**
 * Pressure drop across the rack, kPa. `loopFactor`: share of design flow the CDU group delivers;
 * `flowShare`: the rack's own flow ÷ its design flow (below loopFactor when a cold plate clogs).
 * The rack hangs between supply and return manifolds whose differential scales with loopFactor²
 * (dp ∝ V̇²). A clog adds resistance inside the rack: less flow passes, the branch outside it
 * (hoses, quick disconnects, valve) drops less, so more of the manifold's differential lands
 * across the rack — dp rises while flow falls. Unclogged this is the design curve
 * 110 kPa · loopFactor²; fully blocked the rack sees the whole manifold differential.
 */
export function rackDpKpa(loopFactor: number, flowShare: number): number {
  return (RACK_DESIGN_DP_KPA + BRANCH_DESIGN_DP_KPA) * loopFactor ** 2 - BRANCH_DESIGN_DP_KPA * flowShare ** 2;
}

/** Rack power at a steady `load` with every GPU at the same share, kW (the step sums GPU by GPU). */
function steadyRackKw(t: RackType, load: number): number {
  const gpuKw = (t.gpuCount * (t.gpuIdleW + (t.gpuMaxW - t.gpuIdleW) * load)) / 1000;
  return gpuKw + (t.cpuCount * (CPU_IDLE_W + (CPU_MAX_W - CPU_IDLE_W) * load)) / 1000 + OVERHEAD_FIXED_KW + OVERHEAD_LOAD_KW * load;
}

export class RackModel {
  readonly faults: RackFaults = noFaults();
  /** Flow the rack's valve asks for at design, L/min. */
  readonly designFlowLpm: number;
  /** Share of the rack's heat that reaches the liquid (the type's, moved by its cold plates). */
  readonly liquidShare: number;
  /** Flow share the fouling grows to before it holds (0 with clean plates). */
  readonly foulingMaxLoss: number;
  private returnC: number;
  /** Whether the loop has been stepped: the first step starts it at its steady return. */
  private settled = false;
  private stuckReturnC = Number.NaN;
  private seq = 0;
  /** Seconds stepped since the simulator started. */
  private ageS = 0;
  /** Liquid heat of the last step, kW (the CDU group sums it). */
  liquidKw = 0;

  constructor(
    readonly id: string,
    private readonly type: RackType,
    private readonly coolant: Coolant,
    readonly job: Job,
    readonly variation: RackVariation,
    private readonly rng: Rng,
    supplyC: number,
  ) {
    this.designFlowLpm = type.nominalKw * type.liquidShare * DESIGN_LPM_PER_KW;
    this.liquidShare = type.liquidShare + variation.liquidShareDelta;
    this.returnC = supplyC + 5;
    const f = variation.fouling;
    if (f) {
      // Fouling holds where the job's busy load would show `holdDeltaTK`: ΔT ∝ 1 / flow.
      const busyKw = steadyRackKw(type, loadFraction(job.profile, 0, PLATEAU_PHASE_S, 0, job.intensity)) * this.liquidShare;
      const cleanLpm = this.designFlowLpm * variation.hydraulic;
      const cleanDeltaK = returnForLoadC(coolant, busyKw, cleanLpm, supplyC) - supplyC;
      this.foulingMaxLoss = Math.min(0.45, Math.max(0, 1 - cleanDeltaK / f.holdDeltaTK));
    } else {
      this.foulingMaxLoss = 0;
    }
  }

  /** Share of clean flow the fouling has taken so far, 0–1. */
  get foulingLoss(): number {
    const f = this.variation.fouling;
    return f ? Math.min(this.foulingMaxLoss, f.lossPerS * Math.max(0, this.ageS - f.startS)) : 0;
  }

  /** Flow the rack takes with the loop at design: design × hydraulics, less fouling and any clog, L/min. */
  get targetFlowLpm(): number {
    return this.designFlowLpm * this.variation.hydraulic * (1 - this.foulingLoss) * (1 - this.faults.clog);
  }

  /**
   * Advances `dtS` seconds at wall time `tMs` with the loop's supply temperature and the share of
   * the racks' flow the CDU group can deliver; returns the telemetry sample.
   */
  step(tMs: number, dtS: number, supplyC: number, flowFactor: number): RackTelemetry {
    const t = this.type;
    const v = this.variation;
    const job = this.job;
    const load = this.faults.surge ? 1 : loadFraction(job.profile, tMs, job.phaseS, this.rng.gaussian(), job.intensity);
    const flowLpm = Math.max(0, this.targetFlowLpm * flowFactor * (1 + 0.005 * this.rng.gaussian()));
    this.ageS += dtS;
    // GPUs throttle when the return side runs hot (they protect themselves near T_limit + 10 K).
    const throttle = this.returnC > t.returnLimitC + 10 ? 0.5 : 1;
    const gpuW = new Array<number>(t.gpuCount);
    let gpuSumW = 0;
    for (let g = 0; g < t.gpuCount; g++) {
      // Capped at TGP: a GPU that draws more at the same load meets the cap first.
      const share = Math.min(1, Math.max(0, load * throttle * v.gpuEfficiency + v.gpuOffsets[g] + 0.015 * this.rng.gaussian()));
      const w = t.gpuIdleW + (t.gpuMaxW - t.gpuIdleW) * share;
      gpuW[g] = Math.round(w);
      gpuSumW += gpuW[g];
    }
    const cpuW = t.cpuCount * (CPU_IDLE_W + (CPU_MAX_W - CPU_IDLE_W) * load * throttle);
    const rackKw = job.profile === 'maintenance' ? 0.8 : (gpuSumW + cpuW) / 1000 + OVERHEAD_FIXED_KW + OVERHEAD_LOAD_KW * load;
    this.liquidKw = rackKw * this.liquidShare;
    // With almost no flow the loop cannot carry the heat: the return side heads to 35 K over supply.
    const targetC = flowLpm > 1 ? Math.min(supplyC + 35, returnForLoadC(this.coolant, this.liquidKw, flowLpm, supplyC)) : supplyC + 35;
    const tauS = (RACK_LOOP_VOLUME_L / Math.max(flowLpm, 5)) * 60;
    // A simulation starts with every loop settled at its first load (a hall that has been running),
    // not warming up from one common return temperature: Q = k·V̇·ΔT holds from the first sample.
    if (!this.settled) this.returnC = targetC;
    this.settled = true;
    this.returnC += (targetC - this.returnC) * (1 - Math.exp(-dtS / tauS));
    let reportedReturnC = this.returnC + 0.05 * this.rng.gaussian() + this.faults.noisyK * this.rng.gaussian();
    if (this.faults.stuck) {
      if (Number.isNaN(this.stuckReturnC)) this.stuckReturnC = reportedReturnC;
      reportedReturnC = this.stuckReturnC;
    } else {
      this.stuckReturnC = Number.NaN;
    }
    const r2 = (x: number) => Math.round(x * 100) / 100;
    // The manifold's differential at the rack scales with the flow its position gives (dp ∝ V̇²);
    // fouling and clogs sit inside the rack, like a clog in `rackDpKpa`.
    const positionFlow = flowFactor * v.hydraulic;
    return {
      ts: tMs,
      seq: this.seq++,
      rackKw: r2(rackKw),
      supplyC: r2(supplyC + 0.05 * this.rng.gaussian()),
      returnC: r2(reportedReturnC),
      flowLpm: r2(flowLpm),
      gpuW,
      cpuW: Math.round(cpuW),
      gpuC: r2(Math.min(110, this.returnC + 12 + 18 * load + v.plateOffsetK)),
      dpKpa: r2(rackDpKpa(positionFlow, flowLpm / this.designFlowLpm)),
      valvePct: r2(Math.min(100, v.valveBasePct * flowFactor)),
      leak: this.faults.leak,
    };
  }
}
