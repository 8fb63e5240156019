/**
 * The recent window of history kept in memory: per entity a ring of the last `capacity`
 * samples in typed arrays (Float32 values, Float64 timestamps). It serves recent history
 * queries and chart backfill without a database round trip, with or without InfluxDB.
 */

export interface SeriesColumns {
  tsMs: number[];
  /** One array per requested field; null where a bucket had no value. */
  cols: (number | null)[][];
}

export class SeriesRing {
  private readonly ts: Float64Array;
  private readonly values: Float32Array;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number, readonly fieldCount: number) {
    this.ts = new Float64Array(capacity);
    this.values = new Float32Array(capacity * fieldCount).fill(Number.NaN);
  }

  /** Appends a sample; samples must arrive in time order (older ones are ignored). */
  push(tsMs: number, values: ArrayLike<number>): void {
    if (this.size > 0 && tsMs <= this.ts[(this.head - 1 + this.capacity) % this.capacity]) return;
    this.ts[this.head] = tsMs;
    const base = this.head * this.fieldCount;
    for (let f = 0; f < this.fieldCount; f++) this.values[base + f] = values[f];
    this.head = (this.head + 1) % this.capacity;
    this.size = Math.min(this.capacity, this.size + 1);
  }

  /** Timestamp of the oldest sample held, ms (Infinity when empty). */
  get oldestMs(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.ts[(this.head - this.size + this.capacity) % this.capacity];
  }

  /**
   * Mean of field `field` per `stepMs` bucket over [fromMs, toMs) (3 decimals, as stored),
   * written into `tsOut` and `valuesOut` (NaN where a bucket had no value); returns the buckets
   * written. Allocates nothing: the alert trend fits read five minutes of every rack each 10 s
   * with it.
   */
  bucketsInto(fromMs: number, toMs: number, stepMs: number, field: number, tsOut: Float64Array, valuesOut: Float64Array): number {
    const start = (this.head - this.size + this.capacity) % this.capacity;
    let n = 0;
    let bucket = Number.NaN;
    let sum = 0;
    let count = 0;
    for (let k = 0; k < this.size; k++) {
      const i = (start + k) % this.capacity;
      const t = this.ts[i];
      if (t < fromMs || t >= toMs) continue;
      const b = Math.floor(t / stepMs) * stepMs;
      if (b !== bucket) {
        if (!Number.isNaN(bucket)) {
          if (n === tsOut.length) return n;
          tsOut[n] = bucket;
          valuesOut[n++] = count > 0 ? Math.round((sum / count) * 1000) / 1000 : Number.NaN;
        }
        bucket = b;
        sum = count = 0;
      }
      const v = this.values[i * this.fieldCount + field];
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    if (!Number.isNaN(bucket) && n < tsOut.length) {
      tsOut[n] = bucket;
      valuesOut[n++] = count > 0 ? Math.round((sum / count) * 1000) / 1000 : Number.NaN;
    }
    return n;
  }

  /** Mean of each field per `stepMs` bucket over [fromMs, toMs); empty buckets are left out. */
  query(fromMs: number, toMs: number, stepMs: number, fields: number[]): SeriesColumns {
    const ts = new Float64Array(this.size);
    const values = new Float64Array(this.size);
    const out: SeriesColumns = { tsMs: [], cols: [] };
    // Every field has the same buckets (a bucket is kept when any sample falls in it).
    for (const f of fields.length ? fields : [0]) {
      const n = this.bucketsInto(fromMs, toMs, stepMs, f, ts, values);
      if (out.tsMs.length === 0) out.tsMs = Array.from(ts.subarray(0, n));
      if (fields.length) out.cols.push(Array.from(values.subarray(0, n), (v) => (Number.isNaN(v) ? null : v)));
    }
    return out;
  }
}

/** Rings per entity key, created on first sample, all with the same length. */
export class MemoryWindow {
  private readonly rings = new Map<string, SeriesRing>();

  constructor(
    /** Samples kept per entity (3,600 = 1 h at 1 Hz). */
    readonly capacity: number,
  ) {}

  /** Appends to `key`'s ring, created on first use with `capacity` samples (default: the window's). */
  push(key: string, fieldCount: number, tsMs: number, values: ArrayLike<number>, capacity = this.capacity): void {
    this.ring(key, fieldCount, capacity).push(tsMs, values);
  }

  /** `key`'s ring, created with `capacity` samples when it has none yet. */
  ring(key: string, fieldCount: number, capacity = this.capacity): SeriesRing {
    let ring = this.rings.get(key);
    if (!ring) this.rings.set(key, (ring = new SeriesRing(capacity, fieldCount)));
    return ring;
  }

  get(key: string): SeriesRing | undefined {
    return this.rings.get(key);
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    let n = 0;
    for (const r of this.rings.values()) n += r.capacity * (8 + 4 * r.fieldCount);
    return n;
  }
}

/** What sizes the memory window: the site's entities (a SiteIndex fits) and its telemetry interval. */
export interface SizedSite {
  racks: readonly { gpuCount: number }[];
  cdus: readonly unknown[];
  rows: readonly unknown[];
  view: { halls: readonly unknown[] };
  spec: { telemetryIntervalMs: number };
}

/** How many samples per entity the memory window keeps, and what that covers. */
export interface MemoryWindowSize {
  /** Samples per entity ring. */
  windowSamples: number;
  /** Racks, CDUs, rows, halls and the site. */
  entities: number;
  /** Time the window covers at the telemetry interval, s (rounded). */
  spanS: number;
  /** Memory it takes at most, MB (rounded). */
  maxMb: number;
}

/**
 * Samples per entity for `windowS` of history, fewer when that would take more than `memoryMb`,
 * at least 60. A sample time costs 10 fields per entity, plus each rack's GPU powers every 10 samples.
 */
export function memoryWindowSize(site: SizedSite, windowS: number, memoryMb: number): MemoryWindowSize {
  const entities = site.racks.length + site.cdus.length + site.rows.length + site.view.halls.length + 1;
  const bytesPerSample = entities * (8 + 4 * 10) + site.racks.reduce((n, r) => n + (8 + 4 * r.gpuCount) / 10, 0);
  const samplesPerS = 1000 / site.spec.telemetryIntervalMs;
  const windowSamples = Math.max(60, Math.min(Math.round(windowS * samplesPerS), Math.floor((memoryMb * 1024 * 1024) / bytesPerSample)));
  return { windowSamples, entities, spanS: Math.round(windowSamples / samplesPerS), maxMb: Math.round((windowSamples * bytesPerSample) / 1048576) };
}
