/**
 * How an open incident reads: its alerts split into roots (the cause) and children (racks
 * affected), ordered most severe first, with a one-line title and the racks it touches. Pure.
 */
import type { ActiveAlert } from './evaluator.ts';
import { SEVERITY_RANK, type IncidentJson } from '../../protocol/alerts.ts';
import { signalText } from './rules.ts';
import type { OpenIncident } from './incident-grouping.ts';
import { splitEntity, type SitePlaces } from './incident-places.ts';

/** An incident as the server keeps it: its wire shape (IncidentJson) with the live alerts in it. */
export interface Incident extends Omit<IncidentJson, 'roots' | 'children'> {
  roots: ActiveAlert[];
  children: { rackId: string; alerts: ActiveAlert[] }[];
}

const bySeverity = (a: ActiveAlert, b: ActiveAlert) => SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[b.rule.severity];
const ordered = (list: ActiveAlert[]) => [...list].sort((a, b) => bySeverity(a, b) || a.state.firedAtMs - b.state.firedAtMs);

/** The incident `o` as a view of its firing alerts (`firing` by `rule|entity` key). */
export function viewIncident(o: OpenIncident, firing: Map<string, ActiveAlert>, places: SitePlaces): Incident {
  const alerts = [...o.members].map((k) => firing.get(k)!);
  const racks = new Map<string, ActiveAlert[]>();
  const others: ActiveAlert[] = [];
  for (const a of alerts) {
    const [kind, id] = splitEntity(a.entity);
    const list = kind === 'rack' ? racks.get(id) : undefined;
    if (list) list.push(a);
    else if (kind === 'rack') racks.set(id, [a]);
    else others.push(a);
  }
  let roots = others;
  let children = [...racks].map(([rackId, list]) => ({ rackId, alerts: list })).sort((a, b) => a.rackId.localeCompare(b.rackId));
  if (others.length === 0 && children.length === 1) {
    roots = children[0].alerts;
    children = [];
  }
  roots = ordered(roots);
  for (const c of children) c.alerts = ordered(c.alerts);
  // Most severe first; the sort is stable, so on a tie a root leads.
  const lead = [...roots, ...children.flatMap((c) => c.alerts)].sort(bySeverity)[0];
  const affected = new Set(children.map((c) => c.rackId));
  if (roots.length && roots[0].entity.startsWith('rack:')) affected.add(splitEntity(roots[0].entity)[1]);
  for (const a of others) {
    const p = a.entity.startsWith('cdu:') ? places.cdu(splitEntity(a.entity)[1]) : undefined;
    if (p) for (const id of places.groupRackIds(p)) affected.add(id);
  }
  const entities = [...new Set(alerts.map((a) => a.entity))];
  return {
    id: o.id,
    severity: lead.rule.severity,
    title: incidentTitle(places, lead, alerts, children.length, affected.size),
    startedMs: o.startedMs,
    scope: places.incidentScope(entities),
    hallId: places.hallOf(entities),
    roots,
    children,
    racks: [...affected].sort(),
  };
}

const plural = (n: number) => (n > 1 ? 's' : '');

/** "16 racks of h1-r07: …", "h1-r03-k05: … — now 62.1 °C", "h1-r01-cdu-a: CDU tripped — 16 racks affected". */
function incidentTitle(places: SitePlaces, lead: ActiveAlert, alerts: ActiveAlert[], childRacks: number, servedRacks: number): string {
  const same = alerts.filter((a) => a.rule.id === lead.rule.id);
  const [kind, id] = splitEntity(lead.entity);
  const now = same.length === 1 ? signalText(lead.rule.signal, lead.state.value) : '';
  let who = kind === 'site' ? 'site' : id;
  if (same.length > 1) {
    const noun = kind === 'rack' ? 'racks' : kind === 'cdu' ? 'CDUs' : `${kind}s`;
    who = `${same.length} ${noun} of ${places.scopeName(places.scopeOf(same.map((a) => a.entity)))}`;
  }
  const affected = kind === 'rack' ? ''
    : childRacks > 0 ? ` — ${childRacks} rack${plural(childRacks)} affected`
    : servedRacks > 0 ? ` — its group serves ${servedRacks} rack${plural(servedRacks)}`
    : '';
  const others = alerts.length - same.length;
  const more = kind === 'rack' && others > 0 ? ` (+ ${others} more alert${plural(others)})` : '';
  return `${who}: ${lead.detail ?? lead.rule.summary + now}${affected}${more}`;
}
