/** Heat-map metrics: which rack column to colour by, its label, unit and scale. */
import type { RackColumn } from '../../../protocol/stream.ts';
import { WALL_METRICS, type WallMetric } from '../../../protocol/wall.ts';
import type { PaletteKind, Scale } from './color-scale.ts';

export interface MetricDef {
  id: WallMetric;
  column: RackColumn;
  label: string;
  unit: string;
  digits: number;
  scale: Scale;
  /** Diverging for a value judged against a limit, sequential for an amount (color-scale.ts). */
  palette: PaletteKind;
}

/**
 * Scales follow domain.md §4: return warning 52 / critical 55 °C, ΔT 12 / 15 K, headroom 15 / 5 %.
 * Power is an amount, not a verdict (a hall at full load is doing its job): sequential, idle to
 * full load; the values judged against a limit keep the diverging palette.
 */
const DEFS: Record<WallMetric, Omit<MetricDef, 'id'>> = {
  return: { column: 'returnC', label: 'Return temperature', unit: '°C', digits: 1, scale: { good: 38, bad: 56 }, palette: 'diverging' },
  dt: { column: 'deltaTK', label: 'ΔT', unit: 'K', digits: 1, scale: { good: 4, bad: 16 }, palette: 'diverging' },
  power: { column: 'rackKw', label: 'Rack power', unit: 'kW', digits: 1, scale: { good: 20, bad: 137 }, palette: 'sequential' },
  headroom: { column: 'thermalHeadroomPct', label: 'Thermal headroom', unit: '%', digits: 0, scale: { good: 60, bad: 0 }, palette: 'diverging' },
  flow: { column: 'flowSharePct', label: 'Flow, share of need', unit: '%', digits: 0, scale: { good: 135, bad: 81 }, palette: 'diverging' },
  cdu: { column: 'groupHeadroomPct', label: 'CDU headroom', unit: '%', digits: 0, scale: { good: 60, bad: 0 }, palette: 'diverging' },
};

/** Per-GPU power (the rack panel's GPU strips): idle to TGP of a B300 (domain.md §1), an amount. */
export const GPU_POWER: { scale: Scale; palette: PaletteKind } = { scale: { good: 150, bad: 1400 }, palette: 'sequential' };

/** Every metric, in the contract's order (protocol/wall.ts). */
export const METRICS: MetricDef[] = WALL_METRICS.map((id) => ({ id, ...DEFS[id] }));

export function metricById(id: string | null | undefined): MetricDef {
  return METRICS.find((m) => m.id === id) ?? METRICS[0];
}

/** Formats a value with its unit; `—` when there is no value. */
export function fmt(v: number | null | undefined, unit: string, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v.toFixed(digits)} ${unit}`.trim();
}

/** Human age: 850 ms → "0.9 s", 75 s → "1 min 15 s". */
export function fmtAge(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Coarse duration for incident lists: 75 s → "75 s", 45 min, 5 h, 3 d. */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`;
}
