/**
 * Live state of every rack and CDU, in columns (one Float64Array per wire column) so the
 * stream can send them without reshaping. Samples are applied as they arrive; `refresh()`
 * (on the state ticker's tick) detects stale entities, derives group headroom and the totals.
 */
import { Staleness, type StaleMarks } from './staleness.ts';
import type { CduTelemetry, RackTelemetry, Status } from '../../protocol/telemetry.ts';
import { CDU_COL as CC, CDU_COLUMNS, EntityState, RACK_COL as RC, RACK_COLUMNS, type Totals } from '../../protocol/stream.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { deriveRack } from './derive.ts';
import { computeAllTotals } from './totals.ts';
import { SensorHealth } from './sensor-health.ts';
import { DirtySet } from './dirty-set.ts';
import { RecentTimestamps } from './recent-timestamps.ts';
import { cduAvailable, deriveGroupAt, deriveRackAt, GroupColumns } from './derived-columns.ts';
import { takeCduExtra, takeRackDetail, type CduExtra, type RackDetail } from './entity-detail.ts';


function columns(count: number, rows: number): Float64Array[] {
  return Array.from({ length: count }, () => new Float64Array(rows).fill(Number.NaN));
}

/**
 * `late`: older than the entity's latest sample, not seen before — history keeps it, live values
 * do not go back to it. `duplicate`: a source timestamp already taken (a redelivery).
 */
export type ApplyOutcome = 'applied' | 'late' | 'duplicate';

export class LiveState {
  readonly rackCols: Float64Array[];
  readonly cduCols: Float64Array[];
  /** Server receive time of the last sample, ms (NaN before the first). */
  readonly rackReceivedMs: Float64Array;
  readonly cduReceivedMs: Float64Array;
  readonly rackDetail: (RackDetail | null)[];
  readonly cduExtra: (CduExtra | null)[];
  /** Per redundancy group: headroom, N+1 and load of its last derivation. */
  readonly groupCols: GroupColumns;
  /** Totals as of the last `refresh()`: per hall (`view.halls` order), per row (`site.rows` order), the site's. */
  hallTotals: Totals[];
  rowTotals: Totals[];
  siteTotals: Totals;
  /** Called after each accepted sample (the history recorder listens here). */
  sampleTaken: ((kind: 'rack' | 'cdu', index: number) => void) | null = null;
  /** Called with each late sample (older than the latest, not a duplicate): history only. */
  lateTaken: ((kind: 'rack' | 'cdu', index: number, sample: RackTelemetry | CduTelemetry) => void) | null = null;
  /** Called when the first rack or CDU changes after a `takeDirty()` (the WebSocket hub schedules its next frame here). */
  changed: (() => void) | null = null;
  /** Return-sensor health per rack (frozen, noisy, rejected samples). */
  readonly sensors: SensorHealth;
  private readonly recent: Record<'rack' | 'cdu', RecentTimestamps>;
  /** Changed since the last `takeDirty()`: what the stream sends next. */
  private readonly rackDirty: DirtySet;
  private readonly cduDirty: DirtySet;
  /** Groups with a CDU that started or stopped carrying load since the last refresh: derived on the next one. */
  private readonly groupsDue: DirtySet;
  /** When an entity turns stale and what its silence means: thresholds, this server's own delay, delays of the path. */
  readonly staleness: Staleness;
  private readonly staleMarks: Record<'rack' | 'cdu', StaleMarks>;

  constructor(
    readonly site: SiteIndex,
    /** No sample for this long → stale (3 × the site's telemetry interval). */
    readonly staleAfterMs: number,
  ) {
    const n = site.racks.length;
    const m = site.cdus.length;
    this.rackCols = columns(RACK_COLUMNS.length, n);
    this.cduCols = columns(CDU_COLUMNS.length, m);
    this.rackCols[RC.state].fill(EntityState.NoData);
    this.cduCols[CC.state].fill(EntityState.NoData);
    this.rackReceivedMs = new Float64Array(n).fill(Number.NaN);
    this.cduReceivedMs = new Float64Array(m).fill(Number.NaN);
    this.recent = { rack: new RecentTimestamps(n), cdu: new RecentTimestamps(m) };
    this.rackDetail = new Array(n).fill(null);
    this.sensors = new SensorHealth(n);
    this.staleness = new Staleness(site, staleAfterMs);
    const cc = this.cduCols;
    this.staleMarks = {
      rack: { state: this.rackCols[RC.state], received: this.rackReceivedMs, mark: (i) => this.markRack(i) },
      // A CDU going stale was live: it was carrying load if it was running.
      cdu: { state: cc[CC.state], received: this.cduReceivedMs, mark: (j) => this.cduChanged(j, cc[CC.running][j] === 1) },
    };
    this.cduExtra = new Array(m).fill(null);
    this.rackDirty = new DirtySet(n);
    this.cduDirty = new DirtySet(m);
    this.groupsDue = new DirtySet(site.groups.length);
    this.groupCols = new GroupColumns(site.groups.length);
    const totals = computeAllTotals(this);
    this.hallTotals = totals.halls;
    this.rowTotals = totals.rows;
    this.siteTotals = totals.site;
  }

  /** Stores a validated rack sample; an older one is late (history only), a repeated timestamp a duplicate. */
  applyRack(i: number, s: RackTelemetry, nowMs: number): ApplyOutcome {
    const c = this.rackCols;
    if (s.ts <= c[RC.tsMs][i]) return this.older('rack', i, s);
    this.recent.rack.remember(i, s.ts);
    this.staleness.arrived('rack', i, c[RC.state][i], s.ts, nowMs);
    c[RC.rackKw][i] = s.rackKw;
    c[RC.supplyC][i] = s.supplyC;
    c[RC.returnC][i] = s.returnC;
    c[RC.flowLpm][i] = s.flowLpm;
    c[RC.tsMs][i] = s.ts;
    c[RC.state][i] = EntityState.Live;
    c[RC.leak][i] = s.leak ?? 0;
    this.sensors.observe(i, s.ts, s.returnC, s.supplyC, s.rackKw);
    this.rackReceivedMs[i] = nowMs;
    this.rackDetail[i] = takeRackDetail(this.rackDetail[i], s);
    deriveRackAt(this, i);
    this.markRack(i);
    this.sampleTaken?.('rack', i);
    return 'applied';
  }

  applyCdu(i: number, s: CduTelemetry, nowMs: number): ApplyOutcome {
    const c = this.cduCols;
    if (s.ts <= c[CC.tsMs][i]) return this.older('cdu', i, s);
    this.recent.cdu.remember(i, s.ts);
    this.staleness.arrived('cdu', i, c[CC.state][i], s.ts, nowMs);
    const wasAvailable = this.availableBefore(i);
    c[CC.supplyC][i] = s.supplyC;
    c[CC.returnC][i] = s.returnC;
    c[CC.flowLpm][i] = s.flowLpm;
    c[CC.pumpPct][i] = s.pumpPct ?? Number.NaN;
    c[CC.facilitySupplyC][i] = s.facilitySupplyC ?? Number.NaN;
    c[CC.facilityReturnC][i] = s.facilityReturnC ?? Number.NaN;
    c[CC.dpKpa][i] = s.dpKpa ?? Number.NaN;
    c[CC.running][i] = s.running === false ? 0 : 1;
    c[CC.tsMs][i] = s.ts;
    c[CC.state][i] = EntityState.Live;
    this.cduReceivedMs[i] = nowMs;
    this.cduExtra[i] = takeCduExtra(this.cduExtra[i], s);
    this.cduChanged(i, wasAvailable);
    this.sampleTaken?.('cdu', i);
    return 'applied';
  }

  /** Retained status: `offline` (the publisher's Last Will) marks the entity offline at once. */
  applyStatus(kind: 'rack' | 'cdu', i: number, status: Status, nowMs: number): void {
    const stateCol = kind === 'rack' ? this.rackCols[RC.state] : this.cduCols[CC.state];
    const received = kind === 'rack' ? this.rackReceivedMs : this.cduReceivedMs;
    const wasAvailable = kind === 'cdu' ? this.availableBefore(i) : null;
    const before = stateCol[i];
    if (status === 'offline') {
      stateCol[i] = EntityState.Offline;
    } else if (stateCol[i] === EntityState.Offline) {
      // Back online: live only once a fresh sample arrives; until then it is stale, or has no data.
      stateCol[i] = Number.isNaN(received[i]) ? EntityState.NoData : nowMs - received[i] > this.staleAfterMs ? EntityState.Stale : EntityState.Live;
    }
    if (stateCol[i] === before) return;
    this.staleness.changed(kind, i, before, stateCol[i], nowMs, received[i]);
    if (kind === 'rack') this.markRack(i);
    else this.cduChanged(i, wasAvailable);
  }

  private older(kind: 'rack' | 'cdu', i: number, s: RackTelemetry | CduTelemetry): ApplyOutcome {
    if (this.recent[kind].has(i, s.ts)) return 'duplicate';
    this.recent[kind].remember(i, s.ts);
    this.lateTaken?.(kind, i, s);
    return 'late';
  }

  /** A late rack sample's derived values, against the present group headroom. */
  lateDerived(i: number, s: RackTelemetry): ReturnType<typeof deriveRack> {
    return deriveRack(this.site.spec.coolant, this.site.rackTypes[i], s, this.groupCols.headroomPct[this.site.rackGroup[i]]);
  }

  /**
   * Detects staleness, derives group headroom and the totals; the state ticker calls it once a
   * tick. With `slices` > 1 only the redundancy groups numbered `slice` modulo `slices` are
   * derived in turn (each group once a second: at 1 GW, every group on every 100 ms tick was 6 %
   * of the server), plus, out of turn, every group a CDU of which started or stopped carrying
   * load since the last refresh (tripped, back, stale, offline). Returns the CDUs of those groups.
   */
  refresh(nowMs: number, slice = 0, slices = 1): number[] {
    this.staleness.refresh(nowMs, slices, this.staleMarks.rack, this.staleMarks.cdu);
    for (let g = slice % slices; g < this.site.groups.length; g += slices) deriveGroupAt(this, g);
    const cdusOfDue: number[] = [];
    for (const g of this.groupsDue.take()) {
      if (g % slices !== slice % slices) deriveGroupAt(this, g);
      for (const j of this.site.groupCdus[g]) cdusOfDue.push(j);
    }
    const totals = computeAllTotals(this);
    this.hallTotals = totals.halls;
    this.rowTotals = totals.rows;
    this.siteTotals = totals.site;
    return cdusOfDue;
  }

  /** Entities changed since the last call; `dirtyTaken` hears them too (a hall shard publishes them). */
  takeDirty(): { racks: number[]; cdus: number[] } {
    const d = { racks: this.rackDirty.take(), cdus: this.cduDirty.take() };
    this.dirtyTaken?.(d);
    return d;
  }

  /** Called with what each `takeDirty()` took. */
  dirtyTaken: ((d: { racks: number[]; cdus: number[] }) => void) | null = null;

  groupN1HeadroomKw(g: number): number {
    return this.groupCols.n1Kw[g];
  }

  /** Heat of the racks a redundancy group serves, kW (carried or not: a tripped group still has it). */
  groupLoadKw(g: number): number {
    return this.groupCols.loadKw[g];
  }

  /** Sets how long one rack or CDU may go without a sample before it is stale, ms. */
  setStaleAfter(kind: 'rack' | 'cdu', i: number, ms: number): void {
    this.staleness.setStaleAfter(kind, i, ms);
  }

  /** Marks rack `i` changed for the stream. */
  markRack(i: number): void {
    if (this.rackDirty.mark(i) && !this.cduDirty.any) this.changed?.();
  }

  /** Marks CDU `j` changed for the stream. */
  markCdu(j: number): void {
    if (this.cduDirty.mark(j) && !this.rackDirty.any) this.changed?.();
  }

  /** Whether CDU `j` carries load, null before its first sample. */
  availableBefore(j: number): boolean | null {
    return this.cduCols[CC.state][j] === EntityState.NoData ? null : cduAvailable(this, j);
  }

  /**
   * CDU `j` changed (`wasAvailable`: availableBefore(j), read before the change); its group is
   * due at the next refresh when it started or stopped carrying
   * load (a first sample is not a change: its group is derived in turn, within a second).
   */
  cduChanged(j: number, wasAvailable: boolean | null): void {
    this.markCdu(j);
    if (wasAvailable !== null && cduAvailable(this, j) !== wasAvailable) this.groupsDue.mark(this.site.cduGroup[j]);
  }
}
