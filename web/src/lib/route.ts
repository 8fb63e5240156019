/**
 * The view lives in the URL hash so a link reproduces it:
 *   #/                                   site overview
 *   #/hall/{id}?metric=return&rack={id}  hall heat map (with a rack's live panel; `cdu={id}`: a CDU's)
 *   #/hall/{id}?replay={tsMs}            hall heat map replaying the minute starting at tsMs (epoch ms)
 *   #/history/{kind}/{id}?from=now-1h&to=now[&gpu=N]   drill-down (kind: hall, row, rack, cdu)
 *   #/incident/{id}                      site overview with that incident highlighted (links in notifications)
 *   #/admin                              admin page (wall tokens, API tokens, users, rules)
 */
export type HistoryKind = 'hall' | 'row' | 'rack' | 'cdu';

export interface Route {
  hallId: string | null;
  metric: string | null;
  rackId: string | null;
  cduId?: string | null;
  /** Hall routes: the replayed minute's start, epoch ms (null or absent: live). */
  replayAtMs?: number | null;
  history?: { kind: HistoryKind; id: string; from: string; to: string; gpu: number | null } | null;
  incidentId?: string | null;
  admin?: boolean;
  /** A hash no view answers to (shown as such, not as the site). */
  unknown?: string;
}

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const h = /^\/history\/(hall|row|rack|cdu)\/([^/]+)$/.exec(path);
  if (h) {
    const gpu = params.get('gpu');
    return {
      hallId: null,
      metric: params.get('metric'),
      rackId: null,
      history: {
        kind: h[1] as HistoryKind,
        id: decodeURIComponent(h[2]),
        from: params.get('from') ?? 'now-1h',
        to: params.get('to') ?? 'now',
        gpu: gpu !== null && /^\d+$/.test(gpu) ? Number(gpu) : null,
      },
    };
  }
  if (path === '/admin') return { hallId: null, metric: null, rackId: null, admin: true };
  const inc = /^\/incident\/([^/]+)$/.exec(path);
  if (inc) return { hallId: null, metric: params.get('metric'), rackId: null, incidentId: decodeURIComponent(inc[1]) };
  const m = /^\/hall\/([^/]+)$/.exec(path);
  if (m || path === '/' || path === '') {
    const cdu = params.get('cdu');
    const replay = m ? params.get('replay') : null;
    return {
      hallId: m ? decodeURIComponent(m[1]) : null,
      metric: params.get('metric'),
      rackId: params.get('rack'),
      ...(cdu ? { cduId: cdu } : {}),
      ...(replay !== null && /^\d{1,15}$/.test(replay) ? { replayAtMs: Number(replay) } : {}),
    };
  }
  return { hallId: null, metric: null, rackId: null, unknown: hash };
}

export function formatRoute(r: Route): string {
  const params = new URLSearchParams();
  if (r.history) {
    const { kind, id, from, to, gpu } = r.history;
    params.set('from', from);
    params.set('to', to);
    if (gpu !== null) params.set('gpu', String(gpu));
    if (r.metric) params.set('metric', r.metric);
    return `#/history/${kind}/${encodeURIComponent(id)}?${params}`;
  }
  if (r.metric) params.set('metric', r.metric);
  if (r.rackId) params.set('rack', r.rackId);
  if (r.cduId) params.set('cdu', r.cduId);
  if (r.hallId && r.replayAtMs !== null && r.replayAtMs !== undefined) params.set('replay', String(r.replayAtMs));
  const q = params.toString();
  return `#/${r.hallId ? `hall/${encodeURIComponent(r.hallId)}` : ''}${q ? `?${q}` : ''}`;
}

/** Link to the drill-down of an entity over a range. */
export function historyHref(kind: HistoryKind, id: string, from = 'now-1h', to = 'now', gpu: number | null = null): string {
  return formatRoute({ hallId: null, metric: null, rackId: null, history: { kind, id, from, to, gpu } });
}

/** Link to a hall replaying the minute holding `atMs`. */
export function replayHref(hallId: string, atMs: number, metric: string | null = null): string {
  return formatRoute({ hallId, metric, rackId: null, replayAtMs: Math.floor(atMs / 60_000) * 60_000 });
}
