/**
 * Turns incident changes into notifications queued in the durable outbox: one ID per change
 * (the outbox's idempotency key), a dashboard link when `--public-url` is set, and the periodic
 * full-state refresh for channels that forget (Alertmanager).
 */
import type { Logger } from '../logger.ts';
import type { Incident } from './incidents.ts';
import type { Outbox } from './outbox.ts';
import type { Acknowledgement } from '../../protocol/alerts.ts';
import { incidentJson, type Channel, type Notification, type NotificationKind } from './notification.ts';

/** An open incident as a notification describes it. */
export interface NotifiedIncident {
  incident: Incident;
  ack: Acknowledgement | null;
  silenced: boolean;
}

export class IncidentNotifier {
  /** Resolves once the outbox holds every notification queued so far. */
  written: Promise<unknown> = Promise.resolve();
  private readonly channels: Map<string, Channel>;
  private readonly lastRefreshMs = new Map<string, number>();

  constructor(
    private readonly outbox: Outbox | null,
    channels: Channel[],
    /** Dashboard base URL for links; null = no links. */
    private readonly publicUrl: string | null,
    private readonly log: Logger,
  ) {
    this.channels = new Map(channels.map((c) => [c.name, c]));
  }

  private notification(kind: NotificationKind, n: NotifiedIncident, nowMs: number): Notification {
    const dashboardUrl = this.publicUrl ? `${this.publicUrl.replace(/\/+$/, '')}/#/incident/${encodeURIComponent(n.incident.id)}` : null;
    return { version: 1, kind, sentMs: nowMs, incident: incidentJson(n.incident), acknowledged: n.ack, silenced: n.silenced, dashboardUrl };
  }

  /** Queues one change of an incident; `suffix` tells apart two pages of one kind (an escalation's severity). */
  notify(kind: NotificationKind, n: NotifiedIncident, nowMs: number, suffix = ''): void {
    if (!this.outbox) return;
    const inc = n.incident;
    const id = `${inc.id}@${inc.startedMs}:${kind}${kind === 'repeat' || kind === 'acknowledged' ? `@${nowMs}` : ''}${suffix}`;
    const payload = this.notification(kind, n, nowMs);
    this.queue(this.outbox.enqueue(id, (ch) => this.channels.get(ch)?.format(payload)));
    this.log.info(`alerts: ${kind} ${inc.severity} ${inc.title}`);
  }

  /** Re-sends the full set of notified, firing incidents to channels that forget, each at its own interval. */
  refresh(nowMs: number, firing: () => NotifiedIncident[]): void {
    if (!this.outbox) return;
    for (const ch of this.channels.values()) {
      if (!ch.refresh || nowMs - (this.lastRefreshMs.get(ch.name) ?? 0) < ch.refresh.everyMs) continue;
      this.lastRefreshMs.set(ch.name, nowMs);
      const all = firing().map((n) => this.notification('repeat', n, nowMs));
      if (all.length === 0) continue;
      const payload = ch.refresh.format(all, nowMs);
      this.queue(this.outbox.enqueue(`refresh@${nowMs}`, (name) => (name === ch.name ? payload : undefined), 'refresh@'));
    }
  }

  private queue(stored: Promise<void>): void {
    this.written = Promise.all([this.written, stored]);
  }
}
