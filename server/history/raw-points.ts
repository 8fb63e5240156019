/**
 * The raw tier as one numeric point per sample (`--history-raw-format points`): each accepted
 * rack, CDU and totals sample is written at once as a line of `{base}` (`rack`, `cdu`, `totals`)
 * with the entity's tags, a float field per value (stored names, units in them: `rack_kw`,
 * `return_c`, …; 3 decimals; missing values left out) and its source time — what Grafana or any
 * InfluxQL query reads without decoding. InfluxDB 1.x pays per field value: five times the CPU
 * blocks cost it at 2,000 racks (docs/benchmarks.md, "History raw format"). Both servers of a
 * pair write the same sample under the same series and time: one point.
 */
import { BlockWriter } from './block-writer.ts';
import type { LineSink } from './leader-lines.ts';
import { pointFormat, type Series } from './recorder-series.ts';
import type { RawFormat } from './schema.ts';

/** What the recorder hands its raw samples to, in either format. */
export interface RawWriter {
  /** An on-time sample (`values`: the raw keys' values). */
  add(s: Series, key: number, tsMs: number, values: Float64Array): void;
  /** Writes what waits whose time ended before `cutoffMs` (blocks; points never wait). */
  flush(s: Series, cutoffMs: number): void;
  /** The source dropped while samples waited (blocks: raw-block.ts, `OpenBlock.partial`). */
  markOpenPartial(s: Series): void;
  /** A late sample: a single point at its own time. */
  writeLate(s: Series, key: number, tsMs: number, values: Float64Array): void;
}

/** Writes each sample as its own point, at once. */
export class PointWriter implements RawWriter {
  constructor(private readonly writer: LineSink) {}

  add(s: Series, key: number, tsMs: number, values: Float64Array): void {
    this.writeLate(s, key, tsMs, values);
  }

  flush(): void {}

  markOpenPartial(): void {}

  writeLate(s: Series, key: number, tsMs: number, values: Float64Array): void {
    const line = pointFormat(s, 'raw', key).line(values, tsMs);
    if (line) this.writer.write('raw', [line]);
  }
}

/** The raw writer of `format` in front of `writer`. */
export function rawWriter(format: RawFormat, writer: LineSink, clock: () => number, blockMs: number): RawWriter {
  return format === 'points' ? new PointWriter(writer) : new BlockWriter(writer, clock, blockMs);
}
