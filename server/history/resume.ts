/**
 * Where the last run stopped, read back from InfluxDB when the server starts, so a restart — a
 * deploy or a crash — does not cost what was already stored:
 * - the current hour's rollup goes on from the minutes stored in it, instead of being written
 *   again at the hour's end from the minutes after the restart alone;
 * - the current minute goes on from the partial minute a clean stop wrote;
 * - samples replayed after a crash (the at-least-once journal) that are already stored are not
 *   stored again: not in a raw block of their own, not in a minute that was written, not in a
 *   GPU window that was written.
 *
 * The hour is rebuilt from its stored minutes, each weighed by its sample count (`samples`):
 * mean, min and max as if it had never stopped. Minutes written before sample counts were stored
 * are left out of it.
 */
import type { InfluxQueryResult } from './influx-writer.ts';
import { BLOCK_OFFSETS_FIELD } from './raw-block.ts';
import { GPU_PACKED, MEASUREMENT, ROLLUP_SAMPLES, TAG, blockMeasurement, tierMeasurement } from './schema.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** How far back stored points are looked for. */
const LOOKBACK_MS = 2 * HOUR_MS;

/** Stored statistics of a window per field (count 0 where the field had none). */
export interface WindowStats {
  count: Float64Array;
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
}

export interface EntityResume {
  /** The current hour's minutes stored before the current minute, merged; null when none. */
  hour: WindowStats | null;
  /** The current minute as a clean stop stored it; null when none. */
  minute: WindowStats | null;
  /** Start of the newest stored minute, ms (NaN when none). */
  lastMinuteMs: number;
  /** Source time of the newest stored raw sample, ms (NaN when none). */
  rawThroughMs: number;
  /** Start of the newest stored GPU window, ms (racks; NaN when none). */
  lastGpuWindowMs: number;
}

/** One kind of entity as it is stored. */
export interface ResumeTarget {
  /** Base measurement (`rack`, `cdu`, `totals`). */
  measurement: string;
  /** Tag naming the entity (`rack`, `cdu`, `id`). */
  idTag: string;
  /** Stored field names of its rollups, in the recorder's order. */
  fields: readonly string[];
  /** The recorder's key of an entity ID, undefined for one this site does not have. */
  keyOf: (id: string) => number | undefined;
}

/** The current minute's and hour's starts at `nowMs`. */
export function windowStarts(nowMs: number): { minuteMs: number; hourMs: number } {
  return { minuteMs: Math.floor(nowMs / MINUTE_MS) * MINUTE_MS, hourMs: Math.floor(nowMs / HOUR_MS) * HOUR_MS };
}

/** InfluxQL statements reading where `t` stopped, in the order `parseResume` takes them. */
export function resumeStatements(t: ResumeTarget, nowMs: number): string[] {
  const { minuteMs, hourMs } = windowStarts(nowMs);
  const m1 = `"m1"."${tierMeasurement(t.measurement, 'm1')}"`;
  const by = `GROUP BY "${t.idTag}"`;
  // Each minute's mean weighed by its sample count (a subquery: InfluxQL has no sum of products);
  // a field's count only over the minutes that have it (null arithmetic drops the others).
  const inner = t.fields.flatMap((f) => [`"${f}_mean" * "${ROLLUP_SAMPLES}" AS "${f}_w"`, `"${ROLLUP_SAMPLES}" + 0 * "${f}_mean" AS "${f}_n"`, `"${f}_min"`, `"${f}_max"`]);
  const outer = t.fields.flatMap((f) => [`sum("${f}_w") AS "${f}_w"`, `sum("${f}_n") AS "${f}_n"`, `min("${f}_min") AS "${f}_min"`, `max("${f}_max") AS "${f}_max"`]);
  const out = [
    // An empty range (the hour's first minute) is answered with no series.
    `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${m1} WHERE time >= ${hourMs}ms AND time < ${minuteMs}ms ${by}) ${by}`,
    `SELECT * FROM ${m1} WHERE time >= ${minuteMs}ms AND time < ${minuteMs + MINUTE_MS}ms ${by}`,
    `SELECT last("${t.fields[0]}_mean") FROM ${m1} WHERE time >= ${nowMs - LOOKBACK_MS}ms ${by}`,
    `SELECT last("${BLOCK_OFFSETS_FIELD}") FROM "raw"."${blockMeasurement(t.measurement)}" WHERE time >= ${nowMs - LOOKBACK_MS}ms ${by}`,
  ];
  if (t.measurement === MEASUREMENT.rack) out.push(`SELECT last("${GPU_PACKED.meanW}") FROM "raw"."${MEASUREMENT.gpu}" WHERE time >= ${nowMs - LOOKBACK_MS}ms GROUP BY "${TAG.rack}"`);
  return out;
}

type Series = NonNullable<NonNullable<InfluxQueryResult['results']>[number]['series']>[number];

/** Per entity key, where `t` stopped, from the answers to `resumeStatements` (in order). */
export function parseResume(t: ResumeTarget, results: InfluxQueryResult['results']): Map<number, EntityResume> {
  const out = new Map<number, EntityResume>();
  const n = t.fields.length;
  const entry = (s: Series): EntityResume | undefined => {
    const id = s.tags?.[t.idTag];
    const key = id === undefined ? undefined : t.keyOf(id);
    if (key === undefined) return undefined;
    let e = out.get(key);
    if (!e) out.set(key, (e = { hour: null, minute: null, lastMinuteMs: Number.NaN, rawThroughMs: Number.NaN, lastGpuWindowMs: Number.NaN }));
    return e;
  };
  const rows = (k: number) => results?.[k]?.series ?? [];
  const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
  /** The row's value of a column by name (NaN when absent or not a number). */
  const reader = (s: Series, row: (number | string | null)[]) => (name: string) => {
    const c = s.columns.indexOf(name);
    return c < 0 ? Number.NaN : num(row[c]);
  };
  /** Stats per field: count and mean from `countMean`, min and max from their columns. */
  const stats = (col: (name: string) => number, countMean: (f: string) => [number, number]): WindowStats => {
    const w: WindowStats = { count: new Float64Array(n), mean: new Float64Array(n), min: new Float64Array(n), max: new Float64Array(n) };
    t.fields.forEach((f, k) => {
      const [count, mean] = countMean(f);
      const has = count > 0 && Number.isFinite(mean);
      w.count[k] = has ? count : 0;
      w.mean[k] = has ? mean : Number.NaN;
      w.min[k] = col(`${f}_min`);
      w.max[k] = col(`${f}_max`);
    });
    return w;
  };
  for (const s of rows(0)) {
    const e = entry(s);
    const row = s.values[0];
    if (!e || !row) continue;
    const col = reader(s, row);
    const w = stats(col, (f) => [col(`${f}_n`), col(`${f}_w`) / col(`${f}_n`)]);
    if (w.count.some((c) => c > 0)) e.hour = w;
  }
  for (const s of rows(1)) {
    const e = entry(s);
    const row = s.values[0];
    if (!e || !row) continue;
    const col = reader(s, row);
    // A minute written before sample counts were stored cannot be weighed: it starts afresh.
    const samples = col(ROLLUP_SAMPLES);
    if (samples > 0) e.minute = stats(col, (f) => [samples, col(`${f}_mean`)]);
  }
  for (const s of rows(2)) {
    const e = entry(s);
    if (e) e.lastMinuteMs = num(s.values[0]?.[0]);
  }
  for (const s of rows(3)) {
    const e = entry(s);
    const row = s.values[0];
    if (!e || !row) continue;
    const offsets = typeof row[1] === 'string' ? row[1].split(',').map(Number) : [];
    const last = offsets.length ? Math.max(...offsets) : 0;
    e.rawThroughMs = num(row[0]) + (Number.isFinite(last) ? last : 0);
  }
  if (t.measurement === MEASUREMENT.rack) {
    for (const s of rows(4)) {
      const e = entry(s);
      if (e) e.lastGpuWindowMs = num(s.values[0]?.[0]);
    }
  }
  return out;
}

/** Reads where `t` stopped; the query function runs InfluxQL statements joined by `;`. */
export async function readResume(query: (q: string) => Promise<InfluxQueryResult>, t: ResumeTarget, nowMs: number): Promise<Map<number, EntityResume>> {
  const res = await query(resumeStatements(t, nowMs).join('; '));
  if (res.error) throw new Error(res.error);
  // A database that does not exist yet holds nothing to resume from.
  const failed = res.results?.find((r) => r.error && !/database not found/.test(r.error));
  if (failed) throw new Error(failed.error);
  return parseResume(t, res.results);
}
