import { describe, expect, it } from 'vitest';
import { captureSignal } from '../../server/alerts/signals.ts';
import { DerivedFlag } from '../../protocol/derived-flags.ts';

describe('captureSignal: the capture ratio as the capture-drop rule reads it', () => {
  it.each([
    ['a plain value', 0.72, 0, 0.72],
    ['within accuracy (≈ 100 %)', 1.04, DerivedFlag.CaptureWithinAccuracy, 1.04],
    ['withheld: too little heat to measure (an idle rack) — no drop', Number.NaN, DerivedFlag.CaptureUnmeasurable, 1],
    ['withheld: a transient above 100 % — no drop', Number.NaN, DerivedFlag.CaptureTransient, 1],
    ['withheld: inconsistent above 100 % — no drop', Number.NaN, DerivedFlag.CaptureInconsistent, 1],
    ['withheld: return sensor frozen — missing', Number.NaN, DerivedFlag.ReturnFrozen, Number.NaN],
    ['not computed at all — missing', Number.NaN, 0, Number.NaN],
  ])('%s', (_what, ratio, flags, want) => {
    expect(captureSignal(ratio, flags)).toBe(want);
  });
});
