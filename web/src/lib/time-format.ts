/**
 * Times as the dashboard shows them: ISO 8601 order, 24-hour clock, with the time zone said
 * (`2026-12-07 14:05:09 UTC+01:00`), whatever the browser's locale. The zone is the browser's;
 * every function takes the offset as an argument (minutes east of UTC, a function of the
 * instant for daylight saving) so tables of cases can pin it.
 */

/** Minutes east of UTC at an instant, in the browser's zone. */
export type OffsetOf = (ms: number) => number;
export const localOffset: OffsetOf = (ms) => -new Date(ms).getTimezoneOffset();

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "UTC", "UTC+01:00", "UTC-03:30". */
export function zoneLabel(offsetMin: number): string {
  if (offsetMin === 0) return 'UTC';
  const a = Math.abs(offsetMin);
  return `UTC${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Fields of the wall-clock time at `ms` in the zone. */
function parts(ms: number, offsetOf: OffsetOf) {
  const d = new Date(ms + offsetOf(ms) * 60_000);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    hm: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
    s: pad(d.getUTCSeconds()),
  };
}

/** "2026-12-07 14:05" (no zone: for inputs and tick labels; say the zone next to it). */
export function isoMinute(ms: number, offsetOf: OffsetOf = localOffset): string {
  const p = parts(ms, offsetOf);
  return `${p.date} ${p.hm}`;
}

/** "2026-12-07 14:05:09 UTC+01:00". */
export function isoWithZone(ms: number, offsetOf: OffsetOf = localOffset): string {
  const p = parts(ms, offsetOf);
  return `${p.date} ${p.hm}:${p.s} ${zoneLabel(offsetOf(ms))}`;
}

/** "14:05:09" on the 24-hour clock. */
export function clock24(ms: number, offsetOf: OffsetOf = localOffset): string {
  const p = parts(ms, offsetOf);
  return `${p.hm}:${p.s}`;
}

/**
 * A time axis tick: "14:05:10" for ticks under a minute apart, "14:05" under a day, "12-07"
 * for days; a tick on a new day gets its date before the time ("12-08 00:00"). The first tick
 * has none: the range bar and the legend say the date, and a wider first label would collide.
 */
export function tickLabel(ms: number, prevMs: number | null, incrMs: number, offsetOf: OffsetOf = localOffset): string {
  const p = parts(ms, offsetOf);
  const day = p.date.slice(5);
  if (incrMs >= 86_400_000) return day;
  const time = incrMs < 60_000 ? `${p.hm}:${p.s}` : p.hm;
  const newDay = prevMs !== null && parts(prevMs, offsetOf).date !== p.date;
  return newDay ? `${day} ${time}` : time;
}

/**
 * "2026-12-07 14:05" (or with ":09" seconds, or a "T") read as wall-clock time in the zone, to
 * epoch ms; null when it is not such a time.
 */
export function parseIsoMinute(text: string, offsetOf: OffsetOf = localOffset): number | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?\s*$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(wall).getUTCDate() !== d) return null;
  // The offset at the instant, found from a guess at the offset of the wall time itself.
  const guess = wall - offsetOf(wall) * 60_000;
  return wall - offsetOf(guess) * 60_000;
}
