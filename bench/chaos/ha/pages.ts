/**
 * Notifications of a pair counted against the incidents either server showed: how many pages
 * were due, sent, sent more than once, never sent. Pure: the scenarios feed it what the webhook
 * receiver took and what both servers' `/api/alerts` listed.
 *
 * A page is one kind of one incident: its `firing` (an escalation, whose key carries the new
 * severity, is a page of its own), or its `resolved`. Two deliveries of one page — the same
 * Idempotency-Key twice, or two keys for one incident (a server that restarted its start time)
 * — are a duplicate.
 */

/** One webhook delivery as received. */
export interface Delivery {
  key: string;
  kind: string;
  incidentId: string;
  atMs: number;
}

/** An incident as a server listed it open. */
export interface SeenIncident {
  id: string;
  startedMs: number;
  /** Which servers listed it (by name), with when each first and last did, ms. */
  seenBy: Record<string, [number, number]>;
  firstSeenMs: number;
  lastSeenMs: number;
  silenced: boolean;
  /** Rules of its root alerts, as listed. */
  rules: string[];
}

export interface PageCount {
  expected: number;
  sent: number;
  duplicated: number;
  lost: number;
  /** Incidents never paged, and those paged twice: `group:h1-r01`, … */
  lostIds: string[];
  duplicatedIds: string[];
}

/** `{incident}@{startedMs}:firing[:severity]:webhook` → `firing` or `firing:severity`; the kind for any other. */
export function pageOf(d: Delivery): string {
  if (d.kind !== 'firing') return d.kind;
  const m = /:firing(?::([a-z]+))?:[a-z]+$/.exec(d.key);
  return m?.[1] ? `firing:${m[1]}` : 'firing';
}

/** Deliveries of `kind` grouped by incident, then by page. */
function byIncident(deliveries: Delivery[], kind: string): Map<string, Map<string, Delivery[]>> {
  const out = new Map<string, Map<string, Delivery[]>>();
  for (const d of deliveries) {
    if (d.kind !== kind) continue;
    const pages = out.get(d.incidentId) ?? out.set(d.incidentId, new Map()).get(d.incidentId)!;
    const page = pageOf(d);
    (pages.get(page) ?? pages.set(page, []).get(page)!).push(d);
  }
  return out;
}

/**
 * Firing pages in [fromMs, toMs]: due for each incident that opened in the window (started at
 * or after `fromMs` on some server) and was not silenced, unless it was paged before the window
 * (`earlier`: deliveries before `fromMs`).
 */
export function countFiring(seen: SeenIncident[], deliveries: Delivery[], earlier: Delivery[], fromMs: number): PageCount {
  const pagedBefore = new Set(earlier.filter((d) => d.kind === 'firing').map((d) => d.incidentId));
  const due = new Set(seen.filter((i) => i.startedMs >= fromMs && !i.silenced && !pagedBefore.has(i.id)).map((i) => i.id));
  return tally(due, byIncident(deliveries, 'firing'));
}

/** Resolved pages: due for each incident whose firing was sent in the window and that is no longer open anywhere. */
export function countResolved(stillOpen: Set<string>, deliveries: Delivery[]): PageCount {
  const fired = byIncident(deliveries, 'firing');
  const due = new Set([...fired.keys()].filter((id) => !stillOpen.has(id)));
  return tally(due, byIncident(deliveries, 'resolved'));
}

function tally(due: Set<string>, sentByIncident: Map<string, Map<string, Delivery[]>>): PageCount {
  let sent = 0;
  const duplicatedIds: string[] = [];
  for (const [id, pages] of sentByIncident) {
    sent += pages.size;
    if ([...pages.values()].some((ds) => ds.length > 1)) duplicatedIds.push(id);
  }
  const lostIds = [...due].filter((id) => !sentByIncident.has(id));
  let duplicated = 0;
  for (const pages of sentByIncident.values()) for (const ds of pages.values()) duplicated += ds.length - 1;
  return { expected: due.size, sent, duplicated, lost: lostIds.length, lostIds: lostIds.sort(), duplicatedIds: duplicatedIds.sort() };
}
