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
  };
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

