/**
 * The recorder's three series — racks, CDUs and totals (site, halls, rows) — with what each
 * needs per entity: tags, memory-window key, rollups, point layouts built on first use, open
 * raw blocks, rings, and the resume floors under which a replayed sample is not stored again.
 */
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY } from '../../protocol/history.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { storedName, type EntityKind } from './history-fields.ts';
import { PointFormat } from './line-protocol.ts';
import type { SeriesRing } from './memory-window.ts';
import type { BlockFormat, OpenBlock } from './raw-block.ts';
import type { ResumeTarget } from './resume.ts';
import { Rollup } from './rollup.ts';
import { MEASUREMENT, RACK_RAW_EXTRAS, ROLLUP_SAMPLES, ROLLUP_STATS, SITE_TOTALS_ID, TAG, tierMeasurement, type RawFormat, type Tier } from './schema.ts';

/** One kind of entity as the recorder stores it. */
export interface Series {
  kind: EntityKind;
  measurement: string;
  fields: readonly string[];
  /** Stored field names of a raw point: the fields, then the extras (rack: RACK_RAW_EXTRAS, values at the same offsets). */
  rawKeys: readonly string[];
  m1: Rollup;
  h1: Rollup;
  /** Entities of this kind on the site. */
  size: number;
  /** Tags of entity `key`. */
  tags: (key: number) => Record<string, string>;
  memoryKey: (key: number) => string;
  /** Point layouts per entity and tier, built on first use (the escaping is done once). */
  formats: Record<Tier, (PointFormat | undefined)[]>;
  /** Open raw blocks and their layouts, per entity. */
  blocks: (OpenBlock | undefined)[];
  blockFormats: (BlockFormat | undefined)[];
  /** Memory-window rings per entity. */
  rings: (SeriesRing | undefined)[];
  /** Per entity, the newest sample an earlier run stored raw / in its rollups (resume): replayed samples up to it are not stored again. */
  rawThroughMs: Float64Array | null;
  rollupThroughMs: Float64Array | null;
}

/**
 * The site's rack, CDU and totals series. Totals keys: 0 = site (stored with `id` tag
 * `totalsId`), 1…H = halls, then rows.
 */
export function siteSeries(site: SiteIndex, totalsId = SITE_TOTALS_ID): { rack: Series; cdu: Series; totals: Series } {
  const series = (
    kind: EntityKind, measurement: string, fields: readonly string[], size: number,
    tags: Series['tags'], memoryKey: Series['memoryKey'], extras: readonly string[] = [],
  ): Series => ({
    kind, measurement, fields, size, tags, memoryKey, m1: new Rollup(60_000, fields.length), h1: new Rollup(3_600_000, fields.length),
    rawKeys: [...fields, ...extras].map((f) => storedName(kind, f)), formats: { raw: [], m1: [], h1: [] }, blocks: [], blockFormats: [], rings: [],
    rawThroughMs: null, rollupThroughMs: null,
  });
  const rack = series('rack', MEASUREMENT.rack, RACK_HISTORY, site.racks.length, (i) => {
    const r = site.racks[i];
    return { [TAG.hall]: r.hallId, [TAG.row]: r.rowId, [TAG.rack]: r.id };
  }, (i) => `rack:${site.racks[i].id}`, RACK_RAW_EXTRAS);
  const cdu = series('cdu', MEASUREMENT.cdu, CDU_HISTORY, site.cdus.length, (j) => {
    const c = site.cdus[j];
    return { [TAG.hall]: c.hallId, [TAG.row]: c.rowId, [TAG.cdu]: c.id };
  }, (j) => `cdu:${site.cdus[j].id}`);
  const halls = site.view.halls;
  const scopeOf = (k: number) => (k === 0 ? { scope: 'site', id: 'site' }
    : k <= halls.length ? { scope: 'hall', id: halls[k - 1].id } : { scope: 'row', id: site.rows[k - 1 - halls.length].id });
  const totals = series('site', MEASUREMENT.totals, TOTALS_HISTORY, 1 + halls.length + site.rows.length, (k) => {
    const s = scopeOf(k);
    return { [TAG.scope]: s.scope, [TAG.id]: k === 0 ? totalsId : s.id };
  }, (k) => {
    const s = scopeOf(k);
    return `${s.scope}:${s.id}`;
  });
  return { rack, cdu, totals };
}

/**
 * Entity `key`'s point layout in `tier` (raw: the raw keys, values at 3 decimals as blocks hold
 * them; rollups: mean, min, max per field, then the sample count, exact).
 */
export function pointFormat(s: Series, tier: Tier, key: number): PointFormat {
  let f = s.formats[tier][key];
  if (!f) {
    const keys = tier === 'raw' ? s.rawKeys : [...s.fields.flatMap((x) => ROLLUP_STATS.map((stat) => `${storedName(s.kind, x)}_${stat}`)), ROLLUP_SAMPLES];
    f = s.formats[tier][key] = new PointFormat(tierMeasurement(s.measurement, tier), s.tags(key), keys, tier === 'raw');
  }
  return f;
}

/** How `s` is stored, for reading back where the last run's history ends. */
export function resumeTarget(s: Series, rawFormat: RawFormat = 'blocks'): ResumeTarget {
  const idTag = s.kind === 'rack' ? TAG.rack : s.kind === 'cdu' ? TAG.cdu : TAG.id;
  const keys = new Map<string, number>();
  for (let k = 0; k < s.size; k++) keys.set(s.tags(k)[idTag], k);
  return { measurement: s.measurement, idTag, fields: s.fields.map((f) => storedName(s.kind, f)), keyOf: (id) => keys.get(id), rawFormat };
}

/** Start of entity `key`'s window of `windowMs` holding `tsMs`, shifted per entity by whole seconds. */
export function shiftedWindowStart(key: number, tsMs: number, windowMs: number): number {
  const shiftMs = ((key * 7919) % Math.max(1, Math.floor(windowMs / 1000))) * 1000;
  return Math.floor((tsMs - shiftMs) / windowMs) * windowMs + shiftMs;
}
