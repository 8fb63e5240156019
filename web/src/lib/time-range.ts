/** Time ranges of the drill-down: presets relative to now, or absolute ranges from a zoom. */

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

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Resolves one end of a range to epoch ms; null when the text is not a time. */
export function resolveTime(text: string, nowMs: number): number | null {
  if (text === 'now') return nowMs;
  const rel = /^now-(\d+)([smhdw])$/.exec(text);
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2]];
  if (/^\d{10,14}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

export function resolveRange(r: RangeSpec, nowMs: number): { fromMs: number; toMs: number } | null {
  const fromMs = resolveTime(r.from, nowMs);
  const toMs = resolveTime(r.to, nowMs);
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
