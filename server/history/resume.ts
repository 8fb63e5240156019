/**
 * Where the last run stopped, read back from InfluxDB when the server starts, so a restart — a
 * deploy or a crash — does not cost what was already stored:
 * - samples replayed after a crash (the at-least-once journal) that are already stored are not
 *   stored again: not in a raw block of their own, not in a minute that was written, not in a
 *   GPU window that was written;
 * - the current minute goes on from the partial minute a clean stop wrote;
 * - the current hour goes on from the minutes stored in it, instead of being written again at
 *   its end from the minutes after the restart alone.
 *
 * Where the stored history ends (`last()` per entity) is read before the ingest starts: about
 * 2 s at 20,000 racks. The stopped minute and then the hour are read after it, in the
 * background, and added to the minute and hour the new run has begun; the hour aggregates every
 * stored minute of it, 43 s of InfluxDB's time for 20,000 racks (docs/benchmarks.md). Its min,
 * max and sample count are exact; its mean is the mean of the minutes' means (InfluxDB 1.6
 * answered a subquery weighing them by count in 63 s for 2,000 racks), exact when the minutes
 * hold as many samples each, as a 1 Hz source's full minutes do.
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

/** Where an entity's stored history ends. */
export interface Floors {
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

/** InfluxQL statements reading where `t`'s stored history ends, in the order `parseFloors` takes them. */
export function floorStatements(t: ResumeTarget, nowMs: number): string[] {
  const m1 = `"m1"."${tierMeasurement(t.measurement, 'm1')}"`;
  const since = `time >= ${nowMs - LOOKBACK_MS}ms`;
  const out = [
    `SELECT last("${t.fields[0]}_mean") FROM ${m1} WHERE ${since} GROUP BY "${t.idTag}"`,
    `SELECT last("${BLOCK_OFFSETS_FIELD}") FROM "raw"."${blockMeasurement(t.measurement)}" WHERE ${since} GROUP BY "${t.idTag}"`,
  ];
  if (t.measurement === MEASUREMENT.rack) out.push(`SELECT last("${GPU_PACKED.meanW}") FROM "raw"."${MEASUREMENT.gpu}" WHERE ${since} GROUP BY "${TAG.rack}"`);
  return out;
}

/** InfluxQL for the current minute as a clean stop stored it, per entity of `t`. */
export function minuteStatement(t: ResumeTarget, nowMs: number): string {
  const { minuteMs } = windowStarts(nowMs);
  return `SELECT * FROM "m1"."${tierMeasurement(t.measurement, 'm1')}" WHERE time >= ${minuteMs}ms AND time < ${minuteMs + MINUTE_MS}ms GROUP BY "${t.idTag}"`;
}

/** InfluxQL for the current hour's stored minutes before the current minute, per entity of `t`. */
export function hourStatement(t: ResumeTarget, nowMs: number): string {
  const { minuteMs, hourMs } = windowStarts(nowMs);
  const aggregates = t.fields.flatMap((f) => [`mean("${f}_mean") AS "${f}_mean"`, `min("${f}_min") AS "${f}_min"`, `max("${f}_max") AS "${f}_max"`]);
  // An empty range (the hour's first minute) is answered with no series.
  return `SELECT ${aggregates.join(', ')}, sum("${ROLLUP_SAMPLES}") AS "${ROLLUP_SAMPLES}" FROM "m1"."${tierMeasurement(t.measurement, 'm1')}" WHERE time >= ${hourMs}ms AND time < ${minuteMs}ms GROUP BY "${t.idTag}"`;
}

type Series = NonNullable<NonNullable<InfluxQueryResult['results']>[number]['series']>[number];
type Results = InfluxQueryResult['results'];

const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

/** The row's value of a column by name (NaN when absent or not a number). */
function reader(s: Series, row: (number | string | null)[]): (name: string) => number {
  return (name) => {
    const c = s.columns.indexOf(name);
    return c < 0 ? Number.NaN : num(row[c]);
  };
}

/** Per field of `t`: `samples` where its mean is stored, the mean, min and max from their columns. */
function stats(t: ResumeTarget, col: (name: string) => number, samples: number): WindowStats {
  const n = t.fields.length;
  const w: WindowStats = { count: new Float64Array(n), mean: new Float64Array(n), min: new Float64Array(n), max: new Float64Array(n) };
  t.fields.forEach((f, k) => {
    w.mean[k] = col(`${f}_mean`);
    w.count[k] = samples > 0 && Number.isFinite(w.mean[k]) ? samples : 0;
    w.min[k] = col(`${f}_min`);
    w.max[k] = col(`${f}_max`);
  });
  return w;
}

/** Each entity's series of `t` in `series`, with its key (entities this site does not have are left out). */
function* byEntity(t: ResumeTarget, series: Series[] | undefined): Generator<[number, Series]> {
  for (const s of series ?? []) {
    const id = s.tags?.[t.idTag];
    const key = id === undefined ? undefined : t.keyOf(id);
    if (key !== undefined && s.values.length > 0) yield [key, s];
  }
}

/** Per entity key, where its stored history ends, from the answers to `floorStatements` (in order). */
export function parseFloors(t: ResumeTarget, results: Results): Map<number, Floors> {
  const out = new Map<number, Floors>();
  const entry = (key: number) => {
    let e = out.get(key);
    if (!e) out.set(key, (e = { lastMinuteMs: Number.NaN, rawThroughMs: Number.NaN, lastGpuWindowMs: Number.NaN }));
    return e;
  };
  for (const [key, s] of byEntity(t, results?.[0]?.series)) entry(key).lastMinuteMs = num(s.values[0][0]);
  for (const [key, s] of byEntity(t, results?.[1]?.series)) {
    const row = s.values[0];
    const offsets = typeof row[1] === 'string' ? row[1].split(',').map(Number).filter(Number.isFinite) : [];
    entry(key).rawThroughMs = num(row[0]) + (offsets.length ? Math.max(...offsets) : 0);
  }
  if (t.measurement === MEASUREMENT.rack) {
    for (const [key, s] of byEntity(t, results?.[2]?.series)) entry(key).lastGpuWindowMs = num(s.values[0][0]);
  }
  return out;
}

/** Per entity key, the stopped minute, from the answer to `minuteStatement` (a minute without `samples` cannot be weighed: left out). */
export function parseMinute(t: ResumeTarget, results: Results): Map<number, WindowStats> {
  const out = new Map<number, WindowStats>();
  for (const [key, s] of byEntity(t, results?.[0]?.series)) {
    const col = reader(s, s.values[0]);
    const samples = col(ROLLUP_SAMPLES);
    if (samples > 0) out.set(key, stats(t, col, samples));
  }
  return out;
}

/** Per entity key, the current hour's stored minutes merged, from the answer to `hourStatement`. */
export function parseHour(t: ResumeTarget, results: Results): Map<number, WindowStats> {
  const out = new Map<number, WindowStats>();
  for (const [key, s] of byEntity(t, results?.[0]?.series)) {
    const col = reader(s, s.values[0]);
    const w = stats(t, col, col(ROLLUP_SAMPLES));
    if (w.count.some((c) => c > 0)) out.set(key, w);
  }
  return out;
}

/** Runs `statements` (joined by `;`); a database that does not exist yet answers as empty. */
async function run(query: (q: string) => Promise<InfluxQueryResult>, statements: string[]): Promise<Results> {
  const res = await query(statements.join('; '));
  if (res.error) throw new Error(res.error);
  const failed = res.results?.find((r) => r.error && !/database not found/.test(r.error));
  if (failed) throw new Error(failed.error);
  return res.results;
}

/** Reads where `t`'s stored history ends. */
export async function readFloors(query: (q: string) => Promise<InfluxQueryResult>, t: ResumeTarget, nowMs: number): Promise<Map<number, Floors>> {
  return parseFloors(t, await run(query, floorStatements(t, nowMs)));
}

/** Reads the current minute of `t` as a clean stop stored it. */
export async function readMinute(query: (q: string) => Promise<InfluxQueryResult>, t: ResumeTarget, nowMs: number): Promise<Map<number, WindowStats>> {
  return parseMinute(t, await run(query, [minuteStatement(t, nowMs)]));
}

/** Reads the current hour's stored minutes of `t`. */
export async function readHour(query: (q: string) => Promise<InfluxQueryResult>, t: ResumeTarget, nowMs: number): Promise<Map<number, WindowStats>> {
  return parseHour(t, await run(query, [hourStatement(t, nowMs)]));
}
