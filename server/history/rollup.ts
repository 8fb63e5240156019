/**
 * Time-window rollups (mean, min, max per field) computed by the server itself, so every
 * InfluxDB version works without database tasks. Pure: no clock, no I/O. A window closes when a
 * later sample for the same key arrives or when `closeBefore()` passes its end; a sample older
 * than its key's open window is left out of the rollup (the raw tier still has it).
 */

export interface ClosedWindow {
  key: number;
  startMs: number;
  /** Samples per field (fields can be missing in some samples). */
  count: Float64Array;
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

interface OpenWindow {
  startMs: number;
  /** Wall-clock time of the last sample added, ms. */
  lastAddMs: number;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

export class Rollup {
  private readonly open = new Map<number, OpenWindow>();

  constructor(
    /** Window length, ms (60,000 for the 1 min tier). */
    readonly windowMs: number,
    readonly fieldCount: number,
  ) {}

  private fresh(startMs: number): OpenWindow {
    const n = this.fieldCount;
    return {
      startMs,
      lastAddMs: Number.NEGATIVE_INFINITY,
      count: new Float64Array(n),
      sum: new Float64Array(n),
      min: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
      max: new Float64Array(n).fill(Number.NEGATIVE_INFINITY),
    };
  }

  private close(key: number, w: OpenWindow): ClosedWindow {
    const mean = new Float64Array(this.fieldCount);
    for (let f = 0; f < this.fieldCount; f++) {
      mean[f] = w.count[f] > 0 ? w.sum[f] / w.count[f] : Number.NaN;
      if (w.count[f] === 0) {
        w.min[f] = Number.NaN;
        w.max[f] = Number.NaN;
      }
    }
    return { key, startMs: w.startMs, count: w.count, mean, min: w.min, max: w.max };
  }

  /** Window of `key` that `tsMs` falls in, opening it (and closing the previous) as needed. */
  private windowFor(key: number, tsMs: number, out: ClosedWindow[]): OpenWindow | null {
    const startMs = Math.floor(tsMs / this.windowMs) * this.windowMs;
    let w = this.open.get(key);
    if (w && startMs < w.startMs) return null;
    if (!w || startMs > w.startMs) {
      if (w) out.push(this.close(key, w));
      w = this.fresh(startMs);
      this.open.set(key, w);
    }
    return w;
  }

  /**
   * Adds one raw sample; returns the windows it closed. NaN values are skipped per field.
   * `arrivalMs` (wall clock, default the sample's time) lets a backfilled past window stay open
   * while its samples are still arriving.
   */
  add(key: number, tsMs: number, values: ArrayLike<number>, arrivalMs = tsMs): ClosedWindow[] {
    const out: ClosedWindow[] = [];
    const w = this.windowFor(key, tsMs, out);
    if (!w) return out;
    w.lastAddMs = arrivalMs;
    for (let f = 0; f < this.fieldCount; f++) {
      const v = values[f];
      if (!Number.isFinite(v)) continue;
      w.count[f]++;
      w.sum[f] += v;
      if (v < w.min[f]) w.min[f] = v;
      if (v > w.max[f]) w.max[f] = v;
    }
    return out;
  }

  /** Adds a closed finer window (e.g. a minute into an hour), weighting its mean by its count. */
  addWindow(c: ClosedWindow): ClosedWindow[] {
    const out: ClosedWindow[] = [];
    const w = this.windowFor(c.key, c.startMs, out);
    if (!w) return out;
    for (let f = 0; f < this.fieldCount; f++) {
      if (!(c.count[f] > 0)) continue;
      w.count[f] += c.count[f];
      w.sum[f] += c.mean[f] * c.count[f];
      if (c.min[f] < w.min[f]) w.min[f] = c.min[f];
      if (c.max[f] > w.max[f]) w.max[f] = c.max[f];
    }
    return out;
  }

  /** Closes every window that ends at or before `cutoffMs` (shutdown: Infinity). */
  closeBefore(cutoffMs: number): ClosedWindow[] {
    return this.closeQuiet(cutoffMs, cutoffMs);
  }

  /**
   * Closes windows of keys that went quiet: ended at or before `cutoffMs` and with no sample
   * added since `quietSinceMs` (wall clock).
   */
  closeQuiet(cutoffMs: number, quietSinceMs: number): ClosedWindow[] {
    const out: ClosedWindow[] = [];
    for (const [key, w] of this.open) {
      if (w.startMs + this.windowMs <= cutoffMs && w.lastAddMs <= quietSinceMs) {
        out.push(this.close(key, w));
        this.open.delete(key);
      }
    }
    return out;
  }
}
