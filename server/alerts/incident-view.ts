/**
 * How an open incident reads: its alerts split into roots (the cause), consequences (CDUs
 * reacting to it) and children (racks with alerts of their own), ordered most severe first, with
 * a one-line title naming the cause, the racks affected and at risk, and what it costs and what
 * to do (incident-cause.ts). Pure: the live state comes in through `IncidentFacts`.
 */
import type { ActiveAlert } from './evaluator.ts';
import { SEVERITY_RANK, type IncidentJson } from '../../protocol/alerts.ts';
import { signalText } from './rules.ts';
import type { OpenIncident } from './incident-grouping.ts';
import { splitEntity, type SitePlaces } from './incident-places.ts';
import { splitRoots } from './incident-roots.ts';
import { describeCause, type IncidentFacts } from './incident-cause.ts';

type Described = 'rootCause' | 'atRisk' | 'action' | 'impact';

/** An incident as the server keeps it: its wire shape (IncidentJson) with the live alerts in it. */
export interface Incident extends Omit<IncidentJson, 'roots' | 'children' | 'consequences' | Described>, Required<Pick<IncidentJson, Described>> {
  roots: ActiveAlert[];
  consequences: ActiveAlert[];
  children: { rackId: string; alerts: ActiveAlert[] }[];
}

const bySeverity = (a: ActiveAlert, b: ActiveAlert) => SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[b.rule.severity];
const ordered = (list: ActiveAlert[]) => [...list].sort((a, b) => bySeverity(a, b) || a.state.firedAtMs - b.state.firedAtMs);

/** The incident `o` as a view of its firing alerts (`firing` by `rule|entity` key), with what `facts` knows of its entities. */
export function viewIncident(o: OpenIncident, firing: Map<string, ActiveAlert>, places: SitePlaces, facts: IncidentFacts | null = null): Incident {
  const alerts = [...o.members].map((k) => firing.get(k)!);
  const split = splitRoots(alerts);
  const roots = ordered(split.roots);
  const consequences = ordered(split.consequences);
  const children = split.children.map((c) => ({ rackId: c.rackId, alerts: ordered(c.alerts) }));
  // The headline names the cause; the severity is the worst of everything in it.
  const lead = roots[0] ?? ordered(children.flatMap((c) => c.alerts))[0];
  const worst = ordered(alerts)[0];
  const entities = [...new Set(alerts.map((a) => a.entity))];
  const scope = places.incidentScope(entities);
  const cause = describeCause({ roots, consequences, children }, scope, places, facts);
  return {
    id: o.id,
    severity: worst.rule.severity,
    title: namedRackTitle(cause.rootCause, roots, cause.atRisk.length) ?? incidentTitle(places, lead, alerts, children.length, cause.atRisk.length),
    startedMs: o.startedMs,
    scope,
    hallId: places.hallOf(entities),
    roots,
    consequences,
    children,
    racks: cause.racks,
    rootCause: cause.rootCause,
    atRisk: cause.atRisk,
    action: cause.action,
    impact: cause.impact,
  };
}

const plural = (n: number) => (n > 1 ? 's' : '');
const atRiskText = (n: number) => (n > 0 ? ` — ${n} rack${plural(n)} at risk` : '');

/**
 * "h1-r01-k05: flow at 45 % of what its load needs (82 of 182 L/min) — 15 racks at risk": the
 * title of an incident whose cause the live state names (a rack short of flow under its group's
 * imbalance) before an alert of its own does; null otherwise.
 */
function namedRackTitle(cause: Incident['rootCause'], roots: ActiveAlert[], atRisk: number): string | null {
  if (!cause?.entity.startsWith('rack:') || roots.some((a) => a.entity === cause.entity)) return null;
  return `${splitEntity(cause.entity)[1]}: ${cause.why}${atRiskText(atRisk)}`;
}

/** "16 racks of h1-r07: …", "h1-r03-k05: … — now 62.1 °C", "h1-r01-cdu-a: CDU tripped — 16 racks at risk". */
function incidentTitle(places: SitePlaces, lead: ActiveAlert, alerts: ActiveAlert[], childRacks: number, atRisk: number): string {
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
    : atRiskText(atRisk);
  const others = alerts.length - same.length;
  const more = kind === 'rack' && others > 0 ? ` (+ ${others} more alert${plural(others)})` : '';
  return `${who}: ${lead.detail ?? lead.rule.summary + now}${affected}${more}`;
}
