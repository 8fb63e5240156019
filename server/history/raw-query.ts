/**
 * The history API's reading of the raw tier, in the format the server writes it
 * (`--history-raw-format`; schema.ts, `RawFormat`). Blocks: the blocks that can hold samples of
 * the range and the single (late) points in it, as rows, decoded, kept once per source time and
 * averaged per step here (raw-block.ts). Points: InfluxDB averages each step (GROUP BY time, as
 * Grafana would ask), and the blocks of the range — written before a switch to points — are
 * decoded alongside; a step both hold takes the points' mean, field by field.
 */
import { BLOCK_KEY_SHIFT_MAX_MS, BLOCK_OFFSETS_FIELD, bucketMeans, samplesOf, type Samples } from './raw-block.ts';
import { blockMeasurement, pointsMeasurement, type RawFormat } from './schema.ts';

/** One entity's raw query: base measurement, InfluxQL condition naming it, stored field names. */
export interface RawQuery {
  measurement: string;
  where: string;
  storedFields: readonly string[];
  fromMs: number;
  toMs: number;
  stepMs: number;
}

/** The two InfluxQL statements of `q` (blocks, then points), for `rawSteps` to read in order. */
export function rawInfluxQl(q: RawQuery, format: RawFormat, blockMs: number): string {
  const fields = q.storedFields.map((f) => `"${f}"`).join(', ');
  const from = Math.floor(q.fromMs);
  const to = Math.ceil(q.toMs);
  // A block's samples lie up to `blockMs` after its first sample, stored up to 1 s before it (`blockKeyShiftMs`).
  const blocks = `SELECT "${BLOCK_OFFSETS_FIELD}", ${fields} FROM "raw"."${blockMeasurement(q.measurement)}" `
    + `WHERE ${q.where} AND time > ${from - blockMs - BLOCK_KEY_SHIFT_MAX_MS}ms AND time < ${to}ms`;
  const range = `FROM "raw"."${pointsMeasurement(q.measurement)}" WHERE ${q.where} AND time >= ${from}ms AND time < ${to}ms`;
  if (format === 'blocks') return `${blocks}; SELECT ${fields} ${range}`;
  const means = q.storedFields.map((f) => `mean("${f}") AS "${f}"`).join(', ');
  return `${blocks}; SELECT ${means} ${range} GROUP BY time(${q.stepMs}ms) fill(none)`;
}

type Rows = unknown[][];

/** Step means of the answers to `rawInfluxQl` (rows of its two statements), one column per stored field. */
export function rawSteps(blockRows: Rows, pointRows: Rows, q: RawQuery, format: RawFormat): Samples {
  const n = q.storedFields.length;
  if (format === 'blocks') return bucketMeans(samplesOf(blockRows, pointRows, n, q.fromMs, q.toMs), q.stepMs);
  const fromBlocks = bucketMeans(samplesOf(blockRows, [], n, q.fromMs, q.toMs), q.stepMs);
  const steps = new Map<number, (number | null)[]>();
  fromBlocks.tsMs.forEach((t, k) => steps.set(t, fromBlocks.cols.map((c) => c[k])));
  for (const row of pointRows) {
    const t = row[0];
    if (typeof t !== 'number') continue;
    const values = steps.get(t) ?? new Array<number | null>(n).fill(null);
    for (let f = 0; f < n; f++) if (typeof row[f + 1] === 'number') values[f] = row[f + 1] as number;
    steps.set(t, values);
  }
  const tsMs = [...steps.keys()].sort((a, b) => a - b);
  return { tsMs, cols: Array.from({ length: n }, (_, f) => tsMs.map((t) => steps.get(t)![f])) };
}
