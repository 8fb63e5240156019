/**
 * Time-window rollups (mean, min, max per field) computed by the server itself, so every
 * InfluxDB version works without database tasks. Pure: no clock, no I/O. A window closes when a
 * later sample for the same key arrives or when `closeBefore()` passes its end; a sample older
 * than its key's open window is left out of the rollup (the raw tier still has it).
 *
 * Windows are reused: a closed window handed back with `release()` opens a later one. At a
 * gigawatt site 24,000 entities each open a minute window a minute; allocated afresh, each
 * outlived V8's young generation and was collected with the old space.
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

interface OpenWindow extends ClosedWindow {
  /** Wall-clock time of the last sample added, ms. */
  lastAddMs: number;
  sum: Float64Array;
}

export class Rollup {
  private readonly open = new Map<number, OpenWindow>();
  private readonly spare: OpenWindow[] = [];

  constructor(
    /** Window length, ms (60,000 for the 1 min tier). */
    readonly windowMs: number,
    readonly fieldCount: number,
  ) {}

  /**
   * Hands a closed window back once its values are written and added up: it is reused for a
   * later window, so it must not be read after this. A second release of it is ignored.
   */
  release(w: ClosedWindow): void {
    if (Number.isNaN(w.startMs) || this.spare.length >= this.open.size) return;
    w.startMs = Number.NaN;
    this.spare.push(w as OpenWindow);
  }

  /**
   * Adds one raw sample; returns the window it closed (the key's previous one), or null. NaN
   * values are skipped per field. `arrivalMs` (wall clock, default the sample's time) lets a
   * backfilled past window stay open while its samples are still arriving.
   */
  add(key: number, tsMs: number, values: ArrayLike<number>, arrivalMs = tsMs): ClosedWindow | null {
    const startMs = Math.floor(tsMs / this.windowMs) * this.windowMs;
    const prev = this.open.get(key);
    if (prev && startMs < prev.startMs) return null;
    const w = prev?.startMs === startMs ? prev : this.opened(key, startMs);
    w.lastAddMs = arrivalMs;
    for (let f = 0; f < this.fieldCount; f++) {
      const v = values[f];
      if (!Number.isFinite(v)) continue;
      w.count[f]++;
      w.sum[f] += v;
      if (v < w.min[f]) w.min[f] = v;
      if (v > w.max[f]) w.max[f] = v;
    }
    return prev && prev !== w ? this.close(prev) : null;
  }

  /**
   * Adds a closed finer window (e.g. a minute into an hour), weighting its mean by its count;
   * returns the window it closed, or null.
   */
  addWindow(c: ClosedWindow): ClosedWindow | null {
    const startMs = Math.floor(c.startMs / this.windowMs) * this.windowMs;
    const prev = this.open.get(c.key);
    if (prev && startMs < prev.startMs) return null;
    const w = prev?.startMs === startMs ? prev : this.opened(c.key, startMs);
    for (let f = 0; f < this.fieldCount; f++) {
      if (!(c.count[f] > 0)) continue;
      w.count[f] += c.count[f];
      w.sum[f] += c.mean[f] * c.count[f];
      if (c.min[f] < w.min[f]) w.min[f] = c.min[f];
      if (c.max[f] > w.max[f]) w.max[f] = c.max[f];
    }
    return prev && prev !== w ? this.close(prev) : null;
  }

  /** Opens `key`'s window at `startMs` (a released one when there is one), replacing its last. */
  private opened(key: number, startMs: number): OpenWindow {
    const n = this.fieldCount;
    const w = this.spare.pop() ?? {
      key, startMs, lastAddMs: 0,
      count: new Float64Array(n), sum: new Float64Array(n), mean: new Float64Array(n), min: new Float64Array(n), max: new Float64Array(n),
    };
    w.key = key;
    w.startMs = startMs;
    w.lastAddMs = Number.NEGATIVE_INFINITY;
    w.count.fill(0);
    w.sum.fill(0);
    w.mean.fill(Number.NaN);
    w.min.fill(Number.POSITIVE_INFINITY);
    w.max.fill(Number.NEGATIVE_INFINITY);
    this.open.set(key, w);
    return w;
  }

  private close(w: OpenWindow): ClosedWindow {
    for (let f = 0; f < this.fieldCount; f++) {
      w.mean[f] = w.count[f] > 0 ? w.sum[f] / w.count[f] : Number.NaN;
      if (w.count[f] === 0) {
        w.min[f] = Number.NaN;
        w.max[f] = Number.NaN;
      }
    }
    return w;
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
        out.push(this.close(w));
        this.open.delete(key);
      }
    }
    return out;
  }
}
