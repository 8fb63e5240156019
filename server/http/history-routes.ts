/**
 * The history routes' answers, apart from HTTP: the server answers its own browsers with them and
 * a hall shard answers the campus view's requests for its halls (server/campus/shard-publisher.ts).
 */
import type { SiteIndex } from '../site/site-index.ts';
import { parseHistoryQuery, type HistoryService } from '../history/history-service.ts';
import type { HistoryExtra } from '../history/history-extra.ts';

/** An answer to send as JSON with its status. */
export interface RouteAnswer {
  status: number;
  body: unknown;
}

export interface HistorySources {
  site: SiteIndex;
  history: HistoryService | null;
  historyExtra: HistoryExtra | null;
}

/** Paths of the history routes. */
export const HISTORY_PATHS = ['/api/history', '/api/history/gpu', '/api/history/hall', '/api/history/rows'] as const;

export function isHistoryPath(path: string): boolean {
  return (HISTORY_PATHS as readonly string[]).includes(path);
}

/** The answer to a history route, or null when the path is not one or this server keeps no history. */
export async function historyAnswer(d: HistorySources, path: string, params: URLSearchParams, nowMs: number): Promise<RouteAnswer | null> {
  if (path === '/api/history') {
    if (!d.history) return null;
    const q = parseHistoryQuery(params, d.site, nowMs);
    if (!q.ok) return { status: 400, body: { error: q.message } };
    try {
      return { status: 200, body: await d.history.query(q.value) };
    } catch (e) {
      return { status: 502, body: { error: (e as Error).message } };
    }
  }
  if (!isHistoryPath(path) || !d.historyExtra) return null;
  try {
    const x = d.historyExtra;
    const r = path.endsWith('gpu') ? await x.gpu(params) : path.endsWith('rows') ? await x.rows(params) : await x.hall(params);
    return r.ok ? { status: 200, body: r.value } : { status: 400, body: { error: r.message } };
  } catch (e) {
    return { status: 502, body: { error: (e as Error).message } };
  }
}
