/**
 * How the racks of a simulated hall differ from one another, drawn once from the simulator's seed
 * and each hall's, row's and rack's ID (the same seed tells the same story every run, whatever
 * order the site lists its racks in). Pure: no I/O, no clock. The rack model turns these into
 * telemetry with the same physics for every rack (Q = k·V̇·ΔT, domain.md §3). All spreads are
 * **estimates** chosen to stay inside the shipped alert rules (config/alert-rules.json) for a
 * healthy rack; docs/simulator.md lists them.
 *
 * - Hydraulics: the row manifold is fed from its middle, so racks there get the most flow and
 *   the two ends the least; commissioning balanced each row so its ends still get design flow
 *   (with a row margin of 0–4 %), and each rack's valve trim adds ±1 % (σ).
 * - Cold plates: the share of heat that reaches the liquid differs ±1.5 % (σ) around the rack
 *   type's (same power, different return); plate contact moves GPU temperatures ±1.5 K (σ).
 * - GPUs: each rack's silicon draws ±1.2 % (σ) of the dynamic range more or less at the same
 *   load, each GPU ±2 % (σ) around that, all capped at TGP.
 * - Jobs: runs of 2–10 racks training, 1–4 serving inference, 1–3 idle, laid along the hall's
 *   rows in order (a job may carry on into the next row), each with its own checkpoint phase and
 *   intensity; 4 % of a training job's racks are drained (idle).
 * - Fouling: one or two training racks per hall in the middle half of their row have cold plates
 *   fouling: from 3–6 min after start their flow falls 0.5–0.8 % per minute until their ΔT at
 *   the job's load reaches 12.6–13.4 K (return ≈ 53 °C at a 40 °C supply: over the 52 °C
 *   warning, under the 55 °C limit), then holds.
 */
import type { HallSpec } from '../../protocol/site.ts';
import { Rng } from '../rng.ts';
import { CHECKPOINT_PERIOD_S, type Profile } from './workload.ts';

/** Extra flow at the middle of a row over its ends, share of design flow. */
export const MANIFOLD_GAIN = 0.06;
/** A row's commissioning margin: its end racks get design flow × (1 … 1 + this). */
const ROW_MARGIN_MAX = 0.04;
/** Valve trim, share of flow (σ, cut at 2σ). */
const TRIM_SD = 0.01;
/** No rack is balanced below this share of design flow (full load needs 96.6 % at 10 K ΔT). */
export const MIN_HYDRAULIC = 0.985;
/** Drained racks in a training job, share. */
const DRAINED_SHARE = 0.04;

export interface Job {
  profile: Profile;
  /** Checkpoint schedule offset, s. */
  phaseS: number;
  /** Busy level of the job (see `loadFraction`). */
  intensity: number;
}

export interface Fouling {
  /** Seconds after the simulator starts that the flow starts to fall. */
  startS: number;
  /** Flow lost per second, share of the rack's clean flow. */
  lossPerS: number;
  /** ΔT at the job's busy load where the fouling stops growing, K. */
  holdDeltaTK: number;
}

export interface RackVariation {
  /** Flow the rack gets with the loop at design, ÷ its design flow. */
  hydraulic: number;
  /** Valve position at design loop flow, %. */
  valveBasePct: number;
  /** Added to the rack type's share of heat to liquid. */
  liquidShareDelta: number;
  /** Multiplies the GPUs' share of their power range at a given load. */
  gpuEfficiency: number;
  /** Per GPU, added to its share of the power range (static). */
  gpuOffsets: number[];
  /** GPU temperature offset from cold-plate contact, K. */
  plateOffsetK: number;
  fouling: Fouling | null;
}

export interface RackPlan {
  job: Job;
  variation: RackVariation;
}

/** A generator for `label` under `seed` (FNV-1a of both), independent of any other draw. */
export function seededRng(seed: number, label: string): Rng {
  let h = 2166136261;
  const mix = (byte: number) => {
    h = Math.imul(h ^ byte, 16777619);
  };
  for (let i = 0; i < 4; i++) mix((seed >>> (8 * i)) & 0xff);
  for (let i = 0; i < label.length; i++) mix(label.charCodeAt(i) & 0xffff);
  return new Rng(h >>> 0);
}

/** Standard normal cut to ±2. */
const cut = (rng: Rng) => Math.max(-2, Math.min(2, rng.gaussian()));

/** Distance of rack `index` (0-based) from the middle of a row of `count`, 0 (middle) … 1 (an end). */
export function fromMiddle(index: number, count: number): number {
  return count > 1 ? Math.abs(index - (count - 1) / 2) / ((count - 1) / 2) : 0;
}

/** Flow share the manifold gives at `fromMiddle` u: 1 + gain · (1 − u²), design flow at the ends. */
export function manifoldFactor(u: number): number {
  return 1 + MANIFOLD_GAIN * (1 - u * u);
}

function drawJob(rng: Rng): { job: Job; racks: number } {
  const pick = rng.next();
  const phaseS = Math.floor(rng.next() * CHECKPOINT_PERIOD_S);
  if (pick < 0.65) return { job: { profile: 'training', phaseS, intensity: 0.89 + 0.165 * rng.next() }, racks: 2 + Math.floor(rng.next() * 9) };
  if (pick < 0.9) return { job: { profile: 'inference', phaseS, intensity: 0.85 + 0.3 * rng.next() }, racks: 1 + Math.floor(rng.next() * 4) };
  return { job: { profile: 'idle', phaseS, intensity: 1 }, racks: 1 + Math.floor(rng.next() * 3) };
}

/** Every rack of `hall` with its job and variation; `drift` false leaves every cold plate clean. */
export function planHall(seed: number, hall: HallSpec, gpuCountOf: (type: string) => number, drift = true): Map<string, RackPlan> {
  const plans = new Map<string, RackPlan>();
  const jobs = seededRng(seed, `${hall.id}/jobs`);
  const candidates: string[] = [];
  let current: Job | null = null;
  let left = 0;
  for (const row of hall.rows) {
    const margin = 1 + ROW_MARGIN_MAX * seededRng(seed, `${row.id}/margin`).next();
    row.racks.forEach((rack, index) => {
      if (left === 0) ({ job: current, racks: left } = drawJob(jobs));
      left--;
      const rng = seededRng(seed, rack.id);
      const drained = current!.profile === 'training' && rng.next() < DRAINED_SHARE;
      const job: Job = drained ? { profile: 'idle', phaseS: 0, intensity: 1 } : current!;
      const u = fromMiddle(index, row.racks.length);
      const variation: RackVariation = {
        hydraulic: Math.max(MIN_HYDRAULIC, margin * manifoldFactor(u) * (1 + TRIM_SD * cut(rng))),
        // Balancing valves stand further open at the ends, where the manifold gives less.
        valveBasePct: 64 + 14 * u * u + 2 * cut(rng),
        liquidShareDelta: 0.015 * cut(rng),
        gpuEfficiency: 1 + 0.012 * cut(rng),
        gpuOffsets: Array.from({ length: gpuCountOf(rack.type) }, () => 0.02 * cut(rng)),
        plateOffsetK: 1.5 * cut(rng),
        fouling: null,
      };
      plans.set(rack.id, { job, variation });
      if (job.profile === 'training' && u <= 0.5) candidates.push(rack.id);
    });
  }
  if (!drift) return plans;
  const pick = seededRng(seed, `${hall.id}/fouling`);
  const count = Math.min(candidates.length, pick.next() < 0.5 ? 1 : 2);
  for (let n = 0; n < count; n++) {
    const [id] = candidates.splice(Math.floor(pick.next() * candidates.length), 1);
    plans.get(id)!.variation.fouling = {
      startS: 180 + 180 * pick.next(),
      lossPerS: (0.005 + 0.003 * pick.next()) / 60,
      holdDeltaTK: 12.6 + 0.8 * pick.next(),
    };
  }
  return plans;
}
