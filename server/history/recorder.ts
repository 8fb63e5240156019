/**
 * Turns the live state into history: every accepted rack and CDU sample at its source time,
 * per-GPU power over windows (gpu-windows.ts), row/hall/site totals once a second (from the
 * state ticker's totals), and the 1 min and 1 h rollups of all of them (rollup-writer.ts).
 * Everything goes to the memory window and, when InfluxDB is configured, to the writer: raw
 * samples in blocks of `blockMs` per entity (block-writer.ts) or one point each (raw-points.ts,
 * `rawFormat`), late samples as single points, rollups as points. Of a pair, only the leader
 * writes what is computed rather than sampled — rollups, totals, GPU windows (leader-lines.ts);
 * both write the raw samples.
 */
import { CDU_COL, RACK_COL } from '../../protocol/stream.ts';
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY } from '../../protocol/history.ts';
import type { CduTelemetry, RackTelemetry } from '../../protocol/telemetry.ts';
import type { LiveState } from '../state/live-state.ts';
import { oldestOpenMs, openSampleCount } from './block-writer.ts';
import { GpuWindows } from './gpu-windows.ts';
import type { EntityKind } from './history-fields.ts';
import type { InfluxQueryResult } from './influx-client.ts';
import type { InfluxWriter } from './influx-writer.ts';
import type { MemoryWindow } from './memory-window.ts';
import { siteSeries, resumeTarget, shiftedWindowStart, type Series } from './recorder-series.ts';
import { entityFloors, readFloors } from './resume.ts';
import { RollupWriter } from './rollup-writer.ts';
import { LeaderLines } from './leader-lines.ts';
import { rawWriter, type RawWriter } from './raw-points.ts';
import type { RawFormat } from './schema.ts';
import { TotalsStartGate } from './totals-start.ts';
import { lateCduValues, lateRackValues } from './late-values.ts';

/** A minute window closes this long after its end even if its entity went quiet, ms. */
const CLOSE_GRACE_MS = 5_000;

/** A block is written this long after its window ended, ms (the next sample usually writes it first). */
const BLOCK_GRACE_MS = 1000;

/**
 * A standby holds the leader-only lines this long, ms: longer than a failover (the lease, a
 * key-value stall) plus the ~30 s over which a minute's rollups are spread.
 */
const LEADER_HOLD_MS = 90_000;

const RACK_TS = RACK_COL.tsMs;
const RACK_LEAK = RACK_COL.leak;
const CDU_TS = CDU_COL.tsMs;

/** What the recorder reads and writes. */
export interface RecorderDeps {
  state: LiveState;
  /** InfluxDB writer; null keeps history in memory only. */
  writer: InfluxWriter | null;
  memory: MemoryWindow;
  clock: () => number;
  /** Per-GPU window, ms (default 60,000). */
  gpuWindowMs?: number;
  /** Raw block window per entity, ms (default 10,000). */
  blockMs?: number;
  /** How the raw tier is written (default blocks; schema.ts, `RawFormat`). */
  rawFormat?: RawFormat;
  /** The `id` tag of the site totals (schema.ts, `siteTotalsId`; default "site"). */
  siteTotalsId?: string;
  /**
   * Whether this server writes the rollups, totals and GPU windows now: a pair's leader (default:
   * always, as a single server). A standby holds them for a takeover (leader-lines.ts).
   */
  writesRollups?: () => boolean;
  /** Whether a telemetry source is connected, read a few times a second; a drop calls `sourceLost()`. */
  sourcesConnected?: () => boolean;
}

/** Listens to the live state's samples and writes them, their rollups and GPU windows as history. */
export class Recorder {
  private timer: NodeJS.Timeout | null = null;
  private readonly state: LiveState;
  private readonly memory: MemoryWindow;
  private readonly clock: () => number;
  private readonly rack: Series;
  private readonly cdu: Series;
  private readonly totals: Series;
  private readonly all: readonly Series[];
  /** Raw blocks (or points) and late points of racks and CDUs; null without InfluxDB. */
  private readonly blocks: RawWriter | null;
  /** The leader-only lines, and the totals' raw writer that goes through them; null without InfluxDB. */
  private readonly leaderLines: LeaderLines | null;
  private readonly totalsBlocks: RawWriter | null;
  private readonly sourcesConnected: (() => boolean) | null;
  private readonly rollups: RollupWriter;
  private readonly gpu: GpuWindows;
  /** Raw block window per entity, ms. */
  readonly blockMs: number;
  private readonly gpuWindowMs: number;
  private readonly rawFormat: RawFormat;
  private readonly rackIdx = RACK_HISTORY.map((f) => RACK_COL[f]);
  private readonly cduIdx = CDU_HISTORY.map((f) => CDU_COL[f]);
  /** One sample's values: the history fields, then the raw extras. */
  private readonly values = new Float64Array(16);
  private lastTotalsSecond = 0;
  /** Holds back partial totals just after a start (totals-start.ts). */
  private readonly totalsStart = new TotalsStartGate();
  private lastClosingSecond = 0;

  constructor(deps: RecorderDeps) {
    const { state, writer, memory, clock, gpuWindowMs = 60_000, blockMs = 10_000, rawFormat = 'blocks' } = deps;
    this.state = state;
    this.memory = memory;
    this.clock = clock;
    this.blockMs = blockMs;
    this.gpuWindowMs = gpuWindowMs;
    this.rawFormat = rawFormat;
    const series = siteSeries(state.site, deps.siteTotalsId);
    this.rack = series.rack;
    this.cdu = series.cdu;
    this.totals = series.totals;
    this.all = [this.rack, this.cdu, this.totals];
    this.blocks = writer ? rawWriter(rawFormat, writer, clock, blockMs) : null;
    this.sourcesConnected = deps.sourcesConnected ?? null;
    const writes = deps.writesRollups ?? (() => true);
    this.leaderLines = writer ? new LeaderLines(writer, { writes, clock, holdMs: LEADER_HOLD_MS, maxHeldLines: 300_000, releasePerTick: 2000 }) : null;
    this.totalsBlocks = this.leaderLines ? rawWriter(rawFormat, this.leaderLines, clock, blockMs) : null;
    this.rollups = new RollupWriter(this.leaderLines);
    this.gpu = new GpuWindows({ site: state.site, memory, writer: this.leaderLines, gpuWindowMs });
  }

  /**
   * Reads where the last run's stored history ends (resume.ts) and sets the floors under which a
   * replayed sample is not stored again. Call before `start()` and the ingest. Returns the
   * entities with stored history per kind.
   */
  async resume(query: (q: string) => Promise<InfluxQueryResult>): Promise<{ kind: EntityKind; entities: number }[]> {
    const nowMs = this.clock();
    const out: { kind: EntityKind; entities: number }[] = [];
    for (const s of this.all) {
      const floors = await readFloors(query, resumeTarget(s, this.rawFormat), nowMs);
      const f = entityFloors(floors, s.size, this.gpuWindowMs);
      s.rawThroughMs = f.rawThroughMs;
      s.rollupThroughMs = f.rollupThroughMs;
      if (s === this.rack) this.gpu.throughMs = f.gpuThroughMs;
      out.push({ kind: s.kind, entities: floors.size });
    }
    return out;
  }

  start(): void {
    this.state.sampleTaken = (kind, index) => (kind === 'rack' ? this.rackSample(index) : this.cduSample(index));
    this.state.lateTaken = (kind, index, sample) =>
      (kind === 'rack' ? this.lateRack(index, sample as RackTelemetry) : this.lateCdu(index, sample as CduTelemetry));
    this.timer = setInterval(() => this.everySecond(), 250);
  }

  /** Detaches and writes the open blocks, rollup and GPU windows (a partial last minute/hour/window). */
  stop(): void {
    this.state.sampleTaken = null;
    this.state.lateTaken = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const s of this.all) this.blocksOf(s)?.flush(s, Number.POSITIVE_INFINITY);
    this.rollups.closeAll(this.all);
    this.gpu.closeAll();
  }

  /**
   * The source dropped: the racks' and CDUs' open blocks may miss samples that the other server
   * of a pair stored under the same keys, so they are stored apart (raw-block.ts).
   */
  sourceLost(): void {
    this.blocks?.markOpenPartial(this.rack);
    this.blocks?.markOpenPartial(this.cdu);
  }

  /** Leader-only lines held for a takeover, and those dropped from the hold (0 on a leader). */
  leaderHold(): { holding: number; dropped: number } {
    return { holding: this.leaderLines?.holding ?? 0, dropped: this.leaderLines?.dropped ?? 0 };
  }

  /** Server clock when the oldest open block got its first sample (NaN when none is open). */
  oldestOpenMs(): number {
    return oldestOpenMs(this.all);
  }

  /** Samples waiting in open blocks, by kind (totals are recorded every second, so theirs never reach 0). */
  openSamples(): { kind: 'rack' | 'cdu' | 'totals'; samples: number }[] {
    return [
      { kind: 'rack', samples: openSampleCount(this.rack) },
      { kind: 'cdu', samples: openSampleCount(this.cdu) },
      { kind: 'totals', samples: openSampleCount(this.totals) },
    ];
  }

  /** Start of entity `key`'s block window holding `tsMs` (shifted per entity: block-writer.ts). */
  blockWindowStart(key: number, tsMs: number): number {
    return shiftedWindowStart(key, tsMs, this.blockMs);
  }

  /** Start of rack `i`'s GPU window holding `tsMs` (shifted per rack: gpu-windows.ts). */
  gpuWindowStart(i: number, tsMs: number): number {
    return this.gpu.windowStart(i, tsMs);
  }

  /**
   * Records the site's, halls' and rows' totals on the first state tick of each wall-clock second
   * (the state ticker computes them; main.ts wires this to its tick).
   */
  recordTotals(nowMs: number): void {
    const second = Math.floor(nowMs / 1000) * 1000;
    if (second === this.lastTotalsSecond) return;
    this.lastTotalsSecond = second;
    const all = [this.state.siteTotals, ...this.state.hallTotals, ...this.state.rowTotals];
    const admitted = this.totalsStart.admitted(this.state, all, nowMs);
    all.forEach((t, k) => {
      if (!admitted[k]) return;
      TOTALS_HISTORY.forEach((f, n) => (this.values[n] = t[f] ?? Number.NaN));
      this.record(this.totals, k, second);
    });
  }

  private rackSample(i: number): void {
    const c = this.state.rackCols;
    const tsMs = c[RACK_TS][i];
    const idx = this.rackIdx;
    for (let f = 0; f < idx.length; f++) this.values[f] = c[idx[f]][i];
    const d = this.state.rackDetail[i];
    const n = RACK_HISTORY.length;
    this.values[n] = d?.dpKpa ?? Number.NaN;
    this.values[n + 1] = d?.valvePct ?? Number.NaN;
    this.values[n + 2] = c[RACK_LEAK][i];
    this.record(this.rack, i, tsMs);
    if (d?.gpuW) this.gpu.sample(i, tsMs, d.gpuW);
  }

  private cduSample(j: number): void {
    const c = this.state.cduCols;
    const tsMs = c[CDU_TS][j];
    const idx = this.cduIdx;
    for (let f = 0; f < idx.length; f++) this.values[f] = c[idx[f]][j];
    this.record(this.cdu, j, tsMs);
  }

  /**
   * A late sample (older than the rack's latest) becomes a raw point at its own time, derived
   * against the present group headroom; the memory window and the rollups keep samples on time.
   */
  private lateRack(i: number, s: RackTelemetry): void {
    if (!this.blocks) return;
    const derived = this.state.lateDerived(i, s) as unknown as Partial<Record<string, number>>;
    this.blocks.writeLate(this.rack, i, s.ts, lateRackValues(this.values, derived, s));
  }

  /** A late CDU sample: its measured fields, the unit's present derived ones (load, capacity…). */
  private lateCdu(j: number, s: CduTelemetry): void {
    if (!this.blocks) return;
    this.blocks.writeLate(this.cdu, j, s.ts, lateCduValues(this.values, s, this.state.cduCols, j));
  }

  /** One sample of `values[0…fields)` (and its extras after them): memory, raw block, rollups. */
  private record(s: Series, key: number, tsMs: number): void {
    const n = s.fields.length;
    // The entity's ring, looked up once (a key string per sample was 8,800 strings a second at 1 GW).
    let ring = s.rings[key];
    if (!ring) ring = s.rings[key] = this.memory.ring(s.memoryKey(key), n);
    ring.push(tsMs, this.values); // reads its first n values
    // A sample an earlier run already stored (replayed after a crash) is not stored again.
    const blocks = this.blocksOf(s);
    if (blocks && !(s.rawThroughMs && tsMs <= s.rawThroughMs[key])) blocks.add(s, key, tsMs, this.values);
    if (s.rollupThroughMs && tsMs <= s.rollupThroughMs[key]) return;
    const minute = s.m1.add(key, tsMs, this.values, this.clock());
    if (minute) this.rollups.closedMinute(s, minute);
  }

  /** Every 250 ms a share of the closed minutes; on each new wall-clock second, blocks written and quiet entities' windows closed. */
  private everySecond(): void {
    if (this.sourcesConnected && !this.sourcesConnected()) this.sourceLost();
    this.leaderLines?.tick();
    this.rollups.tick();
    const nowMs = this.clock();
    const second = Math.floor(nowMs / 1000) * 1000;
    if (second === this.lastClosingSecond) return;
    this.lastClosingSecond = second;
    for (const s of this.all) {
      // A sample arriving after its block was written starts a block of its own: no grace needed.
      this.blocksOf(s)?.flush(s, nowMs - BLOCK_GRACE_MS);
      this.rollups.closeQuiet(s, nowMs - CLOSE_GRACE_MS, nowMs - CLOSE_GRACE_MS);
    }
    this.gpu.closeQuiet(nowMs, CLOSE_GRACE_MS);
  }

  /** The totals are the leader's to write; racks' and CDUs' samples everyone's. */
  private blocksOf(s: Series): RawWriter | null {
    return s === this.totals ? this.totalsBlocks : this.blocks;
  }
}
