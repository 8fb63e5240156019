/**
 * The live state's own clock: stale marks, group headroom, N+1 and totals are refreshed every
 * `refreshMs` here, whoever reads them (WebSocket hub, alerts, recorder, /metrics) — none of them
 * depends on another's timer.
 */
import type { LiveState } from './live-state.ts';

export class StateTicker {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly state: LiveState,
    /** Refresh interval, ms (default 100). */
    private readonly refreshMs: number,
    private readonly clock: () => number,
  ) {}

  start(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.refreshMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private refresh(): void {
    this.state.refresh(this.clock());
  }
}
