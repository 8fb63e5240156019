/**
 * Groups firing alerts into incidents along the cooling path: a CDU alert is the root of its
 * redundancy group, and the alerts of the racks that group serves become its children — one
 * incident (and one notification) for a failed CDU, not one per rack. Racks with no CDU alert
 * above them form an incident each. Pure.
 */
import type { SiteIndex } from '../site/site-index.ts';
import type { ActiveAlert } from './evaluator.ts';
import { SEVERITIES, type Severity } from './rules.ts';

export interface Incident {
  /** Stable while the root cause lasts: `group:{id}`, `rack:{id}` or `hall:{id}`. */
  id: string;
  severity: Severity;
  title: string;
  startedMs: number;
  /** Alerts on the root (the CDUs of a group, the rack, or the hall). */
  roots: ActiveAlert[];
  /** Affected racks below the root, each with its own alerts. */
  children: { rackId: string; alerts: ActiveAlert[] }[];
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

function worst(alerts: ActiveAlert[]): Severity {
  return alerts.reduce<Severity>((w, a) => (rank(a.rule.severity) < rank(w) ? a.rule.severity : w), 'warning');
}

export function groupIncidents(site: SiteIndex, alerts: ActiveAlert[]): Incident[] {
  const firing = alerts.filter((a) => a.state.phase === 'firing');
  const groupOfCdu = new Map(site.cdus.map((c) => [c.id, c.redundancyGroup]));
  const groupOfRack = new Map(site.racks.map((r) => [r.id, r.redundancyGroup]));
  const byGroup = new Map<string, ActiveAlert[]>();
  const byRack = new Map<string, ActiveAlert[]>();
  const incidents: Incident[] = [];
  for (const a of firing) {
    const [kind, id] = a.entity.split(/:(.*)/s);
    if (kind === 'cdu') {
      const g = groupOfCdu.get(id)!;
      byGroup.set(g, [...(byGroup.get(g) ?? []), a]);
    } else if (kind === 'rack') {
      byRack.set(id, [...(byRack.get(id) ?? []), a]);
    } else {
      incidents.push({ id: a.entity, severity: a.rule.severity, title: `${id}: ${a.rule.summary}`, startedMs: a.state.firedAtMs, roots: [a], children: [] });
    }
  }
  for (const [g, roots] of byGroup) {
    const children: Incident['children'] = [];
    for (const [rackId, rackAlerts] of byRack) {
      if (groupOfRack.get(rackId) !== g) continue;
      children.push({ rackId, alerts: rackAlerts });
      byRack.delete(rackId);
    }
    const all = [...roots, ...children.flatMap((c) => c.alerts)];
    const lead = [...roots].sort((a, b) => rank(a.rule.severity) - rank(b.rule.severity))[0];
    incidents.push({
      id: `group:${g}`,
      severity: worst(all),
      title: `${lead.entity.slice(4)}: ${lead.rule.summary}${children.length ? ` — ${children.length} rack${children.length > 1 ? 's' : ''} affected` : ''}`,
      startedMs: Math.min(...roots.map((a) => a.state.firedAtMs)),
      roots,
      children: children.sort((a, b) => a.rackId.localeCompare(b.rackId)),
    });
  }
  for (const [rackId, roots] of byRack) {
    const lead = [...roots].sort((a, b) => rank(a.rule.severity) - rank(b.rule.severity))[0];
    incidents.push({ id: `rack:${rackId}`, severity: worst(roots), title: `${rackId}: ${lead.rule.summary}`, startedMs: Math.min(...roots.map((a) => a.state.firedAtMs)), roots, children: [] });
  }
  return incidents.sort((a, b) => rank(a.severity) - rank(b.severity) || a.startedMs - b.startedMs);
}
