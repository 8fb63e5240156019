/** Time ranges of the drill-down: presets relative to now, or absolute ranges from a zoom. */
import { parseTimeMs } from '../../../protocol/time.ts';

export interface RangeSpec {
  /** `now-1h` style or epoch ms as text. */
  from: string;
  to: string;
}

export const PRESETS = [
  { label: '15 m', from: 'now-15m' },
  { label: '1 h', from: 'now-1h' },
  { label: '6 h', from: 'now-6h' },
  { label: '24 h', from: 'now-24h' },
  { label: '7 d', from: 'now-7d' },
] as const;

export const DEFAULT_RANGE: RangeSpec = { from: 'now-1h', to: 'now' };

/** Both ends of a range as epoch ms (protocol/time.ts, the syntax the server reads); null when either is not a time or from ≥ to. */
export function resolveRange(r: RangeSpec, nowMs: number): { fromMs: number; toMs: number } | null {
  const fromMs = parseTimeMs(r.from, nowMs);
  const toMs = parseTimeMs(r.to, nowMs);
  if (fromMs === null || toMs === null || fromMs >= toMs) return null;
  return { fromMs, toMs };
}

/** A range that ends at now keeps following the live tail. */
export function isLive(r: RangeSpec): boolean {
  return r.to === 'now';
}

/**
 * One CSV cell. Text starting with = + - @ (or a tab or carriage return) would be a formula in
 * a spreadsheet: it gets a leading apostrophe. Numbers stay numbers (−3.2 is not a formula).
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV of columns: a time column (ISO 8601) then one column per series, header with units. */
export function toCsv(tsMs: number[], columns: { name: string; unit: string; values: (number | null)[] }[]): string {
  const head = ['time', ...columns.map((c) => (c.unit ? `${c.name} (${c.unit})` : c.name))];
  const rows = tsMs.map((t, k) => [new Date(t).toISOString(), ...columns.map((c) => c.values[k] ?? null)]);
  return [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
