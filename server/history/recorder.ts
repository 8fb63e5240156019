/**
 * Turns the live state into history: every accepted rack and CDU sample at its source time,
 * per-GPU power over windows of `gpuWindowMs` (mean and max; 60 s by default: 144 fields a rack
 * every 10 s were half of what InfluxDB had to store at 1 GW), row/hall/site totals once a
 * second (from the state ticker's totals), and the 1 min and 1 h rollups of all of them. Everything goes to the memory window and, when
 * InfluxDB is configured, to the writer: raw samples in blocks of `blockMs` per entity
 * (raw-block.ts), late samples as single points, rollups as points.
 */
import { CDU_COL, RACK_COL } from '../../protocol/stream.ts';
import type { CduTelemetry, RackTelemetry } from '../../protocol/telemetry.ts';
import type { LiveState } from '../state/live-state.ts';
import type { InfluxWriter } from './influx-writer.ts';
import { PointFormat } from './line-protocol.ts';
import type { MemoryWindow, SeriesRing } from './memory-window.ts';
import { Rollup, type ClosedWindow } from './rollup.ts';
import { GPU_PACKED, MEASUREMENT, RACK_RAW_EXTRAS, ROLLUP_SAMPLES, ROLLUP_STATS, TAG, blockMeasurement, tierMeasurement, type Tier } from './schema.ts';
import { readFloors, type Floors, type ResumeTarget } from './resume.ts';
import type { InfluxQueryResult } from './influx-client.ts';
import { BlockFormat, OpenBlock } from './raw-block.ts';
import { LINE, encoded } from './line-buffer.ts';

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY } from '../../protocol/history.ts';
import { storedName, type EntityKind } from './history-fields.ts';

/** CDU history fields a CDU sample carries itself (the rest are derived from the group). */
const LATE_CDU_MEASURED: Record<string, true> = { supplyC: true, returnC: true, flowLpm: true, pumpPct: true, facilitySupplyC: true, facilityReturnC: true, dpKpa: true };

/** A minute window closes this long after its end even if its entity went quiet, ms. */
const CLOSE_GRACE_MS = 5_000;

interface Series {
  kind: EntityKind;
  measurement: string;
  fields: readonly string[];
  /** Stored field names of a raw point: the fields, then the extras (rack: RACK_RAW_EXTRAS, values at the same offsets). */
  rawKeys: readonly string[];
  m1: Rollup;
  h1: Rollup;
  /** Tags of entity `key`. */
  tags: (key: number) => Record<string, string>;
  memoryKey: (key: number) => string;
  /** Point layouts per entity and tier, built on first use (the escaping is done once). */
  formats: Record<Tier, (PointFormat | undefined)[]>;
  /** Open raw blocks and their layouts, per entity. */
  blocks: (OpenBlock | undefined)[];
  blockFormats: (BlockFormat | undefined)[];
  /** Memory-window rings per entity. */
  rings: (SeriesRing | undefined)[];
  /** Per entity, the newest sample an earlier run stored raw / in its rollups (resume): replayed samples up to it are not stored again. */
  rawThroughMs: Float64Array | null;
  rollupThroughMs: Float64Array | null;
}

const RACK_TS = RACK_COL.tsMs;
const RACK_LEAK = RACK_COL.leak;
const CDU_TS = CDU_COL.tsMs;

/** A block is written this long after its window ended, ms (the next sample usually writes it first). */
const BLOCK_GRACE_MS = 1000;

/** Closed minutes written per 250 ms tick at least. */
const MINUTES_PER_TICK = 50;
/**
 * Ticks a minute's rollups are spread over (30 s). Every entity's minute closes in the same
 * second: at 1 GW that is 8,800 lines of 30 values, which written within a few seconds made
 * InfluxDB take most of a core and stalled the server each minute.
 */
const MINUTE_DRAIN_TICKS = 120;

/** Samples a block holds at most (a source faster than 1 Hz closes blocks early). */
const BLOCK_CAPACITY = 32;

/** Start of entity `key`'s window of `windowMs` holding `tsMs`, shifted per entity by whole seconds. */
function shiftedWindowStart(key: number, tsMs: number, windowMs: number): number {
  const shiftMs = ((key * 7919) % Math.max(1, Math.floor(windowMs / 1000))) * 1000;
  return Math.floor((tsMs - shiftMs) / windowMs) * windowMs + shiftMs;
}

interface GpuAcc {
  startMs: number;
  count: number;
  sum: Float64Array;
  max: Float64Array;
}

export class Recorder {
  private timer: NodeJS.Timeout | null = null;
  private readonly rack: Series;
  private readonly cdu: Series;
  private readonly totals: Series;
  private readonly gpu = new Map<number, GpuAcc>();
  /** Scratch for a GPU window's means (the memory window copies them). */
  private gpuMeans = new Float64Array(0);
  private readonly rackIdx = RACK_HISTORY.map((f) => RACK_COL[f]);
  private readonly cduIdx = CDU_HISTORY.map((f) => CDU_COL[f]);
  private readonly values = new Float64Array(16);
  /** Rollup line values: mean, min, max per field. */
  private readonly rollupValues = new Float64Array(49);
  /** Escaped measurement, tags and first field key of each rack's GPU points, encoded. */
  private readonly gpuHeads: (Uint8Array | undefined)[] = [];
  private lastTotalsSecond = 0;
  private lastClosingSecond = 0;
  /** Per rack, the end of the newest GPU window an earlier run stored (resume). */
  private gpuThroughMs: Float64Array | null = null;
  /** Closed minutes waiting to be written (`writeMinutes`). */
  private readonly pendingMinutes: { s: Series; w: ClosedWindow }[] = [];
  /** Minutes written per tick while a backlog drains (set by its size, so it empties in MINUTE_DRAIN_TICKS). */
  private minuteQuota = 0;

  constructor(
    private readonly state: LiveState,
    private readonly writer: InfluxWriter | null,
    private readonly memory: MemoryWindow,
    private readonly clock: () => number,
    /** Per-GPU window, ms. */
    private readonly gpuWindowMs = 60_000,
    /** Raw block window per entity, ms. */
    readonly blockMs = 10_000,
  ) {
    const site = state.site;
    const series = (kind: EntityKind, measurement: string, fields: readonly string[], tags: Series['tags'], memoryKey: Series['memoryKey'], extras: readonly string[] = []): Series => ({
      kind, measurement, fields, tags, memoryKey, m1: new Rollup(60_000, fields.length), h1: new Rollup(3_600_000, fields.length),
      rawKeys: [...fields, ...extras].map((f) => storedName(kind, f)), formats: { raw: [], m1: [], h1: [] }, blocks: [], blockFormats: [], rings: [],
      rawThroughMs: null, rollupThroughMs: null,
    });
    this.rack = series('rack', MEASUREMENT.rack, RACK_HISTORY, (i) => {
      const r = site.racks[i];
      return { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id };
    }, (i) => `rack:${site.racks[i].id}`, RACK_RAW_EXTRAS);
    this.cdu = series('cdu', MEASUREMENT.cdu, CDU_HISTORY, (j) => {
      const c = site.cdus[j];
      return { [TAG.hall]: c.hallId, [TAG.row]: c.rowId, [TAG.cdu]: c.id };
    }, (j) => `cdu:${site.cdus[j].id}`);
    // Totals keys: 0 = site, 1…H = halls, then rows.
    const halls = site.view.halls;
    const scopeOf = (k: number) => (k === 0 ? { scope: 'site', id: 'site' } : k <= halls.length ? { scope: 'hall', id: halls[k - 1].id } : { scope: 'row', id: site.rows[k - 1 - halls.length].id });
    this.totals = series('site', MEASUREMENT.totals, TOTALS_HISTORY, (k) => {
      const s = scopeOf(k);
      return { [TAG.scope]: s.scope, [TAG.id]: s.id };
    }, (k) => {
      const s = scopeOf(k);
      return `${s.scope}:${s.id}`;
    });
  }

  /**
   * Reads where the last run's stored history ends (resume.ts) and sets the floors under which a
   * replayed sample is not stored again. Call before `start()` and the ingest. Returns the
   * entities with stored history per kind.
   */
  async resume(query: (q: string) => Promise<InfluxQueryResult>): Promise<{ kind: EntityKind; entities: number }[]> {
    const nowMs = this.clock();
    const out: { kind: EntityKind; entities: number }[] = [];
    for (const s of [this.rack, this.cdu, this.totals]) {
      const floors = await readFloors(query, this.resumeTarget(s), nowMs);
      this.applyFloors(s, floors);
      out.push({ kind: s.kind, entities: floors.size });
    }
    return out;
  }

  /** Sets `s`'s floors from `floors` (key → where its stored history ends). */
  private applyFloors(s: Series, floors: Map<number, Floors>): void {
    const size = this.entityCount(s);
    s.rawThroughMs = new Float64Array(size).fill(Number.NaN);
    s.rollupThroughMs = new Float64Array(size).fill(Number.NaN);
    if (s === this.rack) this.gpuThroughMs = new Float64Array(size).fill(Number.NaN);
    for (const [key, e] of floors) {
      if (key < 0 || key >= size) continue;
      s.rawThroughMs[key] = e.rawThroughMs;
      // The newest stored minute holds its samples up to the newest stored raw one: all of them
      // after a crash (only closed minutes are written), those before a clean stop otherwise.
      if (Number.isFinite(e.lastMinuteMs)) s.rollupThroughMs[key] = Math.min(e.lastMinuteMs + 60_000 - 1, Number.isFinite(e.rawThroughMs) ? e.rawThroughMs : Number.POSITIVE_INFINITY);
      if (this.gpuThroughMs && s === this.rack && Number.isFinite(e.lastGpuWindowMs)) this.gpuThroughMs[key] = e.lastGpuWindowMs + this.gpuWindowMs - 1;
    }
  }

  /** Entities of `s`'s kind on the site (totals: the site, its halls and rows). */
  private entityCount(s: Series): number {
    const site = this.state.site;
    return s.kind === 'rack' ? site.racks.length : s.kind === 'cdu' ? site.cdus.length : 1 + site.view.halls.length + site.rows.length;
  }

  private resumeTarget(s: Series): ResumeTarget {
    const idTag = s.kind === 'rack' ? TAG.rack : s.kind === 'cdu' ? TAG.cdu : TAG.id;
    const keys = new Map<string, number>();
    const size = this.entityCount(s);
    for (let k = 0; k < size; k++) keys.set(s.tags(k)[idTag], k);
    return { measurement: s.measurement, idTag, fields: s.fields.map((f) => storedName(s.kind, f)), keyOf: (id) => keys.get(id) };
  }

  start(): void {
    this.state.sampleTaken = (kind, index) => (kind === 'rack' ? this.rackSample(index) : this.cduSample(index));
    this.state.lateTaken = (kind, index, sample) => (kind === 'rack' ? this.lateRack(index, sample as RackTelemetry) : this.lateCdu(index, sample as CduTelemetry));
    this.timer = setInterval(() => this.everySecond(), 250);
  }

  /** Detaches and writes the open blocks, rollup and GPU windows (a partial last minute/hour/window). */
  stop(): void {
    this.state.sampleTaken = null;
    this.state.lateTaken = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const all = [this.rack, this.cdu, this.totals];
    for (const s of all) {
      this.flushBlocks(s, Number.POSITIVE_INFINITY);
      for (const w of s.m1.closeBefore(Number.POSITIVE_INFINITY)) this.closedMinute(s, w);
    }
    // Every minute into its hour before the hours close.
    this.writeMinutes(Number.POSITIVE_INFINITY);
    for (const s of all) for (const h of s.h1.closeBefore(Number.POSITIVE_INFINITY)) this.writeHour(s, h);
    for (const [i, acc] of this.gpu) this.writeGpu(i, acc);
    this.gpu.clear();
  }

  /** Server clock when the oldest open block got its first sample (NaN when none is open). */
  oldestOpenMs(): number {
    let oldest = Number.NaN;
    for (const s of [this.rack, this.cdu, this.totals]) {
      for (const b of s.blocks) if (b && b.count > 0 && !(b.openedMs >= oldest)) oldest = b.openedMs;
    }
    return oldest;
  }

  /** Samples waiting in open blocks, by kind (totals are recorded every second, so theirs never reach 0). */
  openSamples(): { kind: 'rack' | 'cdu' | 'totals'; samples: number }[] {
    const count = (s: Series) => s.blocks.reduce((n, b) => n + (b?.count ?? 0), 0);
    return [{ kind: 'rack', samples: count(this.rack) }, { kind: 'cdu', samples: count(this.cdu) }, { kind: 'totals', samples: count(this.totals) }];
  }

  /**
   * Start of entity `key`'s block window holding `tsMs`. Windows are shifted per entity by whole
   * seconds, so a tenth of a 1 GW site's blocks (not all of them) close in any one second.
   */
  blockWindowStart(key: number, tsMs: number): number {
    return shiftedWindowStart(key, tsMs, this.blockMs);
  }

  /** Adds an on-time sample to its entity's block, writing the block it closes. */
  private addToBlock(s: Series, key: number, tsMs: number): void {
    const n = s.rawKeys.length;
    let b = s.blocks[key];
    if (!b) b = s.blocks[key] = new OpenBlock(BLOCK_CAPACITY, n);
    if (b.count > 0 && (this.blockWindowStart(key, b.startMs) !== this.blockWindowStart(key, tsMs) || b.count === b.capacity)) this.writeBlock(s, key, b);
    b.add(tsMs, this.values, this.clock());
  }

  private writeBlock(s: Series, key: number, b: OpenBlock): void {
    let f = s.blockFormats[key];
    if (!f) f = s.blockFormats[key] = new BlockFormat(blockMeasurement(s.measurement), s.tags(key), s.rawKeys);
    const line = f.line(b);
    b.clear();
    if (line) this.writer!.write('raw', [line]);
  }

  /**
   * Writes blocks whose window ended before `cutoffMs`, or that have been open for a block's
   * length of server time (samples from a clock running ahead would otherwise wait).
   */
  private flushBlocks(s: Series, cutoffMs: number): void {
    if (!this.writer) return;
    s.blocks.forEach((b, key) => {
      if (b && b.count > 0 && (this.blockWindowStart(key, b.startMs) + this.blockMs <= cutoffMs || b.openedMs + this.blockMs <= cutoffMs)) this.writeBlock(s, key, b);
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
    if (d?.gpuW && !(this.gpuThroughMs && tsMs <= this.gpuThroughMs[i])) this.gpuSample(i, tsMs, d.gpuW);
  }

  /**
   * A late sample (older than the rack's latest) becomes a raw point at its own time, derived
   * against the present group headroom; the memory window and the rollups keep samples on time.
   */
  private lateRack(i: number, s: RackTelemetry): void {
    if (!this.writer) return;
    const d = this.state.lateDerived(i, s);
    RACK_HISTORY.forEach((f, k) => (this.values[k] = f in d ? d[f as keyof typeof d] : s[f as keyof RackTelemetry] as number));
    const n = RACK_HISTORY.length;
    this.values[n] = s.dpKpa ?? Number.NaN;
    this.values[n + 1] = s.valvePct ?? Number.NaN;
    this.values[n + 2] = s.leak ?? 0;
    this.writeRaw(this.rack, i, s.ts);
  }

  /** A late CDU sample: its measured fields, the unit's present derived ones (load, capacity…). */
  private lateCdu(j: number, s: CduTelemetry): void {
    if (!this.writer) return;
    const c = this.state.cduCols;
    CDU_HISTORY.forEach((f, k) => {
      const measured = (s as unknown as Record<string, number | undefined>)[f];
      this.values[k] = f in LATE_CDU_MEASURED ? (measured ?? Number.NaN) : c[this.cduIdx[k]][j];
    });
    this.writeRaw(this.cdu, j, s.ts);
  }

  private writeRaw(s: Series, key: number, tsMs: number): void {
    const line = this.format(s, 'raw', key).line(this.values, tsMs);
    if (line) this.writer!.write('raw', [line]);
  }

  private cduSample(j: number): void {
    const c = this.state.cduCols;
    const tsMs = c[CDU_TS][j];
    const idx = this.cduIdx;
    for (let f = 0; f < idx.length; f++) this.values[f] = c[idx[f]][j];
    this.record(this.cdu, j, tsMs);
  }

  private format(s: Series, tier: Tier, key: number): PointFormat {
    let f = s.formats[tier][key];
    if (!f) {
      const keys = tier === 'raw' ? s.rawKeys : [...s.fields.flatMap((x) => ROLLUP_STATS.map((stat) => `${storedName(s.kind, x)}_${stat}`)), ROLLUP_SAMPLES];
      f = s.formats[tier][key] = new PointFormat(tierMeasurement(s.measurement, tier), s.tags(key), keys);
    }
    return f;
  }

  /** One sample of `values[0…fields)` (and its extras after them): memory, raw point, rollups. */
  private record(s: Series, key: number, tsMs: number): void {
    const n = s.fields.length;
    // The entity's ring, looked up once (a key string per sample was 8,800 strings a second at 1 GW).
    let ring = s.rings[key];
    if (!ring) ring = s.rings[key] = this.memory.ring(s.memoryKey(key), n);
    ring.push(tsMs, this.values); // reads its first n values
    // A sample an earlier run already stored (replayed after a crash) is not stored again.
    if (this.writer && !(s.rawThroughMs && tsMs <= s.rawThroughMs[key])) this.addToBlock(s, key, tsMs);
    if (s.rollupThroughMs && tsMs <= s.rollupThroughMs[key]) return;
    const minute = s.m1.add(key, tsMs, this.values, this.clock());
    if (minute) this.closedMinute(s, minute);
  }

  /**
   * A closed minute is written a little later, a share on each timer tick: every entity's minute
   * closes within the same second (8,800 lines of 30 values at 1 GW), which in one go stalled
   * the event loop for half a second each minute.
   */
  private closedMinute(s: Series, w: ClosedWindow): void {
    this.pendingMinutes.push({ s, w });
  }

  /** Writes up to `max` pending minutes (and the hours they close). */
  private writeMinutes(max: number): void {
    const n = Math.min(max, this.pendingMinutes.length);
    for (let k = 0; k < n; k++) {
      const { s, w } = this.pendingMinutes[k];
      this.writeRollup(s, 'm1', w);
      const hour = s.h1.addWindow(w);
      if (hour) this.writeHour(s, hour);
      s.m1.release(w);
    }
    this.pendingMinutes.splice(0, n);
  }

  /** Writes a closed hour and hands it back to its rollup. */
  private writeHour(s: Series, h: ClosedWindow): void {
    this.writeRollup(s, 'h1', h);
    s.h1.release(h);
  }

  private writeRollup(s: Series, tier: Tier, w: ClosedWindow): void {
    if (!this.writer) return;
    const v = this.rollupValues;
    let samples = 0;
    for (let k = 0; k < s.fields.length; k++) {
      v[3 * k] = w.mean[k];
      v[3 * k + 1] = w.min[k];
      v[3 * k + 2] = w.max[k];
      if (w.count[k] > samples) samples = w.count[k];
    }
    v[3 * s.fields.length] = samples;
    const line = this.format(s, tier, w.key).line(v, w.startMs);
    if (line) this.writer.write(tier, [line]);
  }

  /**
   * Closes windows that ended before `cutoffMs` and got no sample since `quietSinceMs`. An
   * hour closes here two minutes later than that (its last minute may still wait in
   * `pendingMinutes`); a live entity's hour closes earlier, when its next hour's first minute
   * is written.
   */
  private closeWindows(s: Series, cutoffMs: number, quietSinceMs = cutoffMs): void {
    for (const w of s.m1.closeQuiet(cutoffMs, quietSinceMs)) this.closedMinute(s, w);
    for (const h of s.h1.closeQuiet(cutoffMs - 120_000, quietSinceMs)) this.writeHour(s, h);
  }

  /**
   * Start of rack `i`'s GPU window holding `tsMs`. Windows are shifted per rack by whole seconds
   * (spread over the window), so a site's GPU points — 144 fields each — do not all close, and
   * reach InfluxDB, in the same second: at 1 GW that burst alone is a million values.
   */
  gpuWindowStart(i: number, tsMs: number): number {
    return shiftedWindowStart(i, tsMs, this.gpuWindowMs);
  }

  private gpuSample(i: number, tsMs: number, gpuW: number[]): void {
    const startMs = this.gpuWindowStart(i, tsMs);
    let acc = this.gpu.get(i);
    if (acc && acc.startMs !== startMs) {
      if (startMs < acc.startMs) return;
      this.writeGpu(i, acc);
      // The rack's accumulator is reused window after window (one a minute per rack at 1 GW).
      acc.startMs = startMs;
      acc.count = 0;
      acc.sum.fill(0);
      acc.max.fill(0);
    }
    if (!acc || acc.sum.length !== gpuW.length) {
      acc = { startMs, count: 0, sum: new Float64Array(gpuW.length), max: new Float64Array(gpuW.length) };
      this.gpu.set(i, acc);
    }
    acc.count++;
    for (let g = 0; g < gpuW.length; g++) {
      acc.sum[g] += gpuW[g];
      if (gpuW[g] > acc.max[g]) acc.max[g] = gpuW[g];
    }
  }

  private writeGpu(i: number, acc: GpuAcc): void {
    if (acc.count === 0) return;
    if (this.gpuMeans.length !== acc.sum.length) this.gpuMeans = new Float64Array(acc.sum.length);
    const means = this.gpuMeans;
    for (let g = 0; g < means.length; g++) means[g] = acc.sum[g] / acc.count;
    // One GPU window covers gpuWindowMs / interval samples of the 1 Hz window: keep the same time span.
    const capacity = Math.ceil((this.memory.capacity * this.state.site.spec.telemetryIntervalMs) / this.gpuWindowMs);
    this.memory.push(`gpu:${this.state.site.racks[i].id}`, means.length, acc.startMs, means, capacity);
    if (!this.writer) return;
    let head = this.gpuHeads[i];
    if (head === undefined) {
      const r = this.state.site.racks[i];
      head = this.gpuHeads[i] = encoded(new PointFormat(MEASUREMENT.gpu, { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id }, []).head + `${GPU_PACKED.meanW}="`);
    }
    // Every GPU's mean and max as one string each: 2 field values instead of 144.
    const w = LINE.reset().bytes(head);
    for (let g = 0; g < means.length; g++) (g === 0 ? w : w.byte(COMMA)).num3(means[g]);
    w.ascii(`",${GPU_PACKED.maxW}="`);
    for (let g = 0; g < acc.max.length; g++) (g === 0 ? w : w.byte(COMMA)).num3(acc.max[g]);
    this.writer.write('raw', [w.byte(QUOTE).byte(SPACE).int(Math.round(acc.startMs)).text()]);
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
    all.forEach((t, k) => {
      TOTALS_HISTORY.forEach((f, n) => (this.values[n] = t[f] ?? Number.NaN));
      this.record(this.totals, k, second);
    });
  }

  /** On each new wall-clock second, blocks written and rollup and GPU windows of quiet entities closed. */
  private everySecond(): void {
    // Four ticks a second: a minute's rollups go out over at most 30 s, at an even rate.
    const pending = this.pendingMinutes.length;
    this.minuteQuota = pending === 0 ? 0 : Math.max(this.minuteQuota, MINUTES_PER_TICK, Math.ceil(pending / MINUTE_DRAIN_TICKS));
    this.writeMinutes(this.minuteQuota);
    const nowMs = this.clock();
    const second = Math.floor(nowMs / 1000) * 1000;
    if (second === this.lastClosingSecond) return;
    this.lastClosingSecond = second;
    for (const s of [this.rack, this.cdu, this.totals]) {
      // A sample arriving after its block was written starts a block of its own: no grace needed.
      this.flushBlocks(s, nowMs - BLOCK_GRACE_MS);
      this.closeWindows(s, nowMs - CLOSE_GRACE_MS, nowMs - CLOSE_GRACE_MS);
    }
    for (const [i, acc] of this.gpu) {
      if (acc.startMs + this.gpuWindowMs + CLOSE_GRACE_MS <= nowMs) {
        this.writeGpu(i, acc);
        this.gpu.delete(i);
      }
    }
  }
}
