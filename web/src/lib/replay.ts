/**
 * The hall replay's clock, pure: which minute opens, stepping within the window, where a
 * playing replay is after some real time at a speed, and where incidents fall on the slider.
 * Every moment is the start of a minute, epoch ms.
 */
import type { Severity } from '../../../protocol/alerts.ts';

export const MINUTE_MS = 60_000;
/** Play speeds, × real time: at 60× a replayed minute passes each real second. */
export const REPLAY_SPEEDS = [1, 10, 60] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/** Start of the minute holding `ms`. */
export function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * The newest minute with data, from a history series (`tsMs` bucket starts of `stepMs`, `values`
 * null where a bucket had none): the last minute of the newest bucket with a value, one minute
 * earlier when that minute is still under way (`nowMs`) and the bucket also holds the one before
 * — a finished minute is a whole frame. Null when no bucket has a value.
 */
export function newestMinuteWithData(tsMs: readonly number[], values: readonly (number | null)[], stepMs: number, nowMs: number): number | null {
  let k = values.length - 1;
  while (k >= 0 && (values[k] === null || !Number.isFinite(values[k]))) k--;
  if (k < 0) return null;
  const last = Math.min(floorMinute(tsMs[k] + stepMs - 1), floorMinute(nowMs));
  if (last + MINUTE_MS <= nowMs) return last;
  if (last - MINUTE_MS >= tsMs[k]) return last - MINUTE_MS;
  // The previous bucket ends where this one starts and had a value: its last minute is finished.
  if (k > 0 && values[k - 1] !== null && tsMs[k - 1] + stepMs === tsMs[k]) return floorMinute(tsMs[k] - 1);
  return last;
}

/**
 * Where stored data begins in a history series that starts at `fromMs`: the first bucket with a
 * value (its start: with buckets longer than a minute, data may begin later in it), when data
 * begins after the series' first bucket (a server started since, no database);
 * null when data reaches back to `fromMs` or there is none — nothing to hold stepping at.
 */
export function dataBeginsMs(tsMs: readonly number[], values: readonly (number | null)[], fromMs: number, stepMs: number): number | null {
  const k = values.findIndex((v) => v !== null && Number.isFinite(v));
  if (k < 0 || tsMs[k] < fromMs + stepMs) return null;
  return floorMinute(tsMs[k]);
}

/** The oldest minute stepping and playing reach: the window's, or where data begins when later. */
export function oldestReachable(minMs: number, dataFromMs: number | null): number {
  return dataFromMs === null ? minMs : Math.max(minMs, dataFromMs);
}

/** The minutes the slider spans: from `spanMs` before now to the minute under way. */
export function replayWindow(nowMs: number, spanMs: number): { minMs: number; maxMs: number } {
  const maxMs = floorMinute(nowMs);
  return { minMs: floorMinute(maxMs - spanMs), maxMs };
}

/** `atMs` moved to a minute start within [minMs, maxMs]. */
export function clampMinute(atMs: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(minMs, floorMinute(atMs)));
}

/** `deltaMin` minutes on from `atMs` (back when negative), held at the window's ends. */
export function stepMinutes(atMs: number, deltaMin: number, minMs: number, maxMs: number): number {
  return clampMinute(floorMinute(atMs) + deltaMin * MINUTE_MS, minMs, maxMs);
}

/** A playing replay: the minute it started from, the real time it started, its speed. */
export interface PlayClock {
  fromAtMs: number;
  startRealMs: number;
  speed: number;
}

/**
 * The minute a playing replay shows at real time `realNowMs`: `speed` × the real time since it
 * started, in whole minutes, after the minute it started from; `ended` once it reached `maxMs`
 * (where it stays).
 */
export function playedMinute(clock: PlayClock, realNowMs: number, maxMs: number): { atMs: number; ended: boolean } {
  const minutes = Math.floor((Math.max(0, realNowMs - clock.startRealMs) * clock.speed) / MINUTE_MS);
  const atMs = floorMinute(clock.fromAtMs) + minutes * MINUTE_MS;
  return atMs >= maxMs ? { atMs: Math.max(maxMs, floorMinute(clock.fromAtMs)), ended: true } : { atMs, ended: false };
}

/** Real time until a playing replay shows its next minute, ms (for the timer). */
export function msToNextMinute(clock: PlayClock, realNowMs: number): number {
  const replayedMs = Math.max(0, realNowMs - clock.startRealMs) * clock.speed;
  return Math.max(1, Math.ceil((MINUTE_MS - (replayedMs % MINUTE_MS)) / clock.speed));
}

/** What an incident tick needs from an incident (open or resolved). */
export interface TickSource {
  id: string;
  title: string;
  severity: Severity;
  startedMs: number;
  hallId: string | null;
}

export interface IncidentTick {
  id: string;
  title: string;
  severity: Severity;
  /** The minute it started. */
  atMs: number;
  /** Position along the slider from its oldest end, 0…1. */
  frac: number;
}

/** Ticks of the incidents that started in the window in hall `hallId` or across halls, oldest first, one per ID and minute. */
export function incidentTicks(incidents: readonly TickSource[], hallId: string, minMs: number, maxMs: number): IncidentTick[] {
  const span = Math.max(MINUTE_MS, maxMs - minMs);
  const seen = new Set<string>();
  const out: IncidentTick[] = [];
  for (const i of incidents) {
    if (i.hallId !== null && i.hallId !== hallId) continue;
    const atMs = floorMinute(i.startedMs);
    const key = `${i.id}@${atMs}`;
    if (atMs < minMs || atMs > maxMs || seen.has(key)) continue;
    seen.add(key);
    out.push({ id: i.id, title: i.title, severity: i.severity, atMs, frac: (atMs - minMs) / span });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** The slider span (1 h, 6 h, 24 h, 7 d) that holds `atMs` before `nowMs`, the longest when none does, ms. */
export function spanHolding(atMs: number, nowMs: number, spansMs: readonly number[]): number {
  return spansMs.find((s) => replayWindow(nowMs, s).minMs <= atMs) ?? spansMs[spansMs.length - 1];
}
