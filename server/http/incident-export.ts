/**
 * `GET /api/incidents/history?format=csv|json`: the resolved incidents with their stories, for a
 * post-mortem. Readable by every signed-in role, as `GET /api/alerts` is; JSON by default.
 */
import type { ServerResponse } from 'node:http';
import type { IncidentHistoryExport, ResolvedIncident } from '../../protocol/alerts.ts';
import { historyCsv } from '../alerts/history-export.ts';
import { json } from './respond.ts';

/** Answers the export of `history` (newest first) in the format `params` asks for; 400 naming a bad one. */
export function incidentHistoryExport(res: ServerResponse, params: URLSearchParams, history: ResolvedIncident[], nowMs: number): void {
  const format = params.get('format') ?? 'json';
  if (format !== 'csv' && format !== 'json') return json(res, 400, { error: `format: "csv" or "json" is required, got ${JSON.stringify(format)}` });
  if (format === 'json') return json(res, 200, { version: 1, generatedMs: nowMs, incidents: history } satisfies IncidentHistoryExport);
  const name = `hallwatch-incidents-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}.csv`;
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8; header=present',
    'content-disposition': `attachment; filename="${name}"`,
    'cache-control': 'no-store',
  });
  res.end(historyCsv(history));
}
