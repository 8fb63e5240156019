/**
 * Raw-tier samples as stored in InfluxDB: the blocks of `{base}_block` decoded, and the single
 * points of `{base}` (late samples), per entity tag. Tests and the chaos suite count and compare
 * stored samples with this.
 */
import { BLOCK_OFFSETS_FIELD, samplesOf, type Samples } from '../../server/history/raw-block.ts';
import { blockMeasurement } from '../../server/history/schema.ts';

type Query = (q: string) => Promise<any>;

/** Samples of `fields` per value of tag `by` (rack, cdu or id), within `where` (InfluxQL, e.g. a time range). */
export async function rawSamples(
  query: Query,
  base: 'rack' | 'cdu' | 'totals',
  fields: string[],
  by: string,
  where = 'time > 0',
  fromMs = 0,
  toMs = Number.MAX_SAFE_INTEGER,
): Promise<Map<string, Samples>> {
  const list = fields.map((f) => `"${f}"`).join(', ');
  const blocks = await query(`SELECT "${BLOCK_OFFSETS_FIELD}", ${list} FROM "raw"."${blockMeasurement(base)}" WHERE ${where} GROUP BY "${by}"`);
  const points = await query(`SELECT ${list} FROM "raw"."${base}" WHERE ${where} GROUP BY "${by}"`);
  const rows = new Map<string, { blocks: unknown[][]; points: unknown[][] }>();
  const entry = (k: string) => rows.get(k) ?? rows.set(k, { blocks: [], points: [] }).get(k)!;
  for (const s of blocks.results?.[0]?.series ?? []) entry(s.tags[by]).blocks.push(...s.values);
  for (const s of points.results?.[0]?.series ?? []) entry(s.tags[by]).points.push(...s.values);
  return new Map([...rows].map(([k, r]) => [k, samplesOf(r.blocks, r.points, fields.length, fromMs, toMs)]));
}

/** Stored samples with a value of `field`, over all entities. */
export function countSamples(samples: Map<string, Samples>, field = 0): number {
  let n = 0;
  for (const s of samples.values()) n += s.cols[field].filter((v) => v !== null).length;
  return n;
}
