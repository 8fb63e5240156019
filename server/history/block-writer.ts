/**
 * Raw samples to InfluxDB: on-time samples gathered per entity into blocks of `blockMs`
 * (raw-block.ts), written when their window ends; late samples as single points.
 */
import type { LineSink } from './leader-lines.ts';
import { BlockFormat, OpenBlock } from './raw-block.ts';
import type { RawWriter } from './raw-points.ts';
import { pointFormat, shiftedWindowStart, type Series } from './recorder-series.ts';
import { blockMeasurement } from './schema.ts';

/** Samples a block holds at most (a source faster than 1 Hz closes blocks early). */
const BLOCK_CAPACITY = 32;

/** Writes the raw tier: a block per entity and window, a single point per late sample. */
export class BlockWriter implements RawWriter {
  constructor(
    private readonly writer: LineSink,
    private readonly clock: () => number,
    /** Raw block window per entity, ms. */
    readonly blockMs: number,
  ) {}

  /**
   * Start of entity `key`'s block window holding `tsMs`. Windows are shifted per entity by whole
   * seconds, so a tenth of a 1 GW site's blocks (not all of them) close in any one second.
   */
  windowStart(key: number, tsMs: number): number {
    return shiftedWindowStart(key, tsMs, this.blockMs);
  }

  /** Adds an on-time sample (`values`: the raw keys' values) to its entity's block, writing the block it closes. */
  add(s: Series, key: number, tsMs: number, values: Float64Array): void {
    let b = s.blocks[key];
    if (!b) b = s.blocks[key] = new OpenBlock(BLOCK_CAPACITY, s.rawKeys.length);
    if (b.count > 0 && (this.windowStart(key, b.startMs) !== this.windowStart(key, tsMs) || b.count === b.capacity)) this.write(s, key, b);
    b.add(tsMs, values, this.clock());
  }

  /**
   * Writes blocks whose window ended before `cutoffMs`, or that have been open for a block's
   * length of server time (samples from a clock running ahead would otherwise wait).
   */
  flush(s: Series, cutoffMs: number): void {
    s.blocks.forEach((b, key) => {
      if (b && b.count > 0 && (this.windowStart(key, b.startMs) + this.blockMs <= cutoffMs || b.openedMs + this.blockMs <= cutoffMs)) this.write(s, key, b);
    });
  }

  /** Marks `s`'s open blocks partial: the source dropped while they were open (raw-block.ts, `OpenBlock.partial`). */
  markOpenPartial(s: Series): void {
    for (const b of s.blocks) if (b && b.count > 0) b.partial = true;
  }

  /** A late sample as a single raw point at its own time. */
  writeLate(s: Series, key: number, tsMs: number, values: Float64Array): void {
    const line = pointFormat(s, 'raw', key).line(values, tsMs);
    if (line) this.writer.write('raw', [line]);
  }

  private write(s: Series, key: number, b: OpenBlock): void {
    let f = s.blockFormats[key];
    if (!f) f = s.blockFormats[key] = new BlockFormat(blockMeasurement(s.measurement), s.tags(key), s.rawKeys);
    const line = f.line(b, this.windowStart(key, b.startMs) + this.blockMs);
    b.clear();
    if (line) this.writer.write('raw', [line]);
  }
}

/** Server clock when the oldest open block of `series` got its first sample (NaN when none is open). */
export function oldestOpenMs(series: readonly Series[]): number {
  let oldest = Number.NaN;
  for (const s of series) {
    for (const b of s.blocks) if (b && b.count > 0 && !(b.openedMs >= oldest)) oldest = b.openedMs;
  }
  return oldest;
}

/** Samples waiting in `s`'s open blocks. */
export function openSampleCount(s: Series): number {
  return s.blocks.reduce((n, b) => n + (b?.count ?? 0), 0);
}
