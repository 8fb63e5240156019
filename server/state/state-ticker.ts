/**
 * The live state's one clock. Every `refreshMs` it refreshes the state — stale marks, a share of
 * the redundancy groups (each once a second) plus the groups whose CDUs just tripped or came
 * back, and the row, hall and site totals — then tells its listeners, in the order they were
 * added: the history recorder (totals), the alerts (a share of the rules' entities, and at once
 * the CDUs whose group changed) and the WebSocket hub (a frame). None of them keeps a timer for it.
 */
import type { LiveState } from './live-state.ts';

/** What one tick did, as its listeners get it. */
export interface StateTick {
  /** Clock at the tick, ms. */
  nowMs: number;
  /** This tick's share of work spread over a second: `slice` of `slices` (one round a second). */
  slice: number;
  slices: number;
  /** CDUs of the redundancy groups derived out of turn because a unit started or stopped carrying load. */
  cdusChanged: readonly number[];
}

export type TickListener = (tick: StateTick) => void;

export class StateTicker {
  private timer: NodeJS.Timeout | null = null;
  private count = 0;
  private readonly listeners: TickListener[] = [];

  constructor(
    private readonly state: LiveState,
    /** Refresh interval, ms (`--tick-ms`, default 100). */
    private readonly refreshMs: number,
    private readonly clock: () => number,
  ) {}

  /** Adds a listener, called after the listeners added before it; returns its removal. */
  listen(listener: TickListener): () => void {
    this.listeners.push(listener);
    return () => {
      const k = this.listeners.indexOf(listener);
      if (k >= 0) this.listeners.splice(k, 1);
    };
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.refreshMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One tick: the state refreshed, then each listener in turn. */
  tick(): StateTick {
    const slices = Math.max(1, Math.round(1000 / this.refreshMs));
    const slice = this.count++ % slices;
    const nowMs = this.clock();
    const tick: StateTick = { nowMs, slice, slices, cdusChanged: this.state.refresh(nowMs, slice, slices) };
    for (const listener of [...this.listeners]) listener(tick);
    return tick;
  }
}
