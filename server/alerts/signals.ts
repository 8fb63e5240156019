/**
 * Reads the value a rule watches from the live state. A threshold signal is NaN unless its
 * entity is live (missing data never fires a threshold alert); state signals (stale, offline,
 * tripped) are 1 or 0, and NaN only before the first sample.
 */
import { CDU_COL, EntityState, RACK_COL } from '../../protocol/stream.ts';
import type { LiveState } from '../state/live-state.ts';
import type { MemoryWindow } from '../history/memory-window.ts';
import { RACK_HISTORY } from '../../protocol/history.ts';
import { DerivedFlag } from '../../protocol/derived-flags.ts';
import { minutesToLimit } from './trend.ts';

/** Column positions by any signal name (a signal that is no column reads as NaN). */
const RC: Readonly<Record<string, number>> = RACK_COL;
const CC: Readonly<Record<string, number>> = CDU_COL;
/** Samples the return-temperature trend is fitted over, ms. */
export const TREND_WINDOW_MS = 5 * 60_000;
/** A rack's trend is refitted this often, its racks spread over the seconds in between, ms. */
export const TREND_EVERY_MS = 10_000;

/**
 * Last fitted time-to-limit per rack: a fit reads five minutes of history, so each rack is
 * refitted once every `TREND_EVERY_MS` (a tenth of the racks each second) instead of every
 * evaluation; the rule's pending period is longer than that.
 */
export class TrendCache {
  private readonly atMs: Float64Array;
  private readonly value: Float64Array;

  constructor(racks: number) {
    this.atMs = new Float64Array(racks).fill(Number.NaN);
    this.value = new Float64Array(racks).fill(Number.NaN);
  }

  /**
   * Rack `i`'s value, refitted when due or when `atLimitNow` (whether the live value is at or over
   * the limit) disagrees with the cached one: a projection of 0 must not outlive the signal's
   * return under its limit, nor a projection of minutes its arrival over it.
   */
  get(i: number, nowMs: number, fit: () => number, atLimitNow?: boolean): number {
    const slots = TREND_EVERY_MS / 1000;
    const cached = this.value[i];
    const contradicted = atLimitNow !== undefined && !Number.isNaN(cached) && (cached === 0) !== atLimitNow;
    const due = contradicted || Number.isNaN(this.atMs[i]) || nowMs - this.atMs[i] >= TREND_EVERY_MS || (Math.floor(nowMs / 1000) + i) % slots === 0;
    if (due && this.atMs[i] !== nowMs) {
      this.value[i] = fit();
      this.atMs[i] = nowMs;
    }
    return this.value[i];
  }
}

function stateSignal(state: number, wanted: number): number {
  if (state === EntityState.NoData || Number.isNaN(state)) return Number.NaN;
  return state === wanted ? 1 : 0;
}

const RETURN_FIELD = RACK_HISTORY.indexOf('returnC');
/** Scratch for one trend fit: at most one bucket per second of the window (fits run one at a time). */
const fitTs = new Float64Array(TREND_WINDOW_MS / 1000 + 1);
const fitValues = new Float64Array(TREND_WINDOW_MS / 1000 + 1);

export function rackSignal(s: LiveState, i: number, signal: string, nowMs: number, memory: MemoryWindow | null, trend?: TrendCache): number {
  const st = s.rackCols[RC.state][i];
  if (signal === 'stale') return stateSignal(st, EntityState.Stale);
  if (signal === 'offline') return stateSignal(st, EntityState.Offline);
  // Rejections count while the rack is stale too: a sensor whose every sample is refused goes quiet.
  if (signal === 'rejectsPerMin') return st === EntityState.NoData ? Number.NaN : s.sensors.rejectsPerMin(i, nowMs);
  if (st !== EntityState.Live) return Number.NaN;
  if (signal === 'returnSensorFrozenS') return s.sensors.frozenS(i, nowMs);
  if (signal === 'returnSensorNoiseK') return s.sensors.noiseK(i);
  if (signal === 'returnMinutesToLimit') {
    const fit = () => {
      const ring = memory?.get(`rack:${s.site.racks[i].id}`);
      if (!ring) return Number.NaN;
      const step = Math.max(1000, s.site.spec.telemetryIntervalMs);
      const n = ring.bucketsInto(nowMs - TREND_WINDOW_MS, nowMs + 1, step, RETURN_FIELD, fitTs, fitValues);
      return minutesToLimit(fitTs, fitValues, s.site.racks[i].returnLimitC, TREND_WINDOW_MS, step, n);
    };
    const returnC = s.rackCols[RC.returnC][i];
    return trend ? trend.get(i, nowMs, fit, Number.isNaN(returnC) ? undefined : returnC >= s.site.racks[i].returnLimitC) : fit();
  }
  if (signal === 'captureRatio') return captureSignal(s.rackCols[RC.captureRatio][i], s.rackCols[RC.derivedFlags][i]);
  return s.rackCols[RC[signal]]?.[i] ?? Number.NaN;
}

/** A withheld capture ratio that cannot be a drop: above 100 % (a transient or a wrong sensor) or too little heat to measure. */
const CAPTURE_NOT_A_DROP = DerivedFlag.CaptureTransient | DerivedFlag.CaptureInconsistent | DerivedFlag.CaptureUnmeasurable;

/**
 * The capture ratio as the capture-drop rule reads it: withheld as above 100 % or unmeasurable,
 * it reads 1 (no drop), so an alert that fired before clears instead of firing on with no value;
 * withheld for a faulted sensor it stays missing (the sensor's own rule speaks for it). Pure.
 */
export function captureSignal(captureRatio: number, flags: number): number {
  if (Number.isNaN(captureRatio) && (flags & CAPTURE_NOT_A_DROP) !== 0) return 1;
  return captureRatio;
}

/** Largest deviation of a live rack's flow from the mean of its group's live racks, %. */
export function groupFlowImbalancePct(s: LiveState, g: number): number {
  let sum = 0;
  let n = 0;
  const racks = s.site.groupRacks[g];
  for (const i of racks) {
    if (s.rackCols[RC.state][i] !== EntityState.Live) continue;
    sum += s.rackCols[RC.flowLpm][i];
    n++;
  }
  if (n < 2 || sum <= 0) return Number.NaN;
  const mean = sum / n;
  let worst = 0;
  for (const i of racks) {
    if (s.rackCols[RC.state][i] !== EntityState.Live) continue;
    worst = Math.max(worst, Math.abs(s.rackCols[RC.flowLpm][i] - mean) / mean);
  }
  return worst * 100;
}

export function cduSignal(s: LiveState, j: number, signal: string): number {
  const st = s.cduCols[CC.state][j];
  if (signal === 'stale') return stateSignal(st, EntityState.Stale);
  if (signal === 'offline') return stateSignal(st, EntityState.Offline);
  if (st !== EntityState.Live) return Number.NaN;
  const running = s.cduCols[CC.running][j] === 1;
  if (signal === 'tripped') return running ? 0 : 1;
  if (!running) return Number.NaN;
  if (signal === 'supplyOverSetpointK') return s.cduCols[CC.supplyC][j] - s.site.view.halls[s.site.cduHall[j]].supplySetpointC;
  if (signal === 'flowImbalancePct') return groupFlowImbalancePct(s, s.site.cduGroup[j]);
  return s.cduCols[CC[signal]]?.[j] ?? Number.NaN;
}

/**
 * A rack's or CDU's `stale` signal while a rule reports telemetry delays: 1 only once its silence
 * is its own — not part of a delay of many (the site's `telemetryDelayed` alert speaks for those),
 * and stale long enough to tell (telemetry-delay.ts); NaN until then, which holds its alert where it is.
 */
export function judgedStale(s: LiveState, kind: 'rack' | 'cdu', i: number, nowMs: number): number {
  const st = kind === 'rack' ? s.rackCols[RC.state][i] : s.cduCols[CC.state][i];
  if (st !== EntityState.Stale) return stateSignal(st, EntityState.Stale);
  const verdict = s.staleness.delay.verdict(kind, i, nowMs);
  return verdict === 'delayed' || verdict === 'undecided' ? Number.NaN : 1;
}

/** Signals of the monitoring itself, read from the modules that own them (absent: NaN, never fires). */
export interface SiteSignals {
  historyBehindS?: () => number;
  /** 1 while the DSX bus's BMS heartbeat is older than its timeout, 0 when fresh (NaN without DSX or before the first). */
  bmsHeartbeatLost?: () => number;
}

/** A site signal: `telemetryDelayed` (1 while a delay episode is open) from the live state, the others from `sources`. */
export function siteSignal(sources: SiteSignals, signal: string, s: LiveState): number {
  if (signal === 'telemetryDelayed') return s.staleness.delay.isOpen ? 1 : 0;
  const read = sources[signal as keyof SiteSignals];
  return read ? read() : Number.NaN;
}

/**
 * What a site alert says beyond its rule's summary, at `nowMs`: for `telemetryDelayed`,
 * "telemetry delayed: 3584 racks, 146 CDUs, oldest sample 4.2 s — broker or gateway?"; else undefined.
 */
export function siteDetail(s: LiveState, signal: string, nowMs: number): string | undefined {
  if (signal !== 'telemetryDelayed') return undefined;
  const e = s.staleness.delay.current(nowMs);
  if (!e) return undefined;
  const halls = s.site.view.halls;
  const where = e.halls.length === halls.length ? '' : e.halls.length === 1 ? ` in ${halls[e.halls[0]].name}` : ` in ${e.halls.length} halls`;
  const ageS = e.oldestSampleAgeMs / 1000;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return `telemetry delayed${where}: ${plural(e.racks, 'rack', 'racks')}, ${plural(e.cdus, 'CDU', 'CDUs')}, `
    + `oldest sample ${ageS < 10 ? ageS.toFixed(1) : ageS.toFixed(0)} s — broker or gateway?`;
}

export function hallSignal(s: LiveState, h: number, signal: string): number {
  const t = s.hallTotals[h];
  const v = t?.[signal as 'headroomPct' | 'n1HeadroomKw'];
  return typeof v === 'number' ? v : Number.NaN;
}
