/**
 * When a live rack or CDU turns stale, and what its silence means. An entity is stale with no
 * sample for its threshold (3 × the site's interval, or a DSX point's own rule) plus the delay
 * this server sees in its own ingest (ingest-delay.ts), not counting time the process did not run
 * (stall-credit.ts); many going stale together are one delay of their path (telemetry-delay.ts).
 * The live state calls it on each sample and at each refresh; the alerts read its verdicts.
 */
import { EntityState } from '../../protocol/stream.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { IngestDelay, type IngestDelayFacts } from './ingest-delay.ts';
import { StallCredit } from './stall-credit.ts';
import { TelemetryDelay, type DelayEpisode, type DelayKind } from './telemetry-delay.ts';

/** How staleness is judged now (`/healthz`). */
export interface StalenessFacts extends IngestDelayFacts {
  /** The site's stale threshold before the credit, ms. */
  staleAfterMs: number;
  /** The open telemetry delay, or null. */
  delay: DelayEpisode | null;
}

/** One kind's columns the stale marks read and write: its state, its last receive times, and what to call for each mark. */
export interface StaleMarks {
  state: Float64Array;
  received: Float64Array;
  mark: (i: number) => void;
}

export class Staleness {
  /** Many entities going stale together: one delay of their path, not dead racks. */
  readonly delay: TelemetryDelay;
  /** This server's own view of how late samples arrive: the stale threshold is raised by it. */
  readonly ingest: IngestDelay;
  /** Time the process did not run, not counted in a sample's age. */
  private readonly stalls = new StallCredit();
  /** Per-entity stale threshold, ms (the site's by default; a DSX point's republish rule sets its own). */
  private readonly staleMs: Record<DelayKind, Float64Array>;

  constructor(
    site: SiteIndex,
    /** No sample for this long → stale (3 × the site's telemetry interval), ms. */
    readonly staleAfterMs: number,
  ) {
    this.staleMs = { rack: new Float64Array(site.racks.length).fill(staleAfterMs), cdu: new Float64Array(site.cdus.length).fill(staleAfterMs) };
    // Past twice the stale threshold, the wait is the delay episode's to report, not this credit's.
    this.ingest = new IngestDelay(2 * staleAfterMs);
    this.delay = new TelemetryDelay({ rackHall: site.rackHall, cduHall: site.cduHall, halls: site.view.halls.length }, staleAfterMs);
  }

  /** Sets how long one rack or CDU may go without a sample before it is stale, ms. */
  setStaleAfter(kind: DelayKind, i: number, ms: number): void {
    this.staleMs[kind][i] = ms;
  }

  /** A sample of entity `i`, in `state` until now, taken at `tsMs` and applied at `nowMs`. */
  arrived(kind: DelayKind, i: number, state: number, tsMs: number, nowMs: number): void {
    if (state === EntityState.Stale) this.delay.leftStale(kind, i);
    // A DSX point has its own republish rule and may repeat an old time: only the site's own publishers tell the delay.
    if (this.staleMs[kind][i] === this.staleAfterMs) this.ingest.sample(nowMs - tsMs, nowMs);
  }

  /** Entity `i`'s state changed from `before` to `after` other than by a sample or a stale mark (a Last Will, back online). */
  changed(kind: DelayKind, i: number, before: number, after: number, nowMs: number, receivedMs: number): void {
    if (before === EntityState.Stale) this.delay.leftStale(kind, i);
    else if (after === EntityState.Stale) this.delay.wentStale(kind, i, nowMs, receivedMs);
  }

  /**
   * At each refresh (`slices` of them a second; a later one is the event loop running late):
   * marks stale the live racks and CDUs without a sample for their threshold plus this server's
   * own delay, calling each one's `mark`, then opens or ends a delay episode.
   */
  refresh(nowMs: number, slices: number, racks: StaleMarks, cdus: StaleMarks): void {
    this.stalls.observe(nowMs);
    const creditMs = this.ingest.refreshed(nowMs, 1000 / slices);
    this.markStale('rack', racks, nowMs, creditMs);
    this.markStale('cdu', cdus, nowMs, creditMs);
    this.delay.update(nowMs);
  }

  /** How staleness is judged at `nowMs`. */
  facts(nowMs: number): StalenessFacts {
    return { ...this.ingest.facts(nowMs), staleAfterMs: this.staleAfterMs, delay: this.delay.current(nowMs) };
  }

  private markStale(kind: DelayKind, { state, received, mark }: StaleMarks, nowMs: number, creditMs: number): void {
    const staleMs = this.staleMs[kind];
    for (let i = 0; i < state.length; i++) {
      if (state[i] === EntityState.Live && this.stalls.ageMs(nowMs, received[i]) > staleMs[i] + creditMs) {
        state[i] = EntityState.Stale;
        this.delay.wentStale(kind, i, nowMs, received[i]);
        mark(i);
      }
    }
  }
}
