/**
 * What every channel is told about an incident change, and the JSON the generic webhook and
 * `/api/alerts` carry (docs/alerts.md). Channels format it their own way; pure.
 */
import type { Acknowledgement, AlertJson, IncidentJson } from '../../protocol/alerts.ts';
import type { ActiveAlert } from './evaluator.ts';
import type { Incident } from './incidents.ts';
import type { Sender } from './outbox.ts';

export type NotificationKind = 'firing' | 'repeat' | 'acknowledged' | 'resolved';

export function alertJson(a: ActiveAlert): AlertJson {
  return {
    rule: a.rule.id,
    severity: a.rule.severity,
    entity: a.entity,
    summary: a.rule.summary,
    value: a.state.value,
    phase: a.state.phase,
    firedAtMs: a.state.firedAtMs,
    acknowledged: a.state.acknowledged,
  };
}

export function incidentJson(i: Incident): IncidentJson {
  return {
    id: i.id,
    severity: i.severity,
    title: i.title,
    startedMs: i.startedMs,
    scope: i.scope,
    hallId: i.hallId,
    racks: i.racks,
    roots: i.roots.map(alertJson),
    children: i.children.map((c) => ({ rackId: c.rackId, alerts: c.alerts.map(alertJson) })),
    consequences: i.consequences.map(alertJson),
    rootCause: i.rootCause,
    atRisk: i.atRisk,
    action: i.action,
    impact: i.impact,
  };
}

/**
 * The consequences of an incident in one line, CDUs with the same rule together:
 * "h1-r01-cdu-a, h1-r01-cdu-b: rack flows of this CDU group differ > 20 % from their mean"; null when none.
 */
export function consequencesText(i: IncidentJson): string | null {
  const bySummary = new Map<string, string[]>();
  for (const a of i.consequences ?? []) {
    const id = a.entity.slice(a.entity.indexOf(':') + 1);
    const ids = bySummary.get(a.summary);
    if (ids) ids.push(id);
    else bySummary.set(a.summary, [id]);
  }
  return bySummary.size ? [...bySummary].map(([summary, ids]) => `${ids.join(', ')}: ${summary}`).join('; ') : null;
}

/** The root cause as channels print it: "rack:h1-r02-k05 — flow at 45 % of what its load needs (82 of 182 L/min)"; null when none. */
export function rootCauseText(i: IncidentJson): string | null {
  return i.rootCause ? `${i.rootCause.entity} — ${i.rootCause.why}` : null;
}

export interface Notification {
  version: 1;
  kind: NotificationKind;
  sentMs: number;
  incident: IncidentJson;
  acknowledged: Acknowledgement | null;
  silenced: boolean;
  /** Link to the incident on the dashboard when `--public-url` is set. */
  dashboardUrl: string | null;
}

/** A notification channel: formats a notification (null = nothing to send) and delivers it. */
export interface Channel {
  name: string;
  format(n: Notification): unknown;
  send: Sender;
  /**
   * Channels whose receiver forgets alerts that are not re-sent (Alertmanager) get the full set of
   * firing incidents every `refreshMs`.
   */
  refresh?: { everyMs: number; format(firing: Notification[], nowMs: number): unknown };
  /** Releases connections (MQTT). */
  stop?(): Promise<void>;
}

