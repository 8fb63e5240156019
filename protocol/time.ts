/**
 * Times and durations as people write them in URLs and options: the history API's and the
 * drill-down's `from=now-6h&to=now`, the history `step=30s`. One parser for server and browser,
 * so a link the dashboard writes is one the server reads and the other way round.
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `250ms`, `30s`, `1.5h`, `7d`, `2w` in ms; null when the text is not a duration (no sign, no spaces). */
export function parseDurationMs(text: string): number | null {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

/** Epoch ms (10 to 14 digits), an ISO 8601 date, `now`, or `now-<duration>` (now-6h), as epoch ms; null when none of these. */
export function parseTimeMs(text: string, nowMs: number): number | null {
  if (text === 'now') return nowMs;
  if (text.startsWith('now-')) {
    const d = parseDurationMs(text.slice(4));
    return d === null ? null : nowMs - d;
  }
  if (/^\d{10,14}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}
