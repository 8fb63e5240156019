/**
 * Turns incident changes into notifications queued in the outbox (the directory, or the stream of
 * a pair): one deterministic ID per change (the idempotency key), a dashboard link when
 * `--public-url` is set, and the periodic full-state refresh for channels that forget
 * (Alertmanager).
 */
import type { Logger } from '../logger.ts';
import type { Incident } from './incidents.ts';
import type { NotificationQueue } from './outbox.ts';
import type { Acknowledgement } from '../../protocol/alerts.ts';
import { incidentJson, type Channel, type Notification, type NotificationKind } from './notification.ts';

/** An open incident as a notification describes it. */
export interface NotifiedIncident {
  incident: Incident;
  ack: Acknowledgement | null;
  silenced: boolean;
}

/** What tells two notifications of one incident and kind apart. */
export interface IdFacts {
  /** A worse severity joined: the page carries it. */
  escalation?: boolean;
  /** The repeat interval (repeats), ms. */
  repeatMs?: number;
  /** When the repeat was decided (repeats), ms. */
  nowMs?: number;
  /** The acknowledgement's own time (acknowledged). */
  ackAtMs?: number;
}

/**
 * The repeat slot a repeat belongs to: the incident's start plus whole repeat intervals. Two
 * servers deciding the same repeat agree on it; successive repeats (at least an interval apart)
 * never share one.
 */
export function repeatSlotMs(startedMs: number, repeatMs: number, nowMs: number): number {
  if (!(repeatMs > 0)) return nowMs;
  return startedMs + Math.max(1, Math.floor((nowMs - startedMs) / repeatMs)) * repeatMs;
}

/**
 * A notification's ID (a channel's name appended makes the delivery ID, sent as
 * Idempotency-Key): a function of the incident and its state only, never of the time a server
 * decided it, so two servers deciding the same notification give it the same ID and the stream
 * keeps one. `{incident}@{start}:{kind}`, then `:{severity}` for an escalation, `@{repeat slot}`
 * for a repeat, `@{acknowledgement time}` for an acknowledgement.
 */
export function notificationId(kind: NotificationKind, inc: Pick<Incident, 'id' | 'startedMs' | 'severity'>, f: IdFacts): string {
  const base = `${inc.id}@${inc.startedMs}:${kind}`;
  if (kind === 'firing') return f.escalation ? `${base}:${inc.severity}` : base;
  if (kind === 'repeat') return `${base}@${repeatSlotMs(inc.startedMs, f.repeatMs ?? 0, f.nowMs ?? inc.startedMs)}`;
  if (kind === 'acknowledged') return `${base}@${f.ackAtMs ?? 0}`;
  return base;
}

export class IncidentNotifier {
  /** Resolves once the outbox holds every notification queued so far. */
  written: Promise<unknown> = Promise.resolve();
  private readonly channels: Map<string, Channel>;
  private readonly lastRefreshSlotMs = new Map<string, number>();

  constructor(
    private readonly outbox: NotificationQueue | null,
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

  /** Queues one change of an incident under its deterministic ID (`notificationId()`). */
  notify(kind: NotificationKind, n: NotifiedIncident, nowMs: number, facts: IdFacts = {}): void {
    if (!this.outbox) return;
    const inc = n.incident;
    const payload = this.notification(kind, n, nowMs);
    this.queue(this.outbox.enqueue(notificationId(kind, inc, facts), (ch) => this.channels.get(ch)?.format(payload)));
    this.log.info(`alerts: ${kind} ${inc.severity} ${inc.title}`);
  }

  /**
   * Re-sends the full set of notified, firing incidents to channels that forget, once per
   * refresh slot of each channel (`refresh@<slot start>`: a new leader refreshing in the slot the
   * old one already did is dropped by the stream).
   */
  refresh(nowMs: number, firing: () => NotifiedIncident[]): void {
    if (!this.outbox) return;
    for (const ch of this.channels.values()) {
      if (!ch.refresh) continue;
      const slotMs = Math.floor(nowMs / ch.refresh.everyMs) * ch.refresh.everyMs;
      if (this.lastRefreshSlotMs.get(ch.name) === slotMs) continue;
      this.lastRefreshSlotMs.set(ch.name, slotMs);
      const all = firing().map((n) => this.notification('repeat', n, nowMs));
      if (all.length === 0) continue;
      const payload = ch.refresh.format(all, nowMs);
      this.queue(this.outbox.enqueue(`refresh@${slotMs}`, (name) => (name === ch.name ? payload : undefined), 'refresh@'));
    }
  }

  private queue(stored: Promise<void>): void {
    this.written = Promise.all([this.written, stored]);
  }
}
