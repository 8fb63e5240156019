/**
 * The resolved incidents as a CSV for a post-mortem or a spreadsheet: one row per incident, its
 * opening title, peak severity and value, cause, times, acknowledgement, silences and whether it
 * paged (RFC 4180: comma-separated, CRLF, quoted where needed). Pure.
 */
import type { ResolvedIncident } from '../../protocol/alerts.ts';

/** The columns, in order. Times are ISO 8601 UTC; `duration_s` in seconds. */
export const HISTORY_CSV_COLUMNS = [
  'id', 'opening_title', 'peak_severity', 'peak_value', 'peak_text', 'peak_entity', 'peak_at', 'root', 'started', 'resolved',
  'duration_s', 'acked_by', 'acked_at', 'ack_comment', 'silenced_by', 'silence_comment', 'notified', 'alerts', 'racks', 'resolved_title',
] as const;

type Row = Record<(typeof HISTORY_CSV_COLUMNS)[number], string | number | boolean | null>;

/**
 * One cell: quoted when it holds a comma, quote or line break; text a spreadsheet would run as a
 * formula (`=`, `+`, `-`, `@`, tab, CR first: operators type acknowledgement comments) is
 * prefixed with `'` (OWASP "CSV injection"). Numbers and booleans are written as they are.
 */
export function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return Number.isFinite(v as number) || typeof v === 'boolean' ? String(v) : '';
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const iso = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : null);

function row(i: ResolvedIncident): Row {
  const s = i.story;
  const acks = s?.acks.length ? s.acks : i.acknowledged ? [i.acknowledged] : [];
  const alerts = s ? s.members.length + s.moreMembers : i.roots.length + i.children.reduce((n, c) => n + c.alerts.length, 0);
  return {
    id: i.id,
    // Without a story (history stored before stories were kept) the title and severity are those at resolution.
    opening_title: s?.openingTitle ?? i.title,
    peak_severity: s?.peak.severity ?? i.severity,
    peak_value: s?.peak.value ?? null,
    peak_text: s?.peak.text ?? null,
    peak_entity: s?.peak.entity ?? null,
    peak_at: iso(s?.peak.atMs),
    root: (s?.roots ?? i.roots.map((a) => a.entity)).join(' '),
    started: iso(i.startedMs),
    resolved: iso(i.resolvedMs),
    duration_s: Math.round((i.resolvedMs - i.startedMs) / 1000),
    acked_by: acks.map((a) => a.by).join('; ') || null,
    acked_at: acks.map((a) => iso(a.atMs)).join('; ') || null,
    ack_comment: acks.map((a) => a.comment).join('; ') || null,
    silenced_by: s?.silences.map((x) => `${x.by} (${x.matcher})`).join('; ') || null,
    silence_comment: s?.silences.map((x) => x.comment).join('; ') || null,
    notified: i.notified,
    alerts,
    racks: i.racks?.length ?? 0,
    resolved_title: s?.lastTitle ?? i.title,
  };
}

/** The CSV of `incidents` (newest first, as given), with a header line. */
export function historyCsv(incidents: ResolvedIncident[]): string {
  const lines = [HISTORY_CSV_COLUMNS.join(',')];
  for (const i of incidents) {
    const r = row(i);
    lines.push(HISTORY_CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
