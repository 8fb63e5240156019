/**
 * Turns the live state into history: every accepted rack and CDU sample at its source time,
 * per-GPU power over 10 s windows (mean and max), row/hall/site totals once a second, and the
 * 1 min and 1 h rollups of all of them. Everything goes to the memory window and, when
 * InfluxDB is configured, to the writer.
 */
import { RACK_COLUMNS, CDU_COLUMNS } from '../../protocol/stream.ts';
import type { LiveState } from '../state/live-state.ts';
import { computeRowTotals } from '../state/totals.ts';
import type { InfluxWriter } from './influx-writer.ts';
import { formatPoint, type Fields } from './line-protocol.ts';
import type { MemoryWindow } from './memory-window.ts';
import { Rollup, type ClosedWindow } from './rollup.ts';
import { MEASUREMENT, ROLLUP_STATS, TAG, gpuFieldNames, tierMeasurement, type Tier } from './schema.ts';
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY, storedName, type EntityKind } from './history-fields.ts';

/** Per-GPU window, ms. */
export const GPU_WINDOW_MS = 10_000;
/** A minute window closes this long after its end even if its entity went quiet, ms. */
const CLOSE_GRACE_MS = 5_000;

interface Series {
  kind: EntityKind;
  measurement: string;
  fields: readonly string[];
  m1: Rollup;
  h1: Rollup;
  /** Tags of entity `key`. */
  tags: (key: number) => Record<string, string>;
  memoryKey: (key: number) => string;
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
  private readonly rackIdx = RACK_HISTORY.map((f) => RACK_COLUMNS.indexOf(f));
  private readonly cduIdx = CDU_HISTORY.map((f) => CDU_COLUMNS.indexOf(f));
  private readonly values = new Float64Array(16);
  private lastTotalsSecond = 0;

  constructor(
    private readonly state: LiveState,
    private readonly writer: InfluxWriter | null,
    private readonly memory: MemoryWindow,
    private readonly clock: () => number,
  ) {
    const site = state.site;
    const series = (kind: EntityKind, measurement: string, fields: readonly string[], tags: Series['tags'], memoryKey: Series['memoryKey']): Series => ({
      kind, measurement, fields, tags, memoryKey, m1: new Rollup(60_000, fields.length), h1: new Rollup(3_600_000, fields.length),
    });
    this.rack = series('rack', MEASUREMENT.rack, RACK_HISTORY, (i) => {
      const r = site.racks[i];
      return { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id };
    }, (i) => `rack:${site.racks[i].id}`);
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

  start(): void {
    this.state.sampleTaken = (kind, index) => (kind === 'rack' ? this.rackSample(index) : this.cduSample(index));
    this.timer = setInterval(() => this.everySecond(), 250);
  }

  /** Detaches and writes the open rollup windows (a partial last minute/hour). */
  stop(): void {
    this.state.sampleTaken = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const s of [this.rack, this.cdu, this.totals]) this.closeWindows(s, Number.POSITIVE_INFINITY);
  }

  private rackSample(i: number): void {
    const c = this.state.rackCols;
    const tsMs = c[RACK_COLUMNS.indexOf('tsMs')][i];
    this.rackIdx.forEach((col, f) => (this.values[f] = c[col][i]));
    const d = this.state.rackDetail[i];
    this.record(this.rack, i, tsMs, { dp_kpa: d?.dpKpa, valve_pct: d?.valvePct, leak: c[RACK_COLUMNS.indexOf('leak')][i] });
    if (d?.gpuW) this.gpuSample(i, tsMs, d.gpuW);
  }

  private cduSample(j: number): void {
    const c = this.state.cduCols;
    const tsMs = c[CDU_COLUMNS.indexOf('tsMs')][j];
    this.cduIdx.forEach((col, f) => (this.values[f] = c[col][j]));
    this.record(this.cdu, j, tsMs, {});
  }

  /** One sample of `values[0…fields)`: memory, raw point, rollups. */
  private record(s: Series, key: number, tsMs: number, extra: Fields): void {
    const n = s.fields.length;
    this.memory.push(s.memoryKey(key), n, tsMs, this.values.subarray(0, n));
    if (this.writer) {
      const fields: Fields = { ...extra };
      s.fields.forEach((f, k) => (fields[storedName(s.kind, f)] = this.values[k]));
      const line = formatPoint(s.measurement, s.tags(key), fields, tsMs);
      if (line) this.writer.write('raw', [line]);
    }
    for (const w of s.m1.add(key, tsMs, this.values.subarray(0, n), this.clock())) this.closedMinute(s, w);
  }

  private closedMinute(s: Series, w: ClosedWindow): void {
    this.writeRollup(s, 'm1', w);
    for (const h of s.h1.addWindow(w)) this.writeRollup(s, 'h1', h);
  }

  private writeRollup(s: Series, tier: Tier, w: ClosedWindow): void {
    if (!this.writer) return;
    const fields: Fields = {};
    s.fields.forEach((f, k) => {
      const name = storedName(s.kind, f);
      fields[`${name}_${ROLLUP_STATS[0]}`] = w.mean[k];
      fields[`${name}_${ROLLUP_STATS[1]}`] = w.min[k];
      fields[`${name}_${ROLLUP_STATS[2]}`] = w.max[k];
    });
    const line = formatPoint(tierMeasurement(s.measurement, tier), s.tags(w.key), fields, w.startMs);
    if (line) this.writer.write(tier, [line]);
  }

  /** Closes windows that ended before `cutoffMs` and got no sample since `quietSinceMs`. */
  private closeWindows(s: Series, cutoffMs: number, quietSinceMs = cutoffMs): void {
    for (const w of s.m1.closeQuiet(cutoffMs, quietSinceMs)) this.closedMinute(s, w);
    for (const h of s.h1.closeQuiet(cutoffMs, quietSinceMs)) this.writeRollup(s, 'h1', h);
  }

  private gpuSample(i: number, tsMs: number, gpuW: number[]): void {
    const startMs = Math.floor(tsMs / GPU_WINDOW_MS) * GPU_WINDOW_MS;
    let acc = this.gpu.get(i);
    if (acc && acc.startMs !== startMs) {
      if (startMs < acc.startMs) return;
      this.writeGpu(i, acc);
      acc = undefined;
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
    const means = Float64Array.from(acc.sum, (s) => s / acc.count);
    // 10 s windows: a tenth of the 1 Hz window's samples cover the same time.
    const capacity = Math.ceil((this.memory.capacity * this.state.site.spec.telemetryIntervalMs) / GPU_WINDOW_MS);
    this.memory.push(`gpu:${this.state.site.racks[i].id}`, means.length, acc.startMs, means, capacity);
    if (!this.writer) return;
    const fields: Fields = {};
    for (let g = 0; g < acc.sum.length; g++) {
      const n = gpuFieldNames(g);
      fields[n.meanW] = acc.sum[g] / acc.count;
      fields[n.maxW] = acc.max[g];
    }
    const r = this.state.site.racks[i];
    const line = formatPoint(MEASUREMENT.gpu, { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id }, fields, acc.startMs);
    if (line) this.writer.write('raw', [line]);
  }

  /** Totals on each new wall-clock second; rollup and GPU windows of quiet entities closed. */
  private everySecond(): void {
    const nowMs = this.clock();
    const second = Math.floor(nowMs / 1000) * 1000;
    if (second === this.lastTotalsSecond) return;
    this.lastTotalsSecond = second;
    const rows = computeRowTotals(this.state);
    const all = [this.state.siteTotals, ...this.state.hallTotals, ...rows];
    all.forEach((t, k) => {
      TOTALS_HISTORY.forEach((f, n) => (this.values[n] = t[f] ?? Number.NaN));
      this.record(this.totals, k, second, {});
    });
    for (const s of [this.rack, this.cdu, this.totals]) this.closeWindows(s, nowMs - CLOSE_GRACE_MS, nowMs - CLOSE_GRACE_MS);
    for (const [i, acc] of this.gpu) {
      if (acc.startMs + GPU_WINDOW_MS + CLOSE_GRACE_MS <= nowMs) {
        this.writeGpu(i, acc);
        this.gpu.delete(i);
      }
    }
  }
}
