/**
 * The hall replay's state: the window the slider spans, the play clock, and the fetches behind
 * it — the newest minute with data (where a replay opens), the minute's frame and the resolved
 * incidents for the slider's ticks. The replayed minute itself lives in the URL (route.ts): the
 * player reads it as `atMs` and asks for a new one through `onmoment`.
 */
import type { ResolvedIncident } from '../../../protocol/alerts.ts';
import type { HistoryResponse } from '../../../protocol/history.ts';
import type { RackColumn } from '../../../protocol/stream.ts';
import type { SiteView } from '../../../protocol/site-view.ts';
import { fetchHallSnapshot } from './history-api.ts';
import { replayField, replayFrame, type ReplayFrame } from './replay-frame.ts';
import {
  MINUTE_MS, dataBeginsMs, msToNextMinute, newestMinuteWithData, oldestReachable, playedMinute, replayWindow, spanHolding, type PlayClock,
} from './replay.ts';

/** Spans the slider offers, ms: 1 h, 6 h, 24 h, 7 d. */
export const REPLAY_SPANS_MS = [1, 6, 24, 168].map((h) => h * 3_600_000);

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body as T;
}

/**
 * The newest minute of hall `hallId` with a live rack in its stored totals, and where its data begins when that is
 * within the span looked at: the last day by minutes, else the last week by 6-minute buckets
 * (the history API answers at most 2,000 points). Null when none.
 */
export async function findStoredMinutes(hallId: string, nowMs: number): Promise<{ newestMs: number | null; beginsMs: number | null }> {
  for (const [spanMs, stepMs] of [[86_400_000, MINUTE_MS], [REPLAY_SPANS_MS.at(-1)!, 6 * MINUTE_MS]]) {
    const fromMs = nowMs - spanMs;
    const q = new URLSearchParams({ entity: `hall:${hallId}`, fields: 'racksLive', from: String(fromMs), to: String(nowMs), step: String(stepMs) });
    const h = await getJson<HistoryResponse>(`/api/history?${q}`);
    // Totals are kept from a server's first second, before any rack reports: a minute with no live rack has nothing to draw.
    const values = (h.values.racksLive ?? []).map((v) => (v !== null && v > 0 ? v : null));
    const newestMs = newestMinuteWithData(h.tsMs, values, h.stepMs, nowMs);
    if (newestMs !== null) return { newestMs, beginsMs: dataBeginsMs(h.tsMs, values, fromMs, h.stepMs) };
  }
  return { newestMs: null, beginsMs: null };
}

export class ReplayPlayer {
  nowMs = $state(Date.now());
  spanMs = $state(REPLAY_SPANS_MS[0]);
  /** Looking up the newest minute with data (the replay is on, its minute not known yet). */
  opening = $state(false);
  play = $state.raw<PlayClock | null>(null);
  speed = $state(60);
  frame = $state.raw<ReplayFrame | null>(null);
  error = $state<string | null>(null);
  history = $state.raw<ResolvedIncident[]>([]);
  /** Where the hall's stored data begins, when later than the slider's oldest minute (null: not known or not later). */
  beginsMs = $state<number | null>(null);
  readonly window = $derived(replayWindow(this.nowMs, this.spanMs));
  /** The oldest minute stepping and playing reach. */
  readonly oldestMs = $derived(oldestReachable(this.window.minMs, this.beginsMs));
  private storedFor: string | null = null;

  constructor(private readonly onmoment: (atMs: number | null) => void) {}

  /** Turns the replay on at the newest minute with data (the minute under way when there is none), or off. */
  async toggle(on: boolean, hallId: string): Promise<void> {
    this.play = null;
    if (!on) {
      this.opening = false;
      this.onmoment(null);
      return;
    }
    this.opening = true;
    this.nowMs = Date.now();
    try {
      const { newestMs: newest, beginsMs } = await findStoredMinutes(hallId, this.nowMs);
      if (!this.opening) return;
      this.beginsMs = beginsMs;
      this.storedFor = hallId;
      this.onmoment(newest ?? replayWindow(this.nowMs, 0).maxMs);
      this.error = newest === null ? 'no stored minute of this hall yet' : null;
    } catch (e) {
      this.error = (e as Error).message;
      this.onmoment(replayWindow(this.nowMs, 0).maxMs);
    } finally {
      this.opening = false;
    }
  }

  /** Widens the slider to the shortest span holding `atMs` (a replay opened from a link), and learns where data begins. */
  fit(atMs: number, hallId: string): void {
    this.nowMs = Date.now();
    if (atMs < this.window.minMs) this.spanMs = spanHolding(atMs, this.nowMs, REPLAY_SPANS_MS);
    if (this.storedFor === hallId) return;
    this.storedFor = hallId;
    findStoredMinutes(hallId, this.nowMs).then((r) => (this.beginsMs = r.beginsMs), () => {});
  }

  /** Plays from `atMs` at the current speed; playing again from the newest minute starts a span back. */
  start(atMs: number): void {
    this.nowMs = Date.now();
    const from = atMs >= this.window.maxMs ? this.oldestMs : Math.max(atMs, this.oldestMs);
    if (from !== atMs) this.onmoment(from);
    this.play = { fromAtMs: from, startRealMs: Date.now(), speed: this.speed };
  }

  setSpeed(speed: number, atMs: number | null): void {
    this.speed = speed;
    if (this.play && atMs !== null) this.play = { fromAtMs: atMs, startRealMs: Date.now(), speed };
  }

  /** Advances a playing replay when its next minute is due; returns the timer's undo. */
  tick(): () => void {
    const clock = this.play;
    if (!clock) return () => {};
    const t = setTimeout(() => {
      this.nowMs = Date.now();
      const p = playedMinute(clock, Date.now(), this.window.maxMs);
      this.onmoment(p.atMs);
      if (p.ended) this.play = null;
      else this.play = { ...clock };
    }, msToNextMinute(clock, Date.now()));
    return () => clearTimeout(t);
  }

  /** Fetches the frame of minute `atMs` (after a short pause, so dragging the slider asks once); returns the undo. */
  load(site: SiteView, hallId: string, atMs: number, column: RackColumn): () => void {
    let cancelled = false;
    const t = setTimeout(async () => {
      try {
        const snap = await fetchHallSnapshot(hallId, atMs, replayField(column));
        if (cancelled) return;
        this.frame = replayFrame(site, snap, column);
        this.error = null;
      } catch (e) {
        if (!cancelled) this.error = (e as Error).message;
      }
    }, this.play ? 0 : 150);
    return () => {
      cancelled = true;
      clearTimeout(t);
    };
  }

  /** Loads the resolved incidents for the slider's ticks. */
  async loadHistory(): Promise<void> {
    try {
      this.history = (await getJson<{ incidents: ResolvedIncident[] }>('/api/incidents/history?format=json')).incidents;
    } catch {
      this.history = [];
    }
  }
}
