/**
 * Live state of every rack and CDU, in columns (one Float64Array per wire column) so the
 * stream can send them without reshaping. Samples are applied as they arrive; `refresh()`
 * (on the stream tick) detects stale entities, derives group headroom and the totals.
 */
import type { CduTelemetry, RackTelemetry, Status } from '../../protocol/telemetry.ts';
import { CDU_COL as CC, CDU_COLUMNS, EntityState, RACK_COL as RC, RACK_COLUMNS, type Totals } from '../../protocol/stream.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { deriveGroup, deriveRack, type CduReading } from './derive.ts';
import { computeAllTotals, computeTotals } from './totals.ts';
import { SensorHealth } from './sensor-health.ts';

export interface RackDetail {
  tsMs: number;
  seq: number | null;
  gpuW: number[] | null;
  cpuW: number | null;
  gpuC: number | null;
  dpKpa: number | null;
  valvePct: number | null;
}

export interface CduExtra {
  facilitySupplyC: number;
  facilityReturnC: number;
  dpKpa: number;
}

function columns(count: number, rows: number): Float64Array[] {
  return Array.from({ length: count }, () => new Float64Array(rows).fill(Number.NaN));
}

/**
 * `late`: older than the entity's latest sample, not seen before — history keeps it, live values
 * do not go back to it. `duplicate`: a source timestamp already taken (a redelivery).
 */
export type ApplyOutcome = 'applied' | 'late' | 'duplicate';

/** Source timestamps remembered per entity to tell a late sample from a redelivered one. */
const RECENT_TS = 16;

export class LiveState {
  readonly rackCols: Float64Array[];
  readonly cduCols: Float64Array[];
  /** Server receive time of the last sample, ms (NaN before the first). */
  readonly rackReceivedMs: Float64Array;
  readonly cduReceivedMs: Float64Array;
  readonly rackDetail: (RackDetail | null)[];
  readonly cduExtra: (CduExtra | null)[];
  hallTotals: Totals[] = [];
  /** Called after each accepted sample (the history recorder listens here). */
  sampleTaken: ((kind: 'rack' | 'cdu', index: number) => void) | null = null;
  /** Called with each late sample (older than the latest, not a duplicate): history only. */
  lateTaken: ((kind: 'rack' | 'cdu', index: number, sample: RackTelemetry | CduTelemetry) => void) | null = null;
  private readonly recentTs: Record<'rack' | 'cdu', Float64Array>;
  private readonly recentNext: Record<'rack' | 'cdu', Uint8Array>;
  siteTotals: Totals;
  /** Return-sensor health per rack (frozen, noisy, rejected samples). */
  readonly sensors: SensorHealth;
  private readonly rackDirty: Uint8Array;
  private readonly cduDirty: Uint8Array;
  private rackDirtyList: number[] = [];
  private cduDirtyList: number[] = [];
  /** Per-entity stale threshold, ms (the site's by default; a DSX point's republish rule sets its own). */
  private readonly rackStaleMs: Float64Array;
  private readonly cduStaleMs: Float64Array;
  private readonly groupHeadroomPct: Float64Array;
  private readonly groupN1Kw: Float64Array;
  private readonly groupLoad: Float64Array;

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
    this.recentTs = { rack: new Float64Array(n * RECENT_TS).fill(Number.NaN), cdu: new Float64Array(m * RECENT_TS).fill(Number.NaN) };
    this.recentNext = { rack: new Uint8Array(n), cdu: new Uint8Array(m) };
    this.rackDetail = new Array(n).fill(null);
    this.sensors = new SensorHealth(n);
    this.rackStaleMs = new Float64Array(n).fill(staleAfterMs);
    this.cduStaleMs = new Float64Array(m).fill(staleAfterMs);
    this.cduExtra = new Array(m).fill(null);
    this.rackDirty = new Uint8Array(n);
    this.cduDirty = new Uint8Array(m);
    this.groupHeadroomPct = new Float64Array(site.groups.length).fill(Number.NaN);
    this.groupN1Kw = new Float64Array(site.groups.length).fill(Number.NaN);
    this.groupLoad = new Float64Array(site.groups.length);
    this.siteTotals = computeTotals(this, null);
  }

  /** Stores a validated rack sample; an older one is late (history only), a repeated timestamp a duplicate. */
  applyRack(i: number, s: RackTelemetry, nowMs: number): ApplyOutcome {
    const c = this.rackCols;
    if (s.ts <= c[RC.tsMs][i]) return this.older('rack', i, s);
    this.remember('rack', i, s.ts);
    c[RC.rackKw][i] = s.rackKw;
    c[RC.supplyC][i] = s.supplyC;
    c[RC.returnC][i] = s.returnC;
    c[RC.flowLpm][i] = s.flowLpm;
    c[RC.tsMs][i] = s.ts;
    c[RC.state][i] = EntityState.Live;
    c[RC.leak][i] = s.leak ?? 0;
    this.sensors.observe(i, s.ts, s.returnC, s.supplyC, s.rackKw);
    this.rackReceivedMs[i] = nowMs;
    // Updated in place: a detail (and its 72 GPU values) replaced on every sample lived about a
    // second, long enough to reach V8's old space, and its garbage drove a full collection every
    // ~20 s at 1 GW. The parsed payload now dies young.
    const d = (this.rackDetail[i] ??= { tsMs: s.ts, seq: null, gpuW: null, cpuW: null, gpuC: null, dpKpa: null, valvePct: null });
    d.tsMs = s.ts;
    d.seq = s.seq ?? null;
    d.gpuW = copyInto(d.gpuW, s.gpuW);
    d.cpuW = s.cpuW ?? null;
    d.gpuC = s.gpuC ?? null;
    d.dpKpa = s.dpKpa ?? null;
    d.valvePct = s.valvePct ?? null;
    this.deriveRackAt(i);
    this.markRack(i);
    this.sampleTaken?.('rack', i);
    return 'applied';
  }

  applyCdu(i: number, s: CduTelemetry, nowMs: number): ApplyOutcome {
    const c = this.cduCols;
    if (s.ts <= c[CC.tsMs][i]) return this.older('cdu', i, s);
    this.remember('cdu', i, s.ts);
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
    const x = (this.cduExtra[i] ??= { facilitySupplyC: Number.NaN, facilityReturnC: Number.NaN, dpKpa: Number.NaN });
    x.facilitySupplyC = s.facilitySupplyC ?? Number.NaN;
    x.facilityReturnC = s.facilityReturnC ?? Number.NaN;
    x.dpKpa = s.dpKpa ?? Number.NaN;
    this.markCdu(i);
    this.sampleTaken?.('cdu', i);
    return 'applied';
  }

  /** Retained status: `offline` (the publisher's Last Will) marks the entity offline at once. */
  applyStatus(kind: 'rack' | 'cdu', i: number, status: Status, nowMs: number): void {
    const stateCol = kind === 'rack' ? this.rackCols[RC.state] : this.cduCols[CC.state];
    const received = kind === 'rack' ? this.rackReceivedMs : this.cduReceivedMs;
    if (status === 'offline') {
      if (stateCol[i] !== EntityState.Offline) {
        stateCol[i] = EntityState.Offline;
        kind === 'rack' ? this.markRack(i) : this.markCdu(i);
      }
    } else if (stateCol[i] === EntityState.Offline) {
      // Back online: live only once a fresh sample arrives; until then it is stale, or has no data.
      stateCol[i] = Number.isNaN(received[i]) ? EntityState.NoData : nowMs - received[i] > this.staleAfterMs ? EntityState.Stale : EntityState.Live;
      kind === 'rack' ? this.markRack(i) : this.markCdu(i);
    }
  }

  private older(kind: 'rack' | 'cdu', i: number, s: RackTelemetry | CduTelemetry): ApplyOutcome {
    const ring = this.recentTs[kind];
    for (let k = i * RECENT_TS, end = k + RECENT_TS; k < end; k++) if (ring[k] === s.ts) return 'duplicate';
    this.remember(kind, i, s.ts);
    this.lateTaken?.(kind, i, s);
    return 'late';
  }

  private remember(kind: 'rack' | 'cdu', i: number, tsMs: number): void {
    const next = this.recentNext[kind];
    this.recentTs[kind][i * RECENT_TS + next[i]] = tsMs;
    next[i] = (next[i] + 1) % RECENT_TS;
  }

  /** A late rack sample's derived values, against the present group headroom. */
  lateDerived(i: number, s: RackTelemetry): ReturnType<typeof deriveRack> {
    return deriveRack(this.site.spec.coolant, this.site.rackTypes[i], s, this.groupHeadroomPct[this.site.rackGroup[i]]);
  }

  /**
   * Detects staleness, derives group headroom and totals; call once per stream tick. With
   * `slices` > 1 only the redundancy groups numbered `slice` modulo `slices` are derived (the
   * ticker derives each group once a second: at 1 GW, every group on every 100 ms tick was 6 %
   * of the server).
   */
  refresh(nowMs: number, slice = 0, slices = 1): void {
    this.markStale(this.rackCols[RC.state], this.rackReceivedMs, this.rackStaleMs, nowMs, (i) => this.markRack(i));
    this.markStale(this.cduCols[CC.state], this.cduReceivedMs, this.cduStaleMs, nowMs, (i) => this.markCdu(i));
    this.deriveGroups(slice, slices);
    const totals = computeAllTotals(this);
    this.hallTotals = totals.halls;
    this.siteTotals = totals.site;
  }

  /** Whether any rack or CDU changed since the last `takeDirty()`. */
  get hasDirty(): boolean {
    return this.rackDirtyList.length > 0 || this.cduDirtyList.length > 0;
  }

  /** Entities changed since the last call. */
  takeDirty(): { racks: number[]; cdus: number[] } {
    const out = { racks: this.rackDirtyList, cdus: this.cduDirtyList };
    for (const i of out.racks) this.rackDirty[i] = 0;
    for (const i of out.cdus) this.cduDirty[i] = 0;
    this.rackDirtyList = [];
    this.cduDirtyList = [];
    return out;
  }

  groupN1HeadroomKw(g: number): number {
    return this.groupN1Kw[g];
  }

  /** Heat of the racks a redundancy group serves, kW (carried or not: a tripped group still has it). */
  groupLoadKw(g: number): number {
    return this.groupLoad[g];
  }

  /** Sets how long one rack or CDU may go without a sample before it is stale, ms. */
  setStaleAfter(kind: 'rack' | 'cdu', i: number, ms: number): void {
    (kind === 'rack' ? this.rackStaleMs : this.cduStaleMs)[i] = ms;
  }

  private markStale(state: Float64Array, received: Float64Array, staleMs: Float64Array, nowMs: number, mark: (i: number) => void): void {
    for (let i = 0; i < state.length; i++) {
      if (state[i] === EntityState.Live && nowMs - received[i] > staleMs[i]) {
        state[i] = EntityState.Stale;
        mark(i);
      }
    }
  }

  private deriveRackAt(i: number): void {
    const c = this.rackCols;
    const d = deriveRack(
      this.site.spec.coolant,
      this.site.rackTypes[i],
      { rackKw: c[RC.rackKw][i], supplyC: c[RC.supplyC][i], returnC: c[RC.returnC][i], flowLpm: c[RC.flowLpm][i] },
      this.groupHeadroomPct[this.site.rackGroup[i]],
    );
    c[RC.deltaTK][i] = d.deltaTK;
    c[RC.heatKw][i] = d.heatKw;
    c[RC.captureRatio][i] = d.captureRatio;
    c[RC.thermalHeadroomKw][i] = d.thermalHeadroomKw;
    c[RC.thermalHeadroomPct][i] = d.thermalHeadroomPct;
    c[RC.powerHeadroomKw][i] = d.powerHeadroomKw;
    c[RC.powerHeadroomPct][i] = d.powerHeadroomPct;
    c[RC.flowRequiredLpm][i] = d.flowRequiredLpm;
    c[RC.flowHeadroomPct][i] = d.flowHeadroomPct;
    c[RC.flowSharePct][i] = d.flowSharePct;
    c[RC.groupHeadroomPct][i] = this.groupHeadroomPct[this.site.rackGroup[i]];
    c[RC.binding][i] = d.binding;
  }

  /**
   * Group load counts racks that are live or stale (their last heat is still physically there);
   * offline racks and racks never heard from are left out.
   */
  private deriveGroups(slice: number, slices: number): void {
    const rc = this.rackCols;
    const cc = this.cduCols;
    for (let g = slice % slices; g < this.site.groups.length; g += slices) {
      let loadKw = 0;
      let flowKw = 0;
      for (const i of this.site.groupRacks[g]) {
        const st = rc[RC.state][i];
        if (st !== EntityState.Live && st !== EntityState.Stale) continue;
        if (Number.isFinite(rc[RC.heatKw][i])) loadKw += rc[RC.heatKw][i];
        if (Number.isFinite(rc[RC.flowRequiredLpm][i])) flowKw += rc[RC.flowRequiredLpm][i];
      }
      const cduIdx = this.site.groupCdus[g];
      const readings: CduReading[] = Array.from(cduIdx, (j) => ({
        capacityKw: this.site.cdus[j].capacityKw,
        ratedFlowLpm: this.site.cdus[j].ratedFlowLpm,
        available: cc[CC.state][j] === EntityState.Live && cc[CC.running][j] === 1,
        supplyC: cc[CC.supplyC][j],
        facilitySupplyC: this.cduExtra[j]?.facilitySupplyC ?? Number.NaN,
        flowLpm: cc[CC.flowLpm][j],
        pumpPct: cc[CC.pumpPct][j],
      }));
      const anyData = Array.from(cduIdx).some((j) => cc[CC.state][j] !== EntityState.NoData);
      const d = deriveGroup(readings, loadKw, flowKw);
      this.groupLoad[g] = loadKw;
      // Racks carry their group's headroom to 0.1 %: every sample moves the group's load a little,
      // and re-sending every rack of the group for a change nobody can see would put the whole
      // site in every delta.
      const pct = anyData ? Math.round(d.headroomPct * 10) / 10 : Number.NaN;
      this.groupN1Kw[g] = anyData ? d.n1HeadroomKw : Number.NaN;
      cduIdx.forEach((j, k) => {
        const cd = d.cdus[k];
        this.setCdu(j, CC.loadKw, cd.loadKw);
        this.setCdu(j, CC.capacityKw, cd.capacityKw);
        this.setCdu(j, CC.headroomKw, cd.capacityKw > 0 ? cd.headroomKw : Number.NaN);
        this.setCdu(j, CC.headroomPct, cd.headroomPct);
        this.setCdu(j, CC.flowHeadroomLpm, cd.flowHeadroomLpm);
        this.setCdu(j, CC.approachK, cd.approachK);
        this.setCdu(j, CC.n1HeadroomKw, this.groupN1Kw[g]);
        this.setCdu(j, CC.pumpShortfallPct, cd.pumpShortfallPct);
      });
      if (!sameNumber(this.groupHeadroomPct[g], pct)) {
        this.groupHeadroomPct[g] = pct;
        for (const i of this.site.groupRacks[g]) {
          if (rc[RC.state][i] === EntityState.NoData) continue;
          this.deriveRackAt(i);
          this.markRack(i);
        }
      }
    }
  }

  private setCdu(j: number, col: number, v: number): void {
    if (!sameNumber(this.cduCols[col][j], v)) {
      this.cduCols[col][j] = v;
      this.markCdu(j);
    }
  }

  private markRack(i: number): void {
    if (!this.rackDirty[i]) {
      this.rackDirty[i] = 1;
      this.rackDirtyList.push(i);
    }
  }

  private markCdu(j: number): void {
    if (!this.cduDirty[j]) {
      this.cduDirty[j] = 1;
      this.cduDirtyList.push(j);
    }
  }
}

/** `from`'s values in `into` when the lengths match (no new array), else `from` itself. */
function copyInto(into: number[] | null, from: number[] | undefined): number[] | null {
  if (!from) return null;
  if (!into || into.length !== from.length) return from;
  for (let k = 0; k < from.length; k++) into[k] = from[k];
  return into;
}

/** Equality that treats NaN as equal to NaN and ignores sub-0.01 float noise. */
function sameNumber(a: number, b: number): boolean {
  if (Number.isNaN(a)) return Number.isNaN(b);
  return Math.abs(a - b) < 0.01;
}
