/**
 * The rack column `derivedFlags`: why a rack's derived values are withheld (sent as null) or
 * marked, as bits. A derived value computed from a faulted sensor is not physics, and a capture
 * ratio above 100 % is either within the sensors' accuracy, a load transient, or a sensor fault.
 */

export const DerivedFlag = {
  /** The return reading has not moved for `FROZEN_INVALID_S` while the rack's power or supply did. */
  ReturnFrozen: 1,
  /** The return reading jumps by more than `NOISY_RETURN_K` from sample to sample (on average). */
  ReturnNoisy: 2,
  /** Return below supply by more than the two sensors' tolerance: one of them is wrong. */
  ReturnBelowSupply: 4,
  SupplyMissing: 8,
  ReturnMissing: 16,
  FlowMissing: 32,
  PowerMissing: 64,
  /** Capture ratio above 100 % but within the sensors' accuracy: ≈ 100 %. The value is still sent. */
  CaptureWithinAccuracy: 128,
  /** Capture ratio beyond accuracy just after the rack's power fell: the loop still carries earlier heat. */
  CaptureTransient: 256,
  /** Capture ratio beyond accuracy at steady power: flow, supply or return sensor wrong. */
  CaptureInconsistent: 512,
  /** ΔT so small against the sensors' tolerance that the capture ratio means nothing (> ±50 %). */
  CaptureUnmeasurable: 1024,
} as const;

/** Flags that withhold ΔT, heat to liquid, capture ratio and thermal headroom. */
export const RETURN_SIDE_INVALID =
  DerivedFlag.ReturnFrozen | DerivedFlag.ReturnNoisy | DerivedFlag.ReturnBelowSupply | DerivedFlag.SupplyMissing | DerivedFlag.ReturnMissing;

/** Why each withheld value is withheld, in the order they are told (the first set one is the reason). */
const REASONS: readonly (readonly [number, string])[] = [
  [DerivedFlag.ReturnFrozen, 'return sensor frozen'],
  [DerivedFlag.ReturnNoisy, 'return sensor noisy'],
  [DerivedFlag.ReturnMissing, 'return not reported'],
  [DerivedFlag.SupplyMissing, 'supply not reported'],
  [DerivedFlag.ReturnBelowSupply, 'return below supply: check the sensors'],
  [DerivedFlag.FlowMissing, 'flow not reported'],
  [DerivedFlag.PowerMissing, 'power not reported'],
  [DerivedFlag.CaptureTransient, 'transient: power just fell'],
  [DerivedFlag.CaptureInconsistent, 'inconsistent: check flow/return sensors'],
  [DerivedFlag.CaptureUnmeasurable, 'too little heat to measure'],
];

/** Which flags withhold each kind of derived value. */
const WITHHELD_BY = {
  /** ΔT and thermal headroom (thermal headroom also needs flow). */
  return: RETURN_SIDE_INVALID,
  thermal: RETURN_SIDE_INVALID | DerivedFlag.FlowMissing,
  heat: RETURN_SIDE_INVALID | DerivedFlag.FlowMissing,
  capture: RETURN_SIDE_INVALID | DerivedFlag.FlowMissing | DerivedFlag.PowerMissing
    | DerivedFlag.CaptureTransient | DerivedFlag.CaptureInconsistent | DerivedFlag.CaptureUnmeasurable,
  /** Flow required, flow share and power headroom: from power alone. */
  power: DerivedFlag.PowerMissing,
} as const;
export type DerivedKind = keyof typeof WITHHELD_BY;

/** Why a `kind` of derived value is withheld under `flags`, or null when it is not. */
export function withheldReason(flags: number, kind: DerivedKind): string | null {
  if (!Number.isFinite(flags)) return null;
  const f = flags & WITHHELD_BY[kind];
  if (f === 0) return null;
  for (const [bit, text] of REASONS) if (f & bit) return text;
  return null;
}
