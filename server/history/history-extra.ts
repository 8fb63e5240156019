/**
 * Two history views the dashboard's drill-down needs besides single series:
 * per-GPU power of one rack over time (mean per window of `--gpu-window-s`, 60 s by default),
 * and one value of every rack of a hall at a chosen minute (hall replay). Both come from the memory window when it covers the time,
 * otherwise from InfluxDB.
 */
import { fail, ok, type Result } from '../../protocol/result.ts';
import type { GpuHistory, HallSnapshot } from '../../protocol/history.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { InfluxClient } from './influx-client.ts';
import type { MemoryWindow } from './memory-window.ts';
import { GPU_PACKED, MEASUREMENT, TAG, gpuFieldNames } from './schema.ts';
import { bucketMeans, decodeBlockValues, samplesOf } from './raw-block.ts';
import { MAX_POINTS, parseHistoryQuery, type HistoryService } from './history-service.ts';
import { hallSnapshot } from './hall-snapshot.ts';

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
}
