/**
 * Silences mute the notifications of matching incidents — for one time window, or for a
 * recurring maintenance window (weekdays + local start time + duration in a time zone) until an
 * end date. Muted incidents stay visible on the dashboard and in the API. Pure.
 */
import { fail, ok, type Result } from '../../protocol/result.ts';
import type { Recurrence, Silence } from '../../protocol/alerts.ts';

const MAX_ONE_OFF_MS = 30 * 86_400_000;
const MAX_RECURRING_MS = 2 * 365 * 86_400_000;
const MINUTES_PER_WEEK = 7 * 1440;
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minute of the week (0 = Sunday 00:00) of an instant in a time zone. */
export function minuteOfWeek(tsMs: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(tsMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return WEEKDAY[get('weekday')] * 1440 + Number(get('hour')) * 60 + Number(get('minute'));
}

/** Whether the silence mutes notifications at `nowMs`. */
export function silenceActive(s: Silence, nowMs: number): boolean {
  if (nowMs < s.startsMs || nowMs >= s.endsMs) return false;
  const r = s.recurrence;
  if (!r) return true;
  const now = minuteOfWeek(nowMs, r.timeZone);
  const [hh, mm] = r.start.split(':').map(Number);
  return r.weekdays.some((d) => (((now - (d * 1440 + hh * 60 + mm)) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK < r.durationMinutes);
}

/** End of the latest recurrence window holding `tsMs`, on whole local minutes (zone offsets are whole minutes). */
function windowEndMs(r: Recurrence, tsMs: number): number {
  const now = minuteOfWeek(tsMs, r.timeZone);
  const [hh, mm] = r.start.split(':').map(Number);
  let endMs = tsMs;
  for (const d of r.weekdays) {
    const intoMin = (((now - (d * 1440 + hh * 60 + mm)) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    if (intoMin < r.durationMinutes) endMs = Math.max(endMs, tsMs - (tsMs % 60_000) + (r.durationMinutes - intoMin) * 60_000);
  }
  return endMs;
}

/**
 * When the silence stops muting, if it mutes at `nowMs`: `endsMs` for a one-off silence, the end of
 * the present window for a recurring one (back-to-back windows followed through); null when it
 * does not mute now.
 */
export function silenceActiveUntil(s: Silence, nowMs: number): number | null {
  if (!silenceActive(s, nowMs)) return null;
  const r = s.recurrence;
  if (!r) return s.endsMs;
  let untilMs = nowMs;
  // A week of windows at most: daily 24 h windows would otherwise chain to endsMs one day at a time.
  for (let i = 0; i < 8 && silenceActive(s, untilMs); i++) untilMs = windowEndMs(r, untilMs);
  untilMs = Math.min(untilMs, s.endsMs);
  // Adding minutes overshoots by the hour a spring-forward change skips inside the window: step back to the last muted minute.
  for (let i = 0; i < 120 && untilMs - 60_000 > nowMs && !silenceActive(s, untilMs - 60_000); i++) untilMs -= 60_000;
  return untilMs;
}

/**
 * Whether the silence covers any of an incident's keys: rack and CDU matchers also match as a
 * prefix (`rack:h1-r02-`); incident, row and hall matchers only exactly.
 */
export function silenceMatches(s: Silence, keys: string[]): boolean {
  const prefix = s.matcher.startsWith('rack:') || s.matcher.startsWith('cdu:');
  return keys.some((k) => k === s.matcher || (prefix && k.startsWith(s.matcher)));
}

function validTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

type Obj = Record<string, unknown>;

/** Validates a silence request body (`POST /api/silences`); messages name the bad field. */
export function parseSilenceRequest(body: unknown, nowMs: number): Result<Omit<Silence, 'id' | 'by' | 'createdMs'>, 'invalid_silence'> {
  const bad = (m: string) => fail('invalid_silence' as const, m);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('body: a JSON object is required');
  const b = body as Obj;
  const comment = typeof b.comment === 'string' ? b.comment.trim() : '';
  if (!comment || comment.length > 500) return bad('comment: a non-empty string of at most 500 characters is required');
  if (typeof b.matcher !== 'string' || !/^(group|rack|cdu|row|hall|shard):[A-Za-z0-9._-]+$/.test(b.matcher)) {
    return bad('matcher: an incident ID, entity or scope such as group:h1-r01, cdu:h1-r01-cdu-a, rack:h1-r02- (prefix), row:h1-r02, hall:hall-1 or shard:hall-3 (a campus view\'s hall shard)');
  }
  const startsMs = b.startsMs === undefined ? nowMs : Number(b.startsMs);
  const endsMs = b.endsMs !== undefined ? Number(b.endsMs) : b.minutes !== undefined ? startsMs + Number(b.minutes) * 60_000 : Number.NaN;
  let recurrence: Recurrence | undefined;
  if (b.recurrence !== undefined) {
    const r = b.recurrence as Obj;
    if (typeof r !== 'object' || r === null) return bad('recurrence: an object {weekdays, start, durationMinutes, timeZone} is required');
    if (!Array.isArray(r.weekdays) || r.weekdays.length === 0 || !r.weekdays.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= 6)) {
      return bad('recurrence.weekdays: a non-empty list of days 0 (Sunday) … 6 (Saturday) is required');
    }
    if (typeof r.start !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(r.start)) return bad('recurrence.start: a local time "HH:MM" is required');
    const minutes = Number(r.durationMinutes);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      return bad('recurrence.durationMinutes: a whole number of minutes from 1 to 1440 is required');
    }
    const timeZone = r.timeZone === undefined ? 'UTC' : r.timeZone;
    if (typeof timeZone !== 'string' || !validTimeZone(timeZone)) return bad(`recurrence.timeZone: unknown time zone ${JSON.stringify(r.timeZone)}`);
    recurrence = { weekdays: [...new Set(r.weekdays as number[])].sort(), start: r.start, durationMinutes: minutes, timeZone };
  }
  const maxMs = recurrence ? MAX_RECURRING_MS : MAX_ONE_OFF_MS;
  if (!Number.isFinite(startsMs) || !Number.isFinite(endsMs) || endsMs <= startsMs || endsMs - startsMs > maxMs) {
    return bad(`endsMs or minutes: a window after startsMs of at most ${recurrence ? '2 years for a recurring silence' : '30 days'} is required`);
  }
  if (endsMs <= nowMs) return bad('endsMs: the window has already ended');
  return ok({ matcher: b.matcher, startsMs, endsMs, comment, ...(recurrence ? { recurrence } : {}) });
}
