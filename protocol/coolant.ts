/**
 * Coolant properties, so heat is computed as Q = ρ · cp · V̇ · ΔT with values taken at the mean
 * loop temperature (shared/docs/domain.md §3). Tables: water from IAPWS-IF97 saturated-liquid
 * values; PG25 (25 % propylene glycol) from ASHRAE Handbook tables, anchored at 40 °C to
 * ρ 1022.5 kg/m³ and cp 3.92 kJ/(kg·K) as in domain.md.
 */

export type Coolant = 'water' | 'pg25';
export const COOLANTS: readonly Coolant[] = ['water', 'pg25'];

/** [°C, density kg/m³, specific heat kJ/(kg·K)] */
type Row = readonly [number, number, number];

const WATER: readonly Row[] = [
  [0, 999.8, 4.217],
  [10, 999.7, 4.192],
  [20, 998.2, 4.182],
  [30, 995.7, 4.178],
  [40, 992.2, 4.179],
  [50, 988.0, 4.181],
  [60, 983.2, 4.185],
  [70, 977.8, 4.191],
  [80, 971.8, 4.197],
  [95, 961.9, 4.211],
];

const PG25: readonly Row[] = [
  [0, 1035.0, 3.80],
  [20, 1030.0, 3.86],
  [40, 1022.5, 3.92],
  [60, 1013.0, 3.98],
  [80, 1002.0, 4.03],
  [95, 993.0, 4.07],
];

function interpolate(table: readonly Row[], tC: number, column: 1 | 2): number {
  if (tC <= table[0][0]) return table[0][column];
  for (let i = 1; i < table.length; i++) {
    const [t1] = table[i];
    if (tC <= t1) {
      const [t0] = table[i - 1];
      const f = (tC - t0) / (t1 - t0);
      return table[i - 1][column] + f * (table[i][column] - table[i - 1][column]);
    }
  }
  return table[table.length - 1][column];
}

/** Density in kg/m³ at `tC`. */
export function densityKgM3(coolant: Coolant, tC: number): number {
  return interpolate(coolant === 'water' ? WATER : PG25, tC, 1);
}

/** Specific heat in kJ/(kg·K) at `tC`. */
export function specificHeatKjKgK(coolant: Coolant, tC: number): number {
  return interpolate(coolant === 'water' ? WATER : PG25, tC, 2);
}

/**
 * Heat-transport coefficient k in kW per (L/min · K) at mean loop temperature `meanC`:
 * k = ρ · cp / 60 000. Water at 40–45 °C gives ≈ 0.0690, PG25 at 40 °C ≈ 0.0668.
 */
export function heatCoefficientKwPerLpmK(coolant: Coolant, meanC: number): number {
  return (densityKgM3(coolant, meanC) * specificHeatKjKgK(coolant, meanC)) / 60_000;
}

/** Heat carried by the coolant, kW: k(mean T) · flow · (return − supply). */
export function heatKw(coolant: Coolant, flowLpm: number, supplyC: number, returnC: number): number {
  const k = heatCoefficientKwPerLpmK(coolant, (supplyC + returnC) / 2);
  return k * flowLpm * (returnC - supplyC);
}

/** Return temperature for a liquid heat load at a given flow (steady state), °C. */
export function returnForLoadC(coolant: Coolant, heatLoadKw: number, flowLpm: number, supplyC: number): number {
  if (flowLpm <= 0) return Number.POSITIVE_INFINITY;
  // k depends weakly on the mean temperature, which depends on the answer: two fixed-point steps suffice.
  let returnC = supplyC + heatLoadKw / (heatCoefficientKwPerLpmK(coolant, supplyC) * flowLpm);
  for (let i = 0; i < 2; i++) {
    returnC = supplyC + heatLoadKw / (heatCoefficientKwPerLpmK(coolant, (supplyC + returnC) / 2) * flowLpm);
  }
  return returnC;
}

/** Flow needed to carry `heatLoadKw` at a temperature rise of `deltaTK`, L/min. */
export function requiredFlowLpm(coolant: Coolant, heatLoadKw: number, deltaTK: number, supplyC: number): number {
  if (deltaTK <= 0) return Number.POSITIVE_INFINITY;
  return heatLoadKw / (heatCoefficientKwPerLpmK(coolant, supplyC + deltaTK / 2) * deltaTK);
}

/** Dew point by the Magnus formula (a = 17.62, b = 243.12 °C), °C. */
export function dewPointC(airC: number, rhPct: number): number {
  const a = 17.62;
  const b = 243.12;
  const gamma = Math.log(rhPct / 100) + (a * airC) / (b + airC);
  return (b * gamma) / (a - gamma);
}
