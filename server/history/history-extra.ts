/**
 * Two history views the dashboard's drill-down needs besides single series:
 * per-GPU power of one rack over time (mean per window of `--gpu-window-s`, 60 s by default),
 * one value of every rack of a hall at a chosen minute (hall replay), and per-row percentiles
 * and time above limit over a range (row-summary.ts). All come from the memory window when it covers the time,
 * otherwise from InfluxDB.
 */
import { fail, ok, type Result } from '../../protocol/result.ts';
import type { GpuHistory, HallRowsSummary, HallSnapshot } from '../../protocol/history.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { InfluxClient } from './influx-client.ts';
import type { MemoryWindow } from './memory-window.ts';
import { GPU_PACKED, MEASUREMENT, TAG, gpuFieldNames, tierMeasurement } from './schema.ts';
import { bucketMeans, decodeBlockValues, samplesOf } from './raw-block.ts';
import { MAX_POINTS, autoStepMs, memoryOnlyWarning, parseHistoryQuery, type HistoryService } from './history-service.ts';
import { hallSnapshot } from './hall-snapshot.ts';
import { RowSummaryBuilder } from './row-summary.ts';
import { RACK_HISTORY } from '../../protocol/history.ts';
import { storedName } from './history-fields.ts';

/**
 * Steps per rack the row summary asks InfluxDB for at most: a 1 GW hall of 1,850 racks is then
 * ≤ 333,000 points per answer. Coarser steps average short peaks away, so minutes above limit
 * over long ranges are a lower bound.
 */
const ROW_SUMMARY_STEPS = 180;

/** What the GPU and hall-replay views read from. */
export interface HistoryExtraDeps {
  site: SiteIndex;
  memory: MemoryWindow;
  /** InfluxDB; null serves the memory window only. */
  influx: InfluxClient | null;
  history: HistoryService;
  clock: () => number;
  /** The recorder's per-GPU window, ms. */
  gpuWindowMs: number;
}

export class HistoryExtra {
  private readonly site: SiteIndex;
  private readonly memory: MemoryWindow;
  private readonly influx: InfluxClient | null;
  private readonly history: HistoryService;
  private readonly clock: () => number;
  private readonly gpuWindowMs: number;

  constructor(deps: HistoryExtraDeps) {
    ({ site: this.site, memory: this.memory, influx: this.influx, history: this.history, clock: this.clock, gpuWindowMs: this.gpuWindowMs } = deps);
  }

  /** `GET /api/history/gpu?rack=ID&from=…&to=…` */
  async gpu(params: URLSearchParams): Promise<Result<GpuHistory, 'bad_param'>> {
    const rackId = params.get('rack') ?? '';
    const i = this.site.rackIndexById.get(rackId);
    if (i === undefined) return fail('bad_param', `rack: no rack "${rackId}" in the site`);
    const p = new URLSearchParams(params);
    p.set('entity', `rack:${rackId}`);
    p.delete('fields');
    const q = parseHistoryQuery(p, this.site, this.clock());
    if (!q.ok) return q;
    const { fromMs, toMs } = q.value;
    const w = this.gpuWindowMs;
    const stepMs = Math.max(w, Math.ceil((toMs - fromMs) / MAX_POINTS / w) * w);
    const gpuCount = this.site.racks[i].gpuCount;
    const ring = this.memory.get(`gpu:${rackId}`);
    const gpus = Array.from({ length: gpuCount }, (_, g) => g);
    if ((ring && ring.oldestMs <= fromMs) || !this.influx) {
      const cols = ring ? ring.query(fromMs, toMs, stepMs, gpus) : { tsMs: [], cols: gpus.map(() => []) };
      return ok({ rackId, fromMs, toMs, stepMs, source: 'memory', tsMs: cols.tsMs, gpuW: cols.cols });
    }
    // Points since blocks pack every GPU's mean in one string; older points have a field per GPU.
    const legacy = gpus.map((g) => `"${gpuFieldNames(g).meanW}"`).join(', ');
    const res = await this.influx.query(
      `SELECT "${GPU_PACKED.meanW}", ${legacy} FROM "raw"."${MEASUREMENT.gpu}" WHERE "${TAG.rack}" = '${rackId}' AND time >= ${fromMs}ms AND time < ${toMs}ms`,
    );
    const rows = (res.results?.[0]?.series?.[0]?.values ?? []).map((r): unknown[] => {
      const packed = decodeBlockValues(r[1], gpuCount);
      return [r[0], ...gpus.map((g) => (typeof r[1] === 'string' ? packed[g] : r[g + 2]))];
    });
    const b = bucketMeans(samplesOf([], rows, gpuCount, fromMs, toMs), stepMs);
    return ok({ rackId, fromMs, toMs, stepMs, source: 'influx', tsMs: b.tsMs, gpuW: b.cols });
  }

  /** `GET /api/history/hall?hall=ID&at=…&field=returnC` (hall-snapshot.ts) */
  hall(params: URLSearchParams): Promise<Result<HallSnapshot, 'bad_param'>> {
    return hallSnapshot({ site: this.site, memory: this.memory, influx: this.influx, history: this.history }, params);
  }

  /**
   * `GET /api/history/rows?hall=ID&from=…&to=…`: each row's return and power percentiles,
   * rack-minutes above the return limit and hottest rack, from step means of every rack (10 s
   * or coarser in memory; InfluxDB's minute or hour rollups, at most ROW_SUMMARY_STEPS per rack).
   */
  async rows(params: URLSearchParams): Promise<Result<HallRowsSummary, 'bad_param'>> {
    const hallId = params.get('hall') ?? '';
    if (!this.site.hallIds.has(hallId)) return fail('bad_param', `hall: no hall "${hallId}" in the site`);
    const p = new URLSearchParams(params);
    p.set('entity', `hall:${hallId}`);
    p.delete('fields');
    p.delete('step');
    const q = parseHistoryQuery(p, this.site, this.clock());
    if (!q.ok) return q;
    const { fromMs, toMs } = q.value;
    const racks = this.site.racks.filter((r) => r.hallId === hallId);
    const rowIds = this.site.rows.filter((r) => r.hallId === hallId).map((r) => r.id);
    // From memory only when it holds the whole range for every rack (as for the hall replay).
    const oldest = racks.map((r) => this.memory.get(`rack:${r.id}`)?.oldestMs ?? Infinity);
    const covered = oldest.every((t) => t <= fromMs);
    if (covered || !this.influx) {
      const stepMs = Math.max(10_000, autoStepMs(toMs - fromMs));
      const b = new RowSummaryBuilder(rowIds, stepMs);
      const size = Math.ceil((toMs - fromMs) / stepMs) + 2;
      const [ts, ts2, ret, kw] = [new Float64Array(size), new Float64Array(size), new Float64Array(size), new Float64Array(size)];
      const [fRet, fKw] = [(RACK_HISTORY as readonly string[]).indexOf('returnC'), (RACK_HISTORY as readonly string[]).indexOf('rackKw')];
      for (const r of racks) {
        const ring = this.memory.get(`rack:${r.id}`);
        if (!ring) continue;
        const n = ring.bucketsInto(fromMs, toMs, stepMs, fRet, ts, ret);
        ring.bucketsInto(fromMs, toMs, stepMs, fKw, ts2, kw);
        b.add(r, ts, ret, kw, n);
      }
      const out: HallRowsSummary = { hallId, fromMs, toMs, stepMs, source: 'memory', rows: b.result() };
      if (!covered) out.warning = memoryOnlyWarning(Math.min(toMs, Math.max(fromMs, ...oldest.filter((t) => Number.isFinite(t)))));
      return ok(out);
    }
    const tier = this.history.tierFor({ kind: 'rack', id: '', fields: [], fromMs, toMs, stepMs: 60_000 }) === 'h1' ? 'h1' : 'm1';
    const unitMs = tier === 'h1' ? 3_600_000 : 60_000;
    const stepMs = Math.max(unitMs, Math.ceil((toMs - fromMs) / ROW_SUMMARY_STEPS / unitMs) * unitMs);
    const res = await this.influx.query(
      `SELECT mean("${storedName('rack', 'returnC')}_mean") AS "r", mean("${storedName('rack', 'rackKw')}_mean") AS "p" `
        + `FROM "${tier}"."${tierMeasurement(MEASUREMENT.rack, tier)}" WHERE "${TAG.hall}" = '${hallId}' `
        + `AND time >= ${Math.floor(fromMs)}ms AND time < ${Math.ceil(toMs)}ms GROUP BY time(${stepMs}ms), "${TAG.rack}" fill(none)`,
    );
    const err = res.error ?? res.results?.find((r) => r.error)?.error;
    if (err) throw new Error(`InfluxDB: ${err}`);
    const b = new RowSummaryBuilder(rowIds, stepMs);
    for (const s of res.results?.[0]?.series ?? []) {
      const i = this.site.rackIndexById.get(s.tags?.rack ?? '');
      if (i === undefined) continue;
      const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
      b.add(this.site.racks[i], s.values.map((v) => num(v[0])), s.values.map((v) => num(v[1])), s.values.map((v) => num(v[2])), s.values.length);
    }
    return ok({ hallId, fromMs, toMs, stepMs, source: 'influx', rows: b.result() });
  }
}
