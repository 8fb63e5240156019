/**
 * What an open incident says about who handles it and why it is muted, and the order and counts
 * the wall and the alerts panel list incidents in: active incidents first by severity, silenced
 * ones after them and counted apart. One text for both screens. Pure; times in the browser's
 * time zone unless one is given (tests).
 */
import { SEVERITIES, SEVERITY_RANK, type Acknowledgement, type IncidentView, type Severity, type SilenceView } from '../../../protocol/alerts.ts';

/** Operator comments longer than this are cut with "…" so a mark fits a wall line; the panel keeps the whole text in its tooltip. */
export const COMMENT_MAX_CHARS = 100;
const DAY_MS = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function format(timeZone: string | undefined, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone })));
  return f;
}

/** Calendar day of an instant in a zone, as "YYYY-MM-DD"-comparable parts. */
function dayOf(tsMs: number, timeZone: string | undefined): string {
  return format(timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(tsMs);
}

/**
 * A 24-hour local time, with as much date as it needs against `nowMs`: "14:41" today,
 * "Tue 14:41" within six days either side, "3 Mar 14:41" this year, "3 Mar 2027 14:41" beyond.
 */
export function clockText(tsMs: number, nowMs: number, timeZone?: string): string {
  const hm = format(timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(tsMs);
  if (dayOf(tsMs, timeZone) === dayOf(nowMs, timeZone)) return hm;
  if (Math.abs(tsMs - nowMs) < 6 * DAY_MS) return `${format(timeZone, { weekday: 'short' }).format(tsMs)} ${hm}`;
  const year = (t: number) => format(timeZone, { year: 'numeric' }).format(t);
  const sameYear = year(tsMs) === year(nowMs);
  return `${format(timeZone, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(tsMs)} ${hm}`;
}

/** An operator's comment on one line, cut at COMMENT_MAX_CHARS. */
export function commentText(comment: string): string {
  const line = comment.replace(/\s+/g, ' ').trim();
  return line.length > COMMENT_MAX_CHARS ? `${line.slice(0, COMMENT_MAX_CHARS - 1).trimEnd()}…` : line;
}

/** "ACK olga 14:41 — tech on the way": who, when, why. */
export function ackText(ack: Acknowledgement, nowMs: number, timeZone?: string): string {
  const why = commentText(ack.comment ?? '');
  return `ACK ${ack.by} ${clockText(ack.atMs, nowMs, timeZone)}${why ? ` — ${why}` : ''}`;
}

/** The silence muting `i`, from the silences of the same snapshot (undefined when it is not muted or not listed). */
export function silenceOf(i: IncidentView, silences: readonly SilenceView[]): SilenceView | undefined {
  return !i.silencedBy ? undefined : silences.find((s) => s.id === i.silencedBy);
}

/**
 * "SILENCED until 15:43 by olga — cold plate service": until the present window ends, who, why.
 * Plain "SILENCED" when the silence is not in the list (a server before silences were listed).
 */
export function silenceText(s: SilenceView | undefined, nowMs: number, timeZone?: string): string {
  if (!s) return 'SILENCED';
  const untilMs = s.activeUntilMs ?? s.endsMs;
  const why = commentText(s.comment ?? '');
  return `SILENCED until ${clockText(untilMs, nowMs, timeZone)} by ${s.by}${why ? ` — ${why}` : ''}`;
}

/** "CRITICAL", "MAJOR", "MINOR", "WARNING": spelled out, never abbreviated. */
export function severityLabel(s: Severity): string {
  return s.toUpperCase();
}

/**
 * Display order: active incidents before silenced ones; within each, most severe first, then
 * unacknowledged before acknowledged, then newest first. A new array.
 */
export function displayOrder(incidents: readonly IncidentView[]): IncidentView[] {
  return [...incidents].sort(
    (a, b) =>
      Number(!!a.silencedBy) - Number(!!b.silencedBy) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Number(!!a.acknowledged) - Number(!!b.acknowledged) ||
      b.startedMs - a.startedMs,
  );
}

/** Open incidents counted by severity among the active ones, and the silenced ones apart. */
export interface IncidentCounts {
  active: Record<Severity, number>;
  silenced: number;
}

export function incidentCounts(incidents: readonly IncidentView[]): IncidentCounts {
  const active = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let silenced = 0;
  for (const i of incidents) {
    if (i.silencedBy) silenced++;
    else active[i.severity]++;
  }
  return { active, silenced };
}

/** One part of a count line, keyed for its colour: `critical` … `warning`, `silenced`, or `none`. */
export interface CountPart {
  key: Severity | 'silenced' | 'none';
  text: string;
}

/**
 * "2 critical · 1 silenced" as parts: each severity with active incidents, then the silenced;
 * "none active" before the silenced when nothing else is open, "none" when nothing is.
 */
export function countParts(c: IncidentCounts): CountPart[] {
  const parts: CountPart[] = SEVERITIES.filter((s) => c.active[s] > 0).map((s) => ({ key: s, text: `${c.active[s]} ${s}` }));
  if (parts.length === 0) parts.push({ key: 'none', text: c.silenced > 0 ? 'none active' : 'none' });
  if (c.silenced > 0) parts.push({ key: 'silenced', text: `${c.silenced} silenced` });
  return parts;
}

/** The count line as text: parts joined with " · ". */
export function countsText(c: IncidentCounts): string {
  return countParts(c).map((p) => p.text).join(' · ');
}

/**
 * What the silence form starts from for an incident: its ID, which a silence matches exactly —
 * except a campus view's "hall shard unreachable" incident, whose ID names one outage: a silence of
 * the shard (`shard:hall-3`, its root cause) mutes this outage and any later one.
 */
export function silenceMatcherFor(i: Pick<IncidentView, 'id' | 'rootCause'>): string {
  return i.id.startsWith('shard:') && i.rootCause?.entity.startsWith('shard:') ? i.rootCause.entity : i.id;
}
