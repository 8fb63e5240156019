/**
 * The live state's own clock: stale marks and totals are refreshed every `refreshMs` here, group
 * headroom and N+1 once a second (a share of the groups per tick), whoever reads them (WebSocket hub, alerts, recorder, /metrics) — none of them
 * depends on another's timer.
 */
import type { LiveState } from './live-state.ts';

export class StateTicker {
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;

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
    // Redundancy groups are derived a share per tick, each once a second.
    const slices = Math.max(1, Math.round(1000 / this.refreshMs));
    this.state.refresh(this.clock(), this.tick++ % slices, slices);
  }
}
