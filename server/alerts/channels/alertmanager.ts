/**
 * Alertmanager-compatible push (`POST {base}/api/v2/alerts`), so PagerDuty, Opsgenie and other
 * on-call stacks behind an Alertmanager receive Hallwatch incidents. One Alertmanager alert per
 * incident, identified by its labels; firing incidents are re-sent every minute with `endsAt`
 * four minutes ahead (as Prometheus does), so Alertmanager resolves them by itself if Hallwatch
 * goes away, and explicitly with `endsAt` = now when they resolve.
 */
import { consequencesText, rootCauseText, type Channel, type Notification } from '../notification.ts';
import { postJson, type HttpTargetConfig } from './http-post.ts';

const ALERTMANAGER_REFRESH_MS = 60_000;
const ENDS_AHEAD_MS = 4 * ALERTMANAGER_REFRESH_MS;

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function alertmanagerAlert(n: Notification): AlertmanagerAlert {
  const i = n.incident;
  const lead = [...i.roots, ...(i.consequences ?? []), ...i.children.flatMap((c) => c.alerts)][0];
  const description = [...i.roots, ...(i.consequences ?? [])].map((a) => `${a.entity}: ${a.summary}`).join('\n');
  const annotations: Record<string, string> = { summary: i.title, description, rule: lead?.rule ?? '', entity: lead?.entity ?? i.id, scope: i.scope };
  const cause = rootCauseText(i);
  if (cause) annotations.root_cause = cause;
  if (i.impact) annotations.impact = i.impact;
  if (i.action) annotations.action = i.action;
  const consequences = consequencesText(i);
  if (consequences) annotations.consequences = consequences;
  if (i.children.length) annotations.affected_racks = i.children.map((c) => c.rackId).join(', ');
  if (i.atRisk?.length) annotations.at_risk_racks = i.atRisk.join(', ');
  if (n.acknowledged) annotations.acknowledged = `${n.acknowledged.by} at ${iso(n.acknowledged.atMs)}: ${n.acknowledged.comment}`;
  if (n.silenced) annotations.silenced = 'true';
  return {
    // Labels identify the alert in Alertmanager: only what is fixed for the incident's life (its
    // members, and so its leading rule, change as racks join and leave).
    labels: { alertname: 'HallwatchIncident', incident: i.id, severity: i.severity, hall: i.hallId ?? '', source: 'hallwatch' },
    annotations,
    startsAt: iso(i.startedMs),
    endsAt: iso(n.kind === 'resolved' ? n.sentMs : n.sentMs + ENDS_AHEAD_MS),
    ...(n.dashboardUrl ? { generatorURL: n.dashboardUrl } : {}),
  };
}

/** The push endpoint for an Alertmanager base URL (`http://am:9093` → `…/api/v2/alerts`). */
export function alertmanagerEndpoint(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/api\/v2\/alerts$/, '') + '/api/v2/alerts';
}

export function alertmanagerChannel(cfg: HttpTargetConfig): Channel {
  const target = { ...cfg, url: alertmanagerEndpoint(cfg.url) };
  return {
    name: 'alertmanager',
    format: (n) => [alertmanagerAlert(n)],
    send: (d) => postJson(target, d),
    refresh: { everyMs: ALERTMANAGER_REFRESH_MS, format: (firing) => firing.map(alertmanagerAlert) },
  };
}
