/**
 * What one server's evaluation holds between rounds: the open incidents, what was paged of each
 * (with its acknowledgement), the story of each, the resolved history, and whether any of it
 * changed since it was stored. The parts of AlertService (alert-service.ts) share one; it holds
 * no logic of its own.
 */
import type { ResolvedIncident } from '../../protocol/alerts.ts';
import type { Notified } from './alert-state-store.ts';
import type { ActiveAlert } from './evaluator.ts';
import type { Incident } from './incidents.ts';
import { IncidentStories } from './incident-story.ts';

export class AlertBook {
  /** The open incidents of the last concluded round, most severe and oldest first. */
  incidents: Incident[] = [];
  /** What was paged of each open incident, by incident ID, with its acknowledgement. */
  readonly notified = new Map<string, Notified>();
  /** Resolved incidents, newest first, at most `historyLimit` of them. */
  history: ResolvedIncident[] = [];
  /** What happened in each open incident so far, kept with it once it resolves. */
  readonly stories = new IncidentStories();
  /** Changed since it was last stored. */
  dirty = false;
}

/** Every alert of an incident: its roots, its consequences, then its children's. */
export function incidentAlerts(inc: Incident): ActiveAlert[] {
  return [...inc.roots, ...inc.consequences, ...inc.children.flatMap((c) => c.alerts)];
}

/** An incident repeats no more often than the shortest repeat interval of its alerts' rules, ms. */
export function incidentRepeatMs(inc: Incident): number {
  return Math.min(...incidentAlerts(inc).map((a) => a.rule.repeatMs));
}
