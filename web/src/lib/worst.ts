/**
 * The worst N racks or CDUs of a hall by one measure, from the live columns the page already
 * holds. One pass keeps the N worst seen so far (most values lose to the N-th and are dropped
 * after one comparison), so a 10,000-rack hall is ranked without sorting it.
 */
import { EntityState, type CduColumn, type RackColumn } from '../../../protocol/stream.ts';
import { RETURN_SIDE_INVALID } from '../../../protocol/derived-flags.ts';

/** A rack's return reading, unless its sensor is faulted (frozen, noisy, below supply): that one is not ranked as hot. */
function trustedReturnC(s: WorstSource, i: number): number {
  const flags = s.rack('derivedFlags', i);
  return Number.isFinite(flags) && (flags & RETURN_SIDE_INVALID) !== 0 ? Number.NaN : s.rack('returnC', i);
}

export type WorstKind = 'rack' | 'cdu';

/** Live values by entity index (LiveFeed answers these). */
export interface WorstSource {
  rack(col: RackColumn, i: number): number;
  cdu(col: CduColumn, j: number): number;
}

export interface WorstMetric {
  id: string;
  kind: WorstKind;
  label: string;
  unit: string;
  digits: number;
  /** Which end is worse. */
  worse: 'high' | 'low';
  /** Entity `i`'s value; NaN when it has none. `limitC`: the rack's return limit, °C. */
  value(src: WorstSource, i: number, limitC: number): number;
}

/**
 * What the list can rank by. Return against the rack's own limit (domain.md §4: 55 °C), thermal
 * headroom to that limit, rack power, flow as a share of what the load needs (below 100 % is a
 * deficit), CDU capacity headroom, and CDU approach (secondary supply − facility supply, 3–5 K
 * normal; rising means fouling, domain.md §2).
 */
export const WORST_METRICS: readonly WorstMetric[] = [
  { id: 'return', kind: 'rack', label: 'Return vs limit', unit: 'K', digits: 1, worse: 'high', value: (s, i, limitC) => trustedReturnC(s, i) - limitC },
  { id: 'headroom', kind: 'rack', label: 'Thermal headroom', unit: '%', digits: 0, worse: 'low', value: (s, i) => s.rack('thermalHeadroomPct', i) },
  { id: 'power', kind: 'rack', label: 'Rack power', unit: 'kW', digits: 1, worse: 'high', value: (s, i) => s.rack('rackKw', i) },
  { id: 'flow', kind: 'rack', label: 'Flow, share of need', unit: '%', digits: 0, worse: 'low', value: (s, i) => s.rack('flowSharePct', i) },
  { id: 'cdu', kind: 'cdu', label: 'CDU capacity headroom', unit: '%', digits: 0, worse: 'low', value: (s, j) => s.cdu('headroomPct', j) },
  { id: 'approach', kind: 'cdu', label: 'CDU approach', unit: 'K', digits: 1, worse: 'high', value: (s, j) => s.cdu('approachK', j) },
];

export function worstMetricById(id: string | null | undefined): WorstMetric {
  return WORST_METRICS.find((m) => m.id === id) ?? WORST_METRICS[0];
}

export interface WorstEntry {
  /** Entity index in the site's rack or CDU columns. */
  index: number;
  value: number;
  /** The value is the last one known, not current (the entity is stale). */
  stale: boolean;
}

/**
 * The `n` worst of `indices` by `metric`, worst first; ties keep the order of `indices`.
 * Entities without a value, and those offline or never heard from (their own marks say so),
 * are left out; a stale one is ranked by its last value and flagged.
 * `limitsC[k]`: the return limit of the rack `indices[k]`, °C (read by 'return' only).
 */
export function worstN(src: WorstSource, metric: WorstMetric, indices: ArrayLike<number>, limitsC: ArrayLike<number>, n = 10): WorstEntry[] {
  const sign = metric.worse === 'high' ? 1 : -1;
  const kept: WorstEntry[] = [];
  /** `kept[k]`'s value, signed so that larger is worse. */
  const keys: number[] = [];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const state = metric.kind === 'rack' ? src.rack('state', i) : src.cdu('state', i);
    if (state !== EntityState.Live && state !== EntityState.Stale) continue;
    const value = metric.value(src, i, limitsC[k]);
    if (!Number.isFinite(value)) continue;
    const key = sign * value;
    if (kept.length === n && key <= keys[n - 1]) continue;
    let at = kept.length;
    while (at > 0 && key > keys[at - 1]) at--;
    kept.splice(at, 0, { index: i, value, stale: state === EntityState.Stale });
    keys.splice(at, 0, key);
    if (kept.length > n) {
      kept.pop();
      keys.pop();
    }
  }
  return kept;
}

/** A value as the list shows it: margins to a limit carry their sign ("+1.2 K" over, "−3.0 K" under). */
export function formatWorst(metric: WorstMetric, value: number): string {
  const text = `${Math.abs(value).toFixed(metric.digits)} ${metric.unit}`;
  if (metric.id !== 'return') return value < 0 ? `−${text}` : text;
  return `${value >= 0 ? '+' : '−'}${text}`;
}
