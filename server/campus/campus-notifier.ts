/**
 * Notifies the campus-scope incidents — a hall shard that stopped beating — once: `firing` when it
 * turns unreachable, `resolved` when it beats again. On a campus pair only the leader of the
 * campus's own lease queues them, with IDs derived from the incident, so a new leader re-sending
 * one is dropped by the notification stream.
 */
import type { IncidentView } from '../../protocol/alerts.ts';
import type { Channel, Notification, NotificationKind } from '../alerts/notification.ts';
import type { NotificationQueue } from '../alerts/outbox.ts';
import type { Logger } from '../logger.ts';

export interface CampusNotifierDeps {
  /** The open campus-scope incidents now. */
  incidents: () => IncidentView[];
  outbox: NotificationQueue;
  channels: Channel[];
  /** Whether this campus view sends (the leader of its pair; always for one server). */
  leads: () => boolean;
  publicUrl: string | null;
  log: Logger;
  clock: () => number;
}

export class CampusNotifier {
  /** Open campus-scope incidents already notified, by ID. */
  private readonly open = new Map<string, IncidentView>();
  sent = 0;

  constructor(private readonly d: CampusNotifierDeps) {}

  /**
   * On each state tick, while this campus view leads: new incidents fire, gone ones resolve. A new
   * leader fires what is open again; the notification stream drops what the old one sent.
   */
  onTick(): void {
    if (!this.d.leads()) return this.open.clear();
    const now = new Map(this.d.incidents().map((i) => [i.id, i]));
    for (const [id, inc] of now) if (!this.open.has(id)) this.notify('firing', inc);
    for (const [id, inc] of this.open) if (!now.has(id)) this.notify('resolved', inc);
    this.open.clear();
    for (const [id, inc] of now) this.open.set(id, inc);
  }

  private notify(kind: NotificationKind, inc: IncidentView): void {
    const { acknowledged, silencedBy: _silenced, ...incident } = inc;
    const payload: Notification = {
      version: 1, kind, sentMs: this.d.clock(), incident, acknowledged, silenced: false,
      dashboardUrl: this.d.publicUrl ? `${this.d.publicUrl.replace(/\/+$/, '')}/#/incident/${encodeURIComponent(inc.id)}` : null,
    };
    const formatted = new Map(this.d.channels.map((c) => [c.name, c.format(payload)]));
    this.sent++;
    this.d.outbox.enqueue(`${kind}:${inc.id}`, (ch) => formatted.get(ch)).catch((e: Error) => this.d.log.error(`campus: ${kind} ${inc.title} not queued: ${e.message}`));
    this.d.log.info(`campus: ${kind} ${inc.severity} ${inc.title}`);
  }
}
