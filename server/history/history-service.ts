/**
 * `GET /api/history?entity=rack:{id}|cdu:{id}|row:{id}|hall:{id}|site&fields=a,b&from=…&to=…[&step=…]`
 * Columnar history at a resolution that follows the range (≤ 2,000 points per series), served
 * from the memory window when it covers the range, otherwise from the InfluxDB tier whose
 * resolution and retention fit.
 */
import { fail, ok, type Result } from '../../protocol/result.ts';
import { parseDurationMs, parseTimeMs } from '../../protocol/time.ts';
import type { HistoryResponse } from '../../protocol/history.ts';
export type { HistoryResponse };
import type { SiteIndex } from '../site/site-index.ts';
import type { InfluxClient } from './influx-client.ts';
import type { MemoryWindow } from './memory-window.ts';
import { rawInfluxQl, rawSteps, type RawQuery } from './raw-query.ts';
import { MEASUREMENT, SITE_TOTALS_ID, TAG, TIER_STEP_MS, tierMeasurement, type RawFormat, type Tier } from './schema.ts';
import { historyFields, storedName, unitOf, type EntityKind } from './history-fields.ts';

export const MAX_POINTS = 2000;
const MAX_RANGE_MS = 2 * 366 * 86_400_000;
/** Steps the resolution snaps to, ms. */
const NICE_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

export interface HistoryQuery {
  kind: EntityKind;
  id: string;
  fields: string[];
  fromMs: number;
  toMs: number;
  stepMs: number;
}


/** What a range reaching before the memory window gets without InfluxDB: what is missing and how to keep more. */
export function memoryOnlyWarning(oldestMs: number): string {
  return `history before ${new Date(oldestMs).toISOString()} is not kept: without InfluxDB only the memory window is kept. `
    + 'To keep more, connect InfluxDB (--influx URL, HALLWATCH_INFLUX_URL) or give the memory window more room (--history-memory-mb, HALLWATCH_HISTORY_MEMORY_MB).';
}

/** The smallest nice step giving at most MAX_POINTS buckets over the range. */
export function autoStepMs(rangeMs: number): number {
  return NICE_STEPS_MS.find((s) => rangeMs / s <= MAX_POINTS) ?? Math.ceil(rangeMs / MAX_POINTS / 86_400_000) * 86_400_000;
}

/** Validates the query string; the message names the bad parameter. */
export function parseHistoryQuery(params: URLSearchParams, site: SiteIndex, nowMs: number): Result<HistoryQuery, 'bad_param'> {
  const entity = params.get('entity');
  if (!entity) return fail('bad_param', 'entity: required, e.g. rack:h1-r01-k01, cdu:…, row:…, hall:…, site');
  const [kindText, id = ''] = entity === 'site' ? ['site', 'site'] : entity.split(/:(.*)/s);
  const kind = kindText as EntityKind;
  const known =
    kind === 'rack' ? site.rackIndexById.has(id)
    : kind === 'cdu' ? site.cduIndexById.has(id)
    : kind === 'row' ? site.rows.some((r) => r.id === id)
    : kind === 'hall' ? site.hallIds.has(id)
    : kind === 'site';
  if (!['rack', 'cdu', 'row', 'hall', 'site'].includes(kind)) return fail('bad_param', `entity: kind must be rack, cdu, row, hall or site, got "${kindText}"`);
  if (!known) return fail('bad_param', `entity: no ${kind} "${id}" in the site`);
  const allowed = historyFields(kind);
  const fields = (params.get('fields') ?? allowed.join(',')).split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = fields.find((f) => !allowed.includes(f));
  if (unknown !== undefined) return fail('bad_param', `fields: "${unknown}" is not kept for ${kind}s (${allowed.join(', ')})`);
  if (fields.length === 0) return fail('bad_param', 'fields: at least one field');
  const toMs = params.has('to') ? parseTimeMs(params.get('to')!, nowMs) : nowMs;
  if (toMs === null) return fail('bad_param', `to: not a time (epoch ms, ISO 8601, now, now-6h): "${params.get('to')}"`);
  const fromMs = params.has('from') ? parseTimeMs(params.get('from')!, nowMs) : toMs - 3_600_000;
  if (fromMs === null) return fail('bad_param', `from: not a time (epoch ms, ISO 8601, now, now-6h): "${params.get('from')}"`);
  if (fromMs >= toMs) return fail('bad_param', 'from: must be before to');
  if (toMs - fromMs > MAX_RANGE_MS) return fail('bad_param', 'from: range longer than 2 years');
  let stepMs = autoStepMs(toMs - fromMs);
  if (params.has('step')) {
    const s = params.get('step')!;
    const d = /^\d+$/.test(s) ? Number(s) : parseDurationMs(s);
    if (d === null || d < 1000) return fail('bad_param', `step: a duration of at least 1 s (e.g. 10s, 1m, 1h, or ms), got "${s}"`);
    if ((toMs - fromMs) / d > MAX_POINTS) {
      return fail('bad_param', `step: ${s} gives more than ${MAX_POINTS} points over this range; use at least ${autoStepMs(toMs - fromMs) / 1000} s`);
    }
    stepMs = d;
  }
  return ok({ kind, id, fields, fromMs, toMs, stepMs });
}

/** How long InfluxDB keeps each tier, ms. */
export interface Retention {
  rawMs: number;
  m1Ms: number;
}

/** An InfluxQL retention (7d, 104w, 48h, INF) in ms; config.ts lets through only those forms. */
export function retentionMs(d: string): number {
  return d === 'INF' ? Number.POSITIVE_INFINITY : parseDurationMs(d)!;
}

/** What the history service reads from. */
export interface HistoryServiceDeps {
  memory: MemoryWindow;
  /** InfluxDB; null serves the memory window only. */
  influx: InfluxClient | null;
  retention: Retention;
  clock: () => number;
  /** The recorder's raw block window, ms: a block holds samples up to this long after its time (default 10,000). */
  blockMs?: number;
  /** How the recorder writes the raw tier (default blocks): raw-query.ts reads it so. */
  rawFormat?: RawFormat;
  /** The `id` tag the recorder gives this server's site totals (recorder-series.ts, default "site"). */
  siteTotalsId?: string;
}

export class HistoryService {
  private readonly memory: MemoryWindow;
  private readonly influx: InfluxClient | null;
  private readonly retention: Retention;
  private readonly clock: () => number;
  private readonly blockMs: number;
  private readonly rawFormat: RawFormat;
  private readonly siteTotalsId: string;

  constructor(deps: HistoryServiceDeps) {
    ({ memory: this.memory, influx: this.influx, retention: this.retention, clock: this.clock } = deps);
    ({ blockMs: this.blockMs = 10_000, rawFormat: this.rawFormat = 'blocks', siteTotalsId: this.siteTotalsId = SITE_TOTALS_ID } = deps);
  }

  /** The tier InfluxDB serves a query from: the coarsest one finer than the step and still retained. */
  tierFor(q: HistoryQuery): Tier {
    const age = this.clock() - q.fromMs;
    if (q.stepMs >= TIER_STEP_MS.h1 || age > this.retention.m1Ms) return 'h1';
    if (q.stepMs >= TIER_STEP_MS.m1 || age > this.retention.rawMs) return 'm1';
    return 'raw';
  }

  async query(q: HistoryQuery): Promise<HistoryResponse> {
    const memKey = `${q.kind}:${q.id}`;
    const ring = this.memory.get(memKey);
    const base = {
      entity: q.kind === 'site' ? 'site' : memKey,
      fromMs: q.fromMs,
      toMs: q.toMs,
      stepMs: q.stepMs,
      fields: q.fields.map((name) => ({ name, unit: unitOf(name) })),
    };
    const fromMemory = (warning?: string): HistoryResponse => {
      const all = historyFields(q.kind);
      const cols = ring ? ring.query(q.fromMs, q.toMs, q.stepMs, q.fields.map((f) => all.indexOf(f))) : { tsMs: [], cols: q.fields.map(() => []) };
      const values = Object.fromEntries(q.fields.map((f, k) => [f, cols.cols[k]]));
      const out: HistoryResponse = { ...base, source: 'memory', tier: null, tsMs: cols.tsMs, values };
      if (warning) out.warning = warning;
      else if (!ring || ring.oldestMs > q.fromMs) {
        out.warning = memoryOnlyWarning(ring?.oldestMs ?? q.toMs);
      }
      return out;
    };
    const covered = ring !== undefined && ring.oldestMs <= q.fromMs;
    if (covered || !this.influx) return fromMemory();
    const tier = this.tierFor(q);
    // A hall shard's site totals are stored under its own ID (shards may share one database).
    const stored = q.kind === 'site' ? { ...q, id: this.siteTotalsId } : q;
    const raw = rawQuery(stored);
    let res;
    try {
      res = await this.influx.query(tier === 'raw' ? rawInfluxQl(raw, this.rawFormat, this.blockMs) : influxQl(stored, tier));
    } catch (e) {
      return fromMemory(`InfluxDB unavailable (${(e as Error).message.slice(0, 200)}): showing the in-memory window only`);
    }
    const err = res.error ?? res.results?.find((r) => r.error)?.error;
    if (err) throw new Error(`InfluxDB: ${err}`);
    if (tier === 'raw') {
      const b = rawSteps(res.results?.[0]?.series?.[0]?.values ?? [], res.results?.[1]?.series?.[0]?.values ?? [], raw, this.rawFormat);
      return { ...base, source: 'influx', tier, tsMs: b.tsMs, values: Object.fromEntries(q.fields.map((f, k) => [f, b.cols[k]])) };
    }
    const series = res.results?.[0]?.series?.[0];
    const tsMs: number[] = [];
    const values: Record<string, (number | null)[]> = Object.fromEntries(q.fields.map((f) => [f, []]));
    for (const row of series?.values ?? []) {
      tsMs.push(row[0] as number);
      q.fields.forEach((f, k) => values[f].push(typeof row[k + 1] === 'number' ? (row[k + 1] as number) : null));
    }
    return { ...base, source: 'influx', tier, tsMs, values };
  }
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function baseMeasurement(q: HistoryQuery): string {
  return q.kind === 'rack' ? MEASUREMENT.rack : q.kind === 'cdu' ? MEASUREMENT.cdu : MEASUREMENT.totals;
}

function entityWhere(q: HistoryQuery): string {
  return q.kind === 'rack' ? `"${TAG.rack}" = ${quote(q.id)}`
    : q.kind === 'cdu' ? `"${TAG.cdu}" = ${quote(q.id)}`
    : `"${TAG.scope}" = ${quote(q.kind)} AND "${TAG.id}" = ${quote(q.id)}`;
}

/** `q` on the raw tier (raw-query.ts). */
function rawQuery(q: HistoryQuery): RawQuery {
  const { fromMs, toMs, stepMs } = q;
  return { measurement: baseMeasurement(q), where: entityWhere(q), storedFields: q.fields.map((f) => storedName(q.kind, f)), fromMs, toMs, stepMs };
}

/** InfluxQL for a query on a rollup tier: the mean per step of the `_mean` fields. */
export function influxQl(q: HistoryQuery, tier: Tier): string {
  const measurement = baseMeasurement(q);
  const select = q.fields
    .map((f) => `mean("${storedName(q.kind, f)}${tier === 'raw' ? '' : '_mean'}") AS "${f}"`)
    .join(', ');
  const where = entityWhere(q);
  return `SELECT ${select} FROM "${tier}"."${tierMeasurement(measurement, tier)}" `
    + `WHERE ${where} AND time >= ${Math.floor(q.fromMs)}ms AND time < ${Math.ceil(q.toMs)}ms GROUP BY time(${q.stepMs}ms) fill(none)`;
}
