/**
 * Where the last run's stored history ends, read back from InfluxDB before the ingest starts when
 * the at-least-once journal holds what a crash left: `last()` of the minute rollups, the raw
 * blocks and the GPU windows per entity (about 2 s at 20,000 racks; docs/benchmarks.md), and
 * with the raw tier as points (`--history-raw-format points`) each entity's newest raw point. Samples the at-least-once journal
 * replays after a crash that are already stored are then not stored again: not in a raw block of
 * their own, not in a minute that was written (which a partial minute would overwrite), not in a
 * GPU window that was written.
 */
import type { Logger } from '../logger.ts';
import type { InfluxQueryResult } from './influx-client.ts';
import { BLOCK_OFFSETS_FIELD } from './raw-block.ts';
import { GPU_PACKED, MEASUREMENT, TAG, blockMeasurement, pointsMeasurement, tierMeasurement, type RawFormat } from './schema.ts';

/** How far back stored points are looked for. */
const LOOKBACK_MS = 2 * 3_600_000;

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
  /** How the raw tier is written (default blocks): points are read as well as blocks (written before a switch). */
  rawFormat?: RawFormat;
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
  // The newest point per entity, read backwards (`last()` would scan each entity's two hours of points).
  // With blocks the points are late samples only, which may be newer than samples lost in an open block: not read.
  if (t.rawFormat === 'points') {
    out.push(`SELECT "${t.fields[0]}" FROM "raw"."${pointsMeasurement(t.measurement)}" WHERE ${since} GROUP BY "${t.idTag}" ORDER BY time DESC LIMIT 1`);
  }
  return out;
}

type Series = NonNullable<NonNullable<InfluxQueryResult['results']>[number]['series']>[number];
type Results = InfluxQueryResult['results'];

const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

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
  if (t.rawFormat === 'points') {
    for (const [key, s] of byEntity(t, results?.[t.measurement === MEASUREMENT.rack ? 3 : 2]?.series)) {
      const e = entry(key);
      const pointMs = num(s.values[0][0]);
      if (!(e.rawThroughMs >= pointMs)) e.rawThroughMs = pointMs;
    }
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

/** Per entity, the newest sample an earlier run stored: a replayed sample at or before it is not stored again (NaN: none). */
export interface EntityFloors {
  rawThroughMs: Float64Array;
  rollupThroughMs: Float64Array;
  /** End of the newest stored GPU window (racks). */
  gpuThroughMs: Float64Array;
}

/** `floors` (key → where its stored history ends) as per-entity arrays for `size` entities. */
export function entityFloors(floors: Map<number, Floors>, size: number, gpuWindowMs: number): EntityFloors {
  const none = () => new Float64Array(size).fill(Number.NaN);
  const out = { rawThroughMs: none(), rollupThroughMs: none(), gpuThroughMs: none() };
  for (const [key, e] of floors) {
    if (key < 0 || key >= size) continue;
    out.rawThroughMs[key] = e.rawThroughMs;
    // The newest stored minute holds its samples up to the newest stored raw one: all of them
    // after a crash (only closed minutes are written), those before a clean stop otherwise.
    const rawMs = Number.isFinite(e.rawThroughMs) ? e.rawThroughMs : Number.POSITIVE_INFINITY;
    if (Number.isFinite(e.lastMinuteMs)) out.rollupThroughMs[key] = Math.min(e.lastMinuteMs + 60_000 - 1, rawMs);
    if (Number.isFinite(e.lastGpuWindowMs)) out.gpuThroughMs[key] = e.lastGpuWindowMs + gpuWindowMs - 1;
  }
  return out;
}

/**
 * Has `recorder` read where the last run's stored history ends, logging how long that took; a
 * failure is logged, not thrown: the replay then may store some samples twice.
 */
export async function resumeHistory(
  recorder: { resume(query: (q: string) => Promise<InfluxQueryResult>): Promise<{ kind: string; entities: number }[]> },
  query: (q: string) => Promise<InfluxQueryResult>,
  log: Logger,
): Promise<void> {
  const startedMs = Date.now();
  try {
    const r = await recorder.resume(query);
    log.info(`history: read where the last run stopped in ${Date.now() - startedMs} ms (${r.map((x) => `${x.kind}: ${x.entities}`).join(', ')} entities)`);
  } catch (e) {
    log.warn(`history: could not read where the last run stopped (${(e as Error).message}); samples replayed from the journal may be stored twice`);
  }
}
