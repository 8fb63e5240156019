/**
 * `GET /api/history/hall?hall=ID&at=…&field=returnC`: one minute of a hall for the replay —
 * one kept field of every rack, every kept field of every CDU and the hall's totals, each the
 * mean over [at, at + 60 s). From the memory window when it holds that minute of every rack,
 * otherwise from InfluxDB's minute (or hour, past the minute tier's retention) rollups.
 */
import { fail, ok, type Result } from '../../protocol/result.ts';
import { CDU_HISTORY, RACK_HISTORY, TOTALS_HISTORY, type CduHistoryField, type HallSnapshot, type TotalsHistoryField } from '../../protocol/history.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { InfluxClient } from './influx-client.ts';
import type { MemoryWindow } from './memory-window.ts';
import type { HistoryService } from './history-service.ts';
import { MEASUREMENT, TAG, tierMeasurement } from './schema.ts';
import { storedName, unitOf } from './history-fields.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const CDU_FIELD_INDEXES = CDU_HISTORY.map((_, k) => k);

/** What a hall minute is read from. */
export interface HallSnapshotDeps {
  site: SiteIndex;
  memory: MemoryWindow;
  /** InfluxDB; null serves the memory window only. */
  influx: InfluxClient | null;
  history: HistoryService;
}

/** Parses the query and reads the minute; the message of a failure names the bad parameter. */
export async function hallSnapshot(deps: HallSnapshotDeps, params: URLSearchParams): Promise<Result<HallSnapshot, 'bad_param'>> {
  const { site, memory, influx, history } = deps;
  const hallId = params.get('hall') ?? '';
  if (!site.hallIds.has(hallId)) return fail('bad_param', `hall: no hall "${hallId}" in the site`);
  const field = params.get('field') ?? 'returnC';
  const f = (RACK_HISTORY as readonly string[]).indexOf(field);
  if (f < 0) return fail('bad_param', `field: "${field}" is not kept for racks (${RACK_HISTORY.join(', ')})`);
  const atText = params.get('at');
  const at = atText === null ? Number.NaN : /^\d+$/.test(atText) ? Number(atText) : Date.parse(atText);
  if (!Number.isFinite(at)) return fail('bad_param', `at: a time (epoch ms or ISO 8601) is required, got ${JSON.stringify(atText)}`);
  const atMs = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  const toMs = atMs + MINUTE_MS;
  const racks = site.racks.filter((r) => r.hallId === hallId);
  const cdus = site.cdus.filter((c) => c.hallId === hallId);
  const out: HallSnapshot = { hallId, atMs, field, unit: unitOf(field), source: 'memory', racks: {}, cdus: {}, totals: {} };
  const allInMemory = racks.every((r) => (memory.get(`rack:${r.id}`)?.oldestMs ?? Infinity) <= atMs);
  if (allInMemory || !influx) {
    out.totals = await hallTotals(history, hallId, atMs, toMs);
    for (const r of racks) {
      const v = memory.get(`rack:${r.id}`)?.query(atMs, toMs, MINUTE_MS, [f]).cols[0][0];
      if (typeof v === 'number') out.racks[r.id] = v;
    }
    for (const c of cdus) {
      const cols = memory.get(`cdu:${c.id}`)?.query(atMs, toMs, MINUTE_MS, CDU_FIELD_INDEXES).cols;
      if (!cols || cols[0].length === 0) continue;
      const values: Partial<Record<CduHistoryField, number>> = {};
      CDU_HISTORY.forEach((name, k) => {
        const v = cols[k][0];
        if (typeof v === 'number') values[name] = v;
      });
      out.cdus[c.id] = values;
    }
    return ok(out);
  }
  out.source = 'influx';
  const tier = history.tierFor({ kind: 'rack', id: '', fields: [field], fromMs: atMs, toMs, stepMs: MINUTE_MS });
  // Past the minute tier's retention only the hour holding the minute is kept.
  const [fromQ, toQ] = tier === 'h1' ? [Math.floor(atMs / HOUR_MS) * HOUR_MS, Math.floor(atMs / HOUR_MS) * HOUR_MS + HOUR_MS] : [atMs, toMs];
  out.totals = await hallTotals(history, hallId, fromQ, toQ);
  const suffix = tier === 'raw' ? '' : '_mean';
  const where = `WHERE "${TAG.hall}" = '${hallId.replace(/'/g, "\\'")}' AND time >= ${fromQ}ms AND time < ${toQ}ms`;
  const cduSelect = CDU_HISTORY.map((name) => `mean("${storedName('cdu', name)}${suffix}") AS "${name}"`).join(', ');
  const res = await influx.query(
    `SELECT mean("${storedName('rack', field)}${suffix}") FROM "${tier}"."${tierMeasurement(MEASUREMENT.rack, tier)}" ${where} GROUP BY "${TAG.rack}"; `
      + `SELECT ${cduSelect} FROM "${tier}"."${tierMeasurement(MEASUREMENT.cdu, tier)}" ${where} GROUP BY "${TAG.cdu}"`,
  );
  const err = res.error ?? res.results?.find((r) => r.error)?.error;
  if (err) throw new Error(`InfluxDB: ${err}`);
  for (const s of res.results?.[0]?.series ?? []) {
    const v = s.values[0]?.[1];
    if (s.tags?.rack && typeof v === 'number') out.racks[s.tags.rack] = v;
  }
  for (const s of res.results?.[1]?.series ?? []) {
    const id = s.tags?.cdu;
    const row = s.values[0];
    if (!id || !row) continue;
    const values: Partial<Record<CduHistoryField, number>> = {};
    // Columns: time, then the fields as selected.
    CDU_HISTORY.forEach((name, k) => {
      const v = row[k + 1];
      if (typeof v === 'number') values[name] = v;
    });
    out.cdus[id] = values;
  }
  return ok(out);
}

/** The hall's totals as one mean over [fromMs, toMs), through the history service (memory window or InfluxDB). */
async function hallTotals(history: HistoryService, hallId: string, fromMs: number, toMs: number): Promise<Partial<Record<TotalsHistoryField, number>>> {
  const res = await history.query({ kind: 'hall', id: hallId, fields: [...TOTALS_HISTORY], fromMs, toMs, stepMs: toMs - fromMs });
  const out: Partial<Record<TotalsHistoryField, number>> = {};
  const k = res.tsMs.findIndex((t) => t >= fromMs && t < toMs);
  if (k < 0) return out;
  for (const name of TOTALS_HISTORY) {
    const v = res.values[name]?.[k];
    if (typeof v === 'number') out[name] = v;
  }
  return out;
}
