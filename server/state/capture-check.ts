/**
 * How far a rack's capture ratio (heat to liquid ÷ electrical power) can be trusted. Heat to
 * liquid comes from two temperature sensors and a flow meter, power from the rack's meter; no
 * rack puts more heat into its coolant than it draws, so a ratio above 100 % is either within
 * those instruments' accuracy, a transient (the loop still carries heat from before the power
 * fell), or a sensor that is wrong. Pure.
 */
import { DerivedFlag } from '../../protocol/derived-flags.ts';

/**
 * Tolerance of one supply or return sensor at `tC`, K: IEC 60751 class A platinum RTD,
 * ±(0.15 + 0.002·|t|) — ±0.24 K at 45 °C.
 */
export function sensorToleranceK(tC: number): number {
  return 0.15 + 0.002 * Math.abs(tC);
}

/** Flow meter tolerance, share of reading: EN 1434 class 2 flow sensor near its rated flow (±2 %). */
export const FLOW_TOLERANCE = 0.02;
/** Rack power meter tolerance, share of reading: IEC 62053-21 class 1 (±1 %). */
export const POWER_TOLERANCE = 0.01;
/** A capture ratio less certain than ±50 % (ΔT under ~0.7 K) says nothing. */
export const MAX_CAPTURE_UNCERTAINTY = 0.5;

/** Tolerance of ΔT = return − supply from two independent sensors, K (root sum of squares). */
export function deltaToleranceK(supplyC: number, returnC: number): number {
  const s = sensorToleranceK(supplyC);
  const r = sensorToleranceK(returnC);
  return Math.sqrt(s * s + r * r);
}

/**
 * Relative uncertainty of the capture ratio, share (0.04 = ±4 %): ΔT, flow and power tolerances
 * combined as independent errors (root sum of squares, as in the GUM). ±4 % at full load
 * (ΔT ≈ 10 K), ±20 % for an idle GB300 (ΔT ≈ 1.7 K); Infinity at ΔT = 0.
 */
export function captureUncertainty(supplyC: number, returnC: number): number {
  const dT = Math.abs(returnC - supplyC);
  if (dT === 0) return Number.POSITIVE_INFINITY;
  const t = deltaToleranceK(supplyC, returnC) / dT;
  return Math.sqrt(t * t + FLOW_TOLERANCE * FLOW_TOLERANCE + POWER_TOLERANCE * POWER_TOLERANCE);
}

/**
 * What a computed capture ratio is: 0 (a plain value), `CaptureWithinAccuracy` (above 100 % by
 * less than its uncertainty: ≈ 100 %), `CaptureTransient` (beyond it, but no more than the power
 * the rack drew lately, `recentKw`: the loop still carries that heat), `CaptureInconsistent`
 * (beyond both) or `CaptureUnmeasurable` (the uncertainty itself is over ±50 %).
 */
export function classifyCapture(heatKw: number, rackKw: number, recentKw: number, supplyC: number, returnC: number): number {
  const u = captureUncertainty(supplyC, returnC);
  if (!(u <= MAX_CAPTURE_UNCERTAINTY)) return DerivedFlag.CaptureUnmeasurable;
  if (heatKw <= rackKw) return 0;
  if (heatKw <= rackKw * (1 + u)) return DerivedFlag.CaptureWithinAccuracy;
  // Unknown recent power (NaN) is taken as the present one: no transient.
  const latelyKw = recentKw > rackKw ? recentKw : rackKw;
  return heatKw <= latelyKw * (1 + u) ? DerivedFlag.CaptureTransient : DerivedFlag.CaptureInconsistent;
}
