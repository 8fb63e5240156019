/**
 * Where every source puts its readings: the live state, and what each accepted sample tells
 * the server besides its values — its age (`hallwatch_ingest_sample_age_*`, time spent before
 * Hallwatch) and its source time (the steady clock judges a host clock step by it). One instance
 * serves every source, so those metrics and the clock see the whole site.
 */
import type { CduTelemetry, RackTelemetry, Status } from '../../protocol/telemetry.ts';
import type { Metrics } from '../http/metrics.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { ApplyOutcome, LiveState } from '../state/live-state.ts';
import { SampleAgeWindow } from './sample-age.ts';

export class Readings {
  private readonly ages = new SampleAgeWindow();
  /** Server clock when the last sample was accepted, ms; NaN before the first (`/readyz`). */
  lastSampleMs = Number.NaN;

  constructor(
    private readonly state: LiveState,
    metrics: Metrics,
    private readonly clock: () => number,
    /** Told each accepted sample's source time, ms (the steady clock's feed); null without one. */
    private readonly sourceTime: ((tsMs: number) => void) | null = null,
  ) {
    for (const [name, q] of [['p50', 0.5], ['p99', 0.99], ['max', 1]] as const) {
      const help = `${name} age of the samples taken in the last complete 10 s (server clock − source ts): `
        + 'time spent in gateways, the broker and the unread socket';
      metrics.gauge(`hallwatch_ingest_sample_age_${name}_seconds`, help, () => [[{}, this.ages.quantileS(q, this.clock())]]);
    }
  }

  /** The site the readings are of. */
  get site(): SiteIndex {
    return this.state.site;
  }

  /** Applies rack `index`'s sample taken at `nowMs`. */
  rack(index: number, sample: RackTelemetry, nowMs: number): ApplyOutcome {
    return this.took(this.state.applyRack(index, sample, nowMs), sample.ts, nowMs);
  }

  /** Applies CDU `index`'s sample taken at `nowMs`. */
  cdu(index: number, sample: CduTelemetry, nowMs: number): ApplyOutcome {
    return this.took(this.state.applyCdu(index, sample, nowMs), sample.ts, nowMs);
  }

  /** A rack's or CDU's announced status (its Last Will or its own `online`). */
  status(kind: 'rack' | 'cdu', index: number, status: Status, nowMs: number): void {
    this.state.applyStatus(kind, index, status, nowMs);
  }

  /** A message of rack `index` was refused: counts against its sensor health. */
  rackRejected(index: number, nowMs: number): void {
    this.state.sensors.rejected(index, nowMs);
  }

  /** How long without a reading before a rack or CDU is stale, ms (a source with its own republish rule sets it). */
  staleAfter(kind: 'rack' | 'cdu', index: number, ms: number): void {
    this.state.setStaleAfter(kind, index, ms);
  }

  private took(outcome: ApplyOutcome, tsMs: number, nowMs: number): ApplyOutcome {
    if (outcome !== 'applied') return outcome;
    this.lastSampleMs = nowMs;
    this.ages.add(nowMs - tsMs, nowMs);
    this.sourceTime?.(tsMs);
    return outcome;
  }
}
