/** The view lives in the URL hash so a link reproduces it: `#/hall/{id}?metric=return&rack={id}`. */
export interface Route {
  hallId: string | null;
  metric: string | null;
  rackId: string | null;
}

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const m = /^\/hall\/([^/]+)$/.exec(path);
  return { hallId: m ? decodeURIComponent(m[1]) : null, metric: params.get('metric'), rackId: params.get('rack') };
}

export function formatRoute(r: Route): string {
  const params = new URLSearchParams();
  if (r.metric) params.set('metric', r.metric);
  if (r.rackId) params.set('rack', r.rackId);
  const q = params.toString();
  return `#/${r.hallId ? `hall/${encodeURIComponent(r.hallId)}` : ''}${q ? `?${q}` : ''}`;
}
