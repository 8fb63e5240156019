import { describe, expect, it } from 'vitest';
import { dewPointC, heatCoefficientKwPerLpmK, heatKw, requiredFlowLpm, returnForLoadC } from '../../protocol/coolant.ts';

// Worked examples from shared/docs/domain.md §3.
describe('coolant physics (domain.md worked examples)', () => {
  it.each([
    { what: 'water 40–45 °C', coolant: 'water' as const, meanC: 42.5, k: 0.069, tol: 0.0005 },
    { what: 'PG25 at 40 °C', coolant: 'pg25' as const, meanC: 40, k: 0.0668, tol: 0.0003 },
  ])('heatCoefficientKwPerLpmK() gives k ≈ $k for $what', ({ coolant, meanC, k, tol }) => {
    expect(Math.abs(heatCoefficientKwPerLpmK(coolant, meanC) - k)).toBeLessThan(tol);
  });

  it('heatKw() of water at 180 L/min, 40 → 50.5 °C is ≈ 130 kW', () => {
    expect(heatKw('water', 180, 40, 50.5)).toBeCloseTo(130.4, 0);
  });

  it('requiredFlowLpm() for GB300 full load (121.5 kW at 10 K) is ≈ 176 L/min', () => {
    expect(requiredFlowLpm('water', 0.9 * 135, 10, 45)).toBeCloseTo(176.5, 0);
  });

  it.each([
    { lpmPerKw: 1.5, deltaTK: 9.7 },
    { lpmPerKw: 1.0, deltaTK: 14.5 },
  ])('$lpmPerKw L/min per kW gives ΔT ≈ $deltaTK K', ({ lpmPerKw, deltaTK }) => {
    const returnC = returnForLoadC('water', 100, 100 * lpmPerKw, 40);
    expect(returnC - 40).toBeCloseTo(deltaTK, 1);
  });

  it('dewPointC() of a 24 °C room at 50 % RH is ≈ 12.9 °C', () => {
    expect(dewPointC(24, 50)).toBeCloseTo(12.9, 1);
  });

  it('returnForLoadC() is infinite with no flow and consistent with heatKw()', () => {
    expect(returnForLoadC('water', 100, 0, 40)).toBe(Number.POSITIVE_INFINITY);
    const r = returnForLoadC('pg25', 110, 170, 42);
    expect(heatKw('pg25', 170, 42, r)).toBeCloseTo(110, 6);
  });
});
