/**
 * Raw-tier blocks. InfluxDB's cost is per field value: at 1 GW, one point per rack and CDU
 * sample was 120,000 values a second, more than a core of a 2-core machine. A block is one
 * entity's on-time samples over `blockMs` (10 s by default) in one point: a string field per
 * history field with the values in order (empty where a value was missing) and `ts_ms` with
 * each sample's offset from the point's time. Late samples, and points written before blocks,
 * are single numeric points in the base measurement; the history service reads both.
 */
import { escapeKey, escapeMeasurement } from './line-protocol.ts';
import { LINE, encoded, encodedKeys } from './line-buffer.ts';

/** Field holding the samples' offsets from the block's time, ms. */
export const BLOCK_OFFSETS_FIELD = 'ts_ms';

/** Values go in at 3 decimals, as the memory window holds them (float32). */
export function blockNumber(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

/**
 * An entity's open block: up to `capacity` samples of `fieldCount` values. `openedMs` is the
 * server clock at the first sample (the at-least-once journal keeps messages until then).
 */
export class OpenBlock {
  startMs = Number.NaN;
  openedMs = Number.NaN;
  count = 0;
  /**
   * This server's source dropped while the block was open, so it may lack samples the other
   * server of a pair has under the same key (the same first sample): it is stored apart
   * (`blockKeyShiftMs`) even when its samples show no gap.
   */
  partial = false;
  readonly offsetsMs: Float64Array;
  readonly values: Float64Array;

  constructor(readonly capacity: number, readonly fieldCount: number) {
    this.offsetsMs = new Float64Array(capacity);
    this.values = new Float64Array(capacity * fieldCount);
  }

  /** Adds a sample (in time order); false when the block is full. */
  add(tsMs: number, values: ArrayLike<number>, nowMs: number): boolean {
    if (this.count === this.capacity) return false;
    if (this.count === 0) {
      this.startMs = tsMs;
      this.openedMs = nowMs;
    }
    this.offsetsMs[this.count] = tsMs - this.startMs;
    const base = this.count * this.fieldCount;
    for (let f = 0; f < this.fieldCount; f++) this.values[base + f] = values[f];
    this.count++;
    return true;
  }

  clear(): void {
    this.count = 0;
    this.partial = false;
    this.startMs = Number.NaN;
    this.openedMs = Number.NaN;
  }
}

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;

/** One entity's block layout, escaped and encoded once (as `PointFormat` escapes single points). */
export class BlockFormat {
  /** Measurement, tags and the offsets field's key: `raw_block,hall=…,rack=… ts_ms="`. */
  private readonly head: Uint8Array;
  /** `,key="` per field. */
  private readonly keys: readonly Uint8Array[];

  constructor(measurement: string, tags: Record<string, string>, fieldKeys: readonly string[]) {
    let head = escapeMeasurement(measurement);
    for (const k of Object.keys(tags).sort()) if (tags[k] !== '') head += `,${escapeKey(k)}=${escapeKey(tags[k])}`;
    this.head = encoded(`${head} ${BLOCK_OFFSETS_FIELD}="`);
    this.keys = encodedKeys(fieldKeys.map(escapeKey), ',', '="');
  }

  /**
   * The block's line, or null when it holds no finite value (or no sample). Values at 3 decimals
   * (`blockNumber`), empty where missing; a field with no value at all is left out. `windowEndMs`
   * is the end of the block's window (a missing last sample shows against it).
   */
  line(b: OpenBlock, windowEndMs = Number.NaN): string | null {
    if (b.count === 0 || !Number.isFinite(b.startMs)) return null;
    // A block that may lack samples goes before its first sample, its offsets as much longer: the same samples.
    const shiftMs = blockKeyShiftMs(b, windowEndMs);
    const w = LINE.reset().bytes(this.head);
    for (let k = 0; k < b.count; k++) {
      if (k > 0) w.byte(COMMA);
      w.int(b.offsetsMs[k] + shiftMs);
    }
    w.byte(QUOTE);
    let anyField = false;
    for (let f = 0; f < this.keys.length; f++) {
      const mark = w.length;
      w.bytes(this.keys[f]);
      let any = false;
      for (let k = 0; k < b.count; k++) {
        const v = b.values[k * b.fieldCount + f];
        if (k > 0) w.byte(COMMA);
        if (v - v === 0) {
          w.num3(v);
          any = true;
        }
      }
      if (any) {
        w.byte(QUOTE);
        anyField = true;
      } else w.rewind(mark);
    }
    if (!anyField) return null;
    return w.byte(SPACE).int(Math.round(b.startMs) - shiftMs).text();
  }
}

/** A block is stored at most this much before its first sample (`blockKeyShiftMs`). */
export const BLOCK_KEY_SHIFT_MAX_MS = 1000;

/** Sample spacing assumed when a block holds one sample (the sources publish at 1 Hz). */
const NOMINAL_INTERVAL_MS = 1000;

/**
 * How far before its first sample a block is stored, ms. Both servers of a pair write the raw
 * tier, and InfluxDB keeps one point per series and time: a block keyed by its first sample's
 * time alone would let a server that missed a sample (a gap inside the block, or before the
 * window's end) write over the other's complete block, and the samples only that one had
 * would be lost. A block with no gap keeps its first sample's time (shift 0: both servers'
 * blocks are one point). A block with a gap, or whose source dropped while it was open, is
 * shifted by 1 ms plus a hash of its sample times, under the smallest sample spacing so it
 * never meets the entity's previous block: blocks with the same samples still meet (the same
 * point, written twice), blocks with different samples are kept apart (1 in 998 meet).
 */
export function blockKeyShiftMs(b: OpenBlock, windowEndMs: number): number {
  let minGapMs = Number.POSITIVE_INFINITY;
  let maxGapMs = 0;
  for (let k = 1; k < b.count; k++) {
    const gap = b.offsetsMs[k] - b.offsetsMs[k - 1];
    if (gap < minGapMs) minGapMs = gap;
    if (gap > maxGapMs) maxGapMs = gap;
  }
  const intervalMs = b.count > 1 ? minGapMs : NOMINAL_INTERVAL_MS;
  const tailMs = windowEndMs - (b.startMs + b.offsetsMs[b.count - 1]);
  const gapped = maxGapMs > 1.5 * intervalMs || tailMs > 1.5 * intervalMs;
  if (!gapped && !b.partial) return 0;
  const range = Math.min(BLOCK_KEY_SHIFT_MAX_MS - 1, Math.floor(intervalMs) - 1);
  if (range <= 1) return 1;
  let h = 2166136261;
  for (let k = 0; k < b.count; k++) h = Math.imul(h ^ (b.offsetsMs[k] | 0), 16777619);
  return 1 + ((h >>> 0) % range);
}

/** A field's values from its block text: null where a value was missing. */
export function decodeBlockValues(textValue: unknown, count: number): (number | null)[] {
  const out: (number | null)[] = new Array(count).fill(null);
  if (typeof textValue !== 'string') return out;
  const parts = textValue.split(',');
  for (let k = 0; k < count && k < parts.length; k++) {
    if (parts[k] === '') continue;
    const v = Number(parts[k]);
    if (Number.isFinite(v)) out[k] = v;
  }
  return out;
}

/** Samples as columns: timestamps and one array per field. */
export interface Samples {
  tsMs: number[];
  cols: (number | null)[][];
}

/**
 * Samples of InfluxDB rows: `blockRows` are [time, ts_ms, field…] of block points, `pointRows`
 * [time, field…] of single points. Only samples in [fromMs, toMs) are kept, sorted by time, one
 * per source time: the two servers of a pair both store raw samples, and a block one of them
 * began mid-window (it had just started) holds samples the other's block holds too.
 */
export function samplesOf(blockRows: unknown[][], pointRows: unknown[][], fieldCount: number, fromMs: number, toMs: number): Samples {
  const all: { tsMs: number; values: (number | null)[] }[] = [];
  for (const row of blockRows) {
    const start = row[0] as number;
    const offsets = typeof row[1] === 'string' ? row[1].split(',').map(Number) : [];
    const cols = Array.from({ length: fieldCount }, (_, f) => decodeBlockValues(row[f + 2], offsets.length));
    offsets.forEach((o, k) => {
      const tsMs = start + o;
      if (Number.isFinite(tsMs) && tsMs >= fromMs && tsMs < toMs) all.push({ tsMs, values: cols.map((c) => c[k]) });
    });
  }
  for (const row of pointRows) {
    const tsMs = row[0] as number;
    if (tsMs >= fromMs && tsMs < toMs) {
      const values = Array.from({ length: fieldCount }, (_, f) => (typeof row[f + 1] === 'number' ? (row[f + 1] as number) : null));
      all.push({ tsMs, values });
    }
  }
  all.sort((a, b) => a.tsMs - b.tsMs);
  const once = all.filter((s, k) => k === 0 || s.tsMs !== all[k - 1].tsMs);
  return { tsMs: once.map((s) => s.tsMs), cols: Array.from({ length: fieldCount }, (_, f) => once.map((s) => s.values[f])) };
}

/** Mean of each field per `stepMs` bucket (aligned to the epoch, as InfluxQL's GROUP BY time); empty buckets left out. */
export function bucketMeans(s: Samples, stepMs: number): Samples {
  const out: Samples = { tsMs: [], cols: s.cols.map(() => []) };
  let bucket = Number.NaN;
  const sums = new Float64Array(s.cols.length);
  const counts = new Float64Array(s.cols.length);
  const emit = () => {
    if (Number.isNaN(bucket)) return;
    out.tsMs.push(bucket);
    s.cols.forEach((_, f) => out.cols[f].push(counts[f] > 0 ? sums[f] / counts[f] : null));
    sums.fill(0);
    counts.fill(0);
  };
  for (let k = 0; k < s.tsMs.length; k++) {
    const b = Math.floor(s.tsMs[k] / stepMs) * stepMs;
    if (b !== bucket) {
      emit();
      bucket = b;
    }
    for (let f = 0; f < s.cols.length; f++) {
      const v = s.cols[f][k];
      if (v !== null) {
        sums[f] += v;
        counts[f]++;
      }
    }
  }
  emit();
  return out;
}
