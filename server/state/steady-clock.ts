/**
 * The server's clock: the host's wall time while it moves as time does, and through a step of
 * the host clock (an operator's `date -s`, a VM resumed, NTP stepping) the time it would have
 * shown — wall time at the last agreement plus the monotonic time since. So a step of ±1 h
 * neither rejects every sample as skewed nor marks every rack stale at once.
 *
 * The step is adopted when the telemetry agrees with the new wall time: the median offset of
 * the last accepted source timestamps (`observeSource`) is within the tolerance of it (the host
 * was wrong before and has been corrected). Until then the step is reported (`stepMs`).
 */
/** The warning logged when the host clock steps (`adopted`: the telemetry agrees, so it is followed). */
export function clockStepWarning(stepMs: number, adopted: boolean): string {
  const s = `${stepMs > 0 ? '+' : ''}${Math.round(stepMs / 1000)} s`;
  return adopted ? `clock: the host clock moved by ${s} and the telemetry agrees: following it`
    : `clock: the host clock stepped by ${s}; Hallwatch keeps counting time from before the step until the telemetry's timestamps agree with it`;
}

export class SteadyClock {
  private offsetMs: number;
  /** Source offsets (source ts − steady now) of recent samples, a ring. */
  private readonly sourceOffsets = new Float64Array(64).fill(Number.NaN);
  private next = 0;
  /** The host clock minus this clock, ms, while a step is not adopted; 0 otherwise. */
  stepMs = 0;
  /** Steps of the host clock seen. */
  steps = 0;

  constructor(
    private readonly wall: () => number = Date.now,
    private readonly mono: () => number = () => performance.now(),
    /** Host clock moves up to this far from monotonic time per reading are followed (NTP slewing, timer jitter). */
    private readonly toleranceMs = 2000,
    private readonly onStep: (stepMs: number, adopted: boolean) => void = () => {},
  ) {
    this.offsetMs = wall() - mono();
  }

  readonly now = (): number => {
    const m = this.mono();
    const steady = this.offsetMs + m;
    const w = this.wall();
    const d = w - steady;
    if (Math.abs(d) <= this.toleranceMs) {
      this.offsetMs = w - m;
      if (this.stepMs !== 0) this.stepMs = 0;
      return w;
    }
    if (this.agreesWithSources(d)) {
      this.offsetMs = w - m;
      this.stepMs = 0;
      this.steps++;
      this.onStep(d, true);
      return w;
    }
    if (Math.abs(d - this.stepMs) > this.toleranceMs) {
      this.stepMs = d;
      this.steps++;
      this.onStep(d, false);
    }
    return steady;
  };

  /** Records an accepted sample's source time (the reference a step is judged against). */
  observeSource(tsMs: number): void {
    this.sourceOffsets[this.next] = tsMs - (this.offsetMs + this.mono());
    this.next = (this.next + 1) % this.sourceOffsets.length;
  }

  /** Whether the recent sources sit at the host's new time rather than at this clock. */
  private agreesWithSources(stepMs: number): boolean {
    const offsets = [...this.sourceOffsets].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    if (offsets.length < 16) return false;
    const median = offsets[offsets.length >> 1];
    return Math.abs(median - stepMs) <= this.toleranceMs;
  }
}
