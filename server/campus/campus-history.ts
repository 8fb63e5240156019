/**
 * History on the campus view: each request goes to the hall shard holding the hall it is about;
 * the site's totals over a range combine every shard's answer (sums, the hottest return, headroom
 * share recomputed), and say which halls are missing from them.
 */
import type { NatsConnection } from 'nats';
import { readJsonMessage } from './json-message.ts';
import type { HistoryResponse } from '../../protocol/history.ts';
import type { ShardAnswer } from '../../protocol/campus.ts';
import { shardRequestSubject } from '../../protocol/campus-subjects.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { RouteAnswer } from '../http/history-routes.ts';
import type { ShardLinks } from './shard-links.ts';

/** The hall a history request is about; 'site' for the site's totals; null when it names nothing known. */
export function hallOfRequest(site: SiteIndex, path: string, params: URLSearchParams): string | 'site' | null {
  if (path === '/api/history/gpu') {
    const i = site.rackIndexById.get(params.get('rack') ?? '');
    return i === undefined ? null : site.racks[i].hallId;
  }
  if (path !== '/api/history') return site.hallIds.has(params.get('hall') ?? '') ? params.get('hall') : null;
  const entity = params.get('entity') ?? '';
  if (entity === 'site') return 'site';
  const [kind, id = ''] = entity.split(/:(.*)/s);
  if (kind === 'rack') return site.racks[site.rackIndexById.get(id) ?? -1]?.hallId ?? null;
  if (kind === 'cdu') return site.cdus[site.cduIndexById.get(id) ?? -1]?.hallId ?? null;
  if (kind === 'row') return site.rows.find((r) => r.id === id)?.hallId ?? null;
  if (kind === 'hall') return site.hallIds.has(id) ? id : null;
  return null;
}

const SUMMED = new Set(['itKw', 'heatKw', 'coolingCapacityKw', 'headroomKw', 'n1HeadroomKw', 'racksLive', 'racksStale', 'racksOffline']);

/** The site's totals from each shard's answer for its halls, step by step (the shards' steps are the same range's). */
export function combineSiteHistory(parts: HistoryResponse[], missingHalls: string[]): HistoryResponse {
  const first = parts[0];
  const tsMs = [...new Set(parts.flatMap((p) => p.tsMs))].sort((a, b) => a - b);
  const at = new Map(tsMs.map((t, k) => [t, k]));
  const values: Record<string, (number | null)[]> = {};
  for (const f of first.fields) {
    const out: (number | null)[] = new Array(tsMs.length).fill(null);
    for (const p of parts) {
      const col = p.values[f.name] ?? [];
      p.tsMs.forEach((t, k) => {
        const v = col[k];
        if (v === null || v === undefined) return;
        const o = at.get(t)!;
        const prev = out[o];
        out[o] = prev === null ? v : f.name === 'maxReturnC' ? Math.max(prev, v) : SUMMED.has(f.name) ? prev + v : prev;
      });
    }
    values[f.name] = out;
  }
  if (values.headroomPct && values.headroomKw && values.coolingCapacityKw) {
    values.headroomPct = tsMs.map((_, k) => {
      const cap = values.coolingCapacityKw[k];
      const head = values.headroomKw[k];
      return cap !== null && head !== null && cap > 0 ? (head / cap) * 100 : null;
    });
  }
  const warnings = parts.map((p) => p.warning).filter(Boolean);
  if (missingHalls.length > 0) warnings.unshift(`without ${missingHalls.join(', ')}: no hall shard answered for them`);
  const combined: HistoryResponse = { ...first, entity: 'site', tsMs, values };
  if (warnings.length > 0) combined.warning = warnings.join('; ');
  else delete combined.warning;
  return combined;
}

/**
 * The site's query to each shard: the headroom share is recomputed from the site's sums, so a
 * query for it also asks for headroomKw and coolingCapacityKw (`extra`, dropped from the answer).
 */
export function siteQuery(params: URLSearchParams): { params: URLSearchParams; extra: string[] } {
  const fields = params.get('fields')?.split(',').map((f) => f.trim()).filter(Boolean);
  if (!fields?.includes('headroomPct')) return { params, extra: [] };
  const extra = ['headroomKw', 'coolingCapacityKw'].filter((f) => !fields.includes(f));
  const out = new URLSearchParams(params);
  out.set('fields', [...fields, ...extra].join(','));
  return { params: out, extra };
}

export interface CampusHistoryDeps {
  connection: () => NatsConnection;
  links: ShardLinks;
  site: SiteIndex;
  siteKey: string;
  clock: () => number;
  requestTimeoutMs: number;
}

export class CampusHistory {
  constructor(private readonly d: CampusHistoryDeps) {}

  private async ask(shard: string, path: string, params: URLSearchParams): Promise<ShardAnswer> {
    const body = JSON.stringify({ req: 'history', path, query: params.toString() });
    const m = await this.d.connection().request(shardRequestSubject(this.d.siteKey, shard, 'history'), new TextEncoder().encode(body), {
      timeout: this.d.requestTimeoutMs,
    });
    return readJsonMessage(m) as ShardAnswer;
  }

  /** The answer to a history route, from the shard(s) holding what it asks for. */
  async answer(path: string, params: URLSearchParams): Promise<RouteAnswer | null> {
    const hall = hallOfRequest(this.d.site, path, params);
    if (hall === null) return { status: 400, body: { error: `${path}: names no rack, CDU, row or hall of the site (${params.toString()})` } };
    const halls = this.d.links.halls(this.d.clock());
    if (hall !== 'site') {
      const h = halls.find((x) => x.hallId === hall)!;
      if (!h.shard) return { status: 503, body: { error: h.reason } };
      try {
        return await this.ask(h.shard, path, params);
      } catch (e) {
        return { status: 502, body: { error: `hall shard ${h.shard} (server ${h.serverName}) did not answer: ${(e as Error).message}` } };
      }
    }
    const shards = [...new Set(halls.map((h) => h.shard).filter((s): s is string => s !== null))];
    const query = siteQuery(params);
    const answers = await Promise.all(shards.map((s) => this.ask(s, path, query.params).catch(() => null)));
    const parts: HistoryResponse[] = [];
    const answered = new Set<string>();
    answers.forEach((a, k) => {
      if (a?.status !== 200) return;
      parts.push(a.body as HistoryResponse);
      answered.add(shards[k]);
    });
    const missing = halls.filter((h) => !h.shard || !answered.has(h.shard)).map((h) => h.hallId);
    if (parts.length === 0) return { status: 502, body: { error: `no hall shard answered for the site's history (halls ${missing.join(', ')})` } };
    const combined = combineSiteHistory(parts, missing);
    for (const f of query.extra) delete combined.values[f];
    combined.fields = combined.fields.filter((f) => !query.extra.includes(f.name));
    return { status: 200, body: combined };
  }
}
