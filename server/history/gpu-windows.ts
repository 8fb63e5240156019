/**
 * Per-GPU power over windows of `gpuWindowMs` per rack (mean and max; 60 s by default: 144
 * fields a rack every 10 s were half of what InfluxDB had to store at 1 GW), to the memory
 * window and, packed as two string fields, to InfluxDB.
 */
import type { SiteIndex } from '../site/site-index.ts';
import type { LineSink } from './leader-lines.ts';
import { LINE, encoded } from './line-buffer.ts';
import { PointFormat } from './line-protocol.ts';
import type { MemoryWindow } from './memory-window.ts';
import { shiftedWindowStart } from './recorder-series.ts';
import { GPU_PACKED, MEASUREMENT, TAG } from './schema.ts';

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;

interface GpuAcc {
  startMs: number;
  count: number;
  sum: Float64Array;
  max: Float64Array;
}

/** What the GPU windows write to. */
export interface GpuWindowsDeps {
  site: SiteIndex;
  memory: MemoryWindow;
  writer: LineSink | null;
  /** Per-GPU window, ms. */
  gpuWindowMs: number;
}

/** One open GPU window per rack, its accumulator reused window after window. */
export class GpuWindows {
  private readonly gpu = new Map<number, GpuAcc>();
  /** Scratch for a GPU window's means (the memory window copies them). */
  private gpuMeans = new Float64Array(0);
  /** Escaped measurement, tags and first field key of each rack's GPU points, encoded. */
  private readonly gpuHeads: (Uint8Array | undefined)[] = [];
  /** Per rack, the end of the newest GPU window an earlier run stored (resume). */
  throughMs: Float64Array | null = null;

  constructor(private readonly deps: GpuWindowsDeps) {}

  /**
   * Start of rack `i`'s GPU window holding `tsMs`. Windows are shifted per rack by whole seconds
   * (spread over the window), so a site's GPU points — 144 fields each — do not all close, and
   * reach InfluxDB, in the same second: at 1 GW that burst alone is a million values.
   */
  windowStart(i: number, tsMs: number): number {
    return shiftedWindowStart(i, tsMs, this.deps.gpuWindowMs);
  }

  /** Adds rack `i`'s GPU powers at `tsMs`, writing the window it closes; one an earlier run stored is skipped. */
  sample(i: number, tsMs: number, gpuW: number[]): void {
    if (this.throughMs && tsMs <= this.throughMs[i]) return;
    const startMs = this.windowStart(i, tsMs);
    let acc = this.gpu.get(i);
    if (acc && acc.startMs !== startMs) {
      if (startMs < acc.startMs) return;
      this.write(i, acc);
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

  /** Writes the windows that ended `graceMs` before `nowMs` (their rack went quiet). */
  closeQuiet(nowMs: number, graceMs: number): void {
    for (const [i, acc] of this.gpu) {
      if (acc.startMs + this.deps.gpuWindowMs + graceMs <= nowMs) {
        this.write(i, acc);
        this.gpu.delete(i);
      }
    }
  }

  /** Writes every open window (a partial last window). */
  closeAll(): void {
    for (const [i, acc] of this.gpu) this.write(i, acc);
    this.gpu.clear();
  }

  private write(i: number, acc: GpuAcc): void {
    if (acc.count === 0) return;
    const { site, memory, writer, gpuWindowMs } = this.deps;
    if (this.gpuMeans.length !== acc.sum.length) this.gpuMeans = new Float64Array(acc.sum.length);
    const means = this.gpuMeans;
    for (let g = 0; g < means.length; g++) means[g] = acc.sum[g] / acc.count;
    // One GPU window covers gpuWindowMs / interval samples of the 1 Hz window: keep the same time span.
    const capacity = Math.ceil((memory.capacity * site.spec.telemetryIntervalMs) / gpuWindowMs);
    memory.push(`gpu:${site.racks[i].id}`, means.length, acc.startMs, means, capacity);
    if (!writer) return;
    let head = this.gpuHeads[i];
    if (head === undefined) {
      const r = site.racks[i];
      const tags = { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id };
      head = this.gpuHeads[i] = encoded(new PointFormat(MEASUREMENT.gpu, tags, []).head + `${GPU_PACKED.meanW}="`);
    }
    // Every GPU's mean and max as one string each: 2 field values instead of 144.
    const w = LINE.reset().bytes(head);
    for (let g = 0; g < means.length; g++) (g === 0 ? w : w.byte(COMMA)).num3(means[g]);
    w.ascii(`",${GPU_PACKED.maxW}="`);
    for (let g = 0; g < acc.max.length; g++) (g === 0 ? w : w.byte(COMMA)).num3(acc.max[g]);
    writer.write('raw', [w.byte(QUOTE).byte(SPACE).int(Math.round(acc.startMs)).text()]);
  }
}
