/**
 * Notifies the campus-scope incidents — a hall shard that stopped beating — once: `firing` when it
 * turns unreachable, `resolved` when it beats again. A silence of its halls mutes it as a shard's
 * silence mutes a shard's incident: no page while it mutes, the page when it ends (unless someone
 * acknowledged the incident meanwhile), and no `resolved` for an incident never paged. On a
 * campus pair only the leader of the campus's own lease queues them, with IDs derived from the
 * incident, so a new leader re-sending one is dropped by the notification stream.
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
  /** Open campus-scope incidents, by ID, and whether their `firing` was sent. */
  private readonly open = new Map<string, { inc: IncidentView; paged: boolean }>();
  sent = 0;

  constructor(private readonly d: CampusNotifierDeps) {}

  /**
   * On each state tick, while this campus view leads: new or unmuted incidents fire, gone ones that
   * were paged resolve. A new leader fires what is open again; the notification stream drops what
   * the old one sent.
   */
  onTick(): void {
    if (!this.d.leads()) return this.open.clear();
    const now = new Map(this.d.incidents().map((i) => [i.id, i]));
    for (const [id, was] of this.open) if (!now.has(id) && was.paged) this.notify('resolved', was.inc);
    for (const [id, inc] of now) {
      const was = this.open.get(id);
      const page = !was?.paged && inc.silencedBy === null && !(was && inc.acknowledged);
      if (page) this.notify('firing', inc);
      this.open.set(id, { inc, paged: (was?.paged ?? false) || page });
    }
    for (const id of [...this.open.keys()]) if (!now.has(id)) this.open.delete(id);
  }

  private notify(kind: NotificationKind, inc: IncidentView): void {
    const { acknowledged, silencedBy, ...incident } = inc;
    const payload: Notification = {
      version: 1, kind, sentMs: this.d.clock(), incident, acknowledged, silenced: silencedBy !== null,
      dashboardUrl: this.d.publicUrl ? `${this.d.publicUrl.replace(/\/+$/, '')}/#/incident/${encodeURIComponent(inc.id)}` : null,
    };
    const formatted = new Map(this.d.channels.map((c) => [c.name, c.format(payload)]));
    this.sent++;
    this.d.outbox.enqueue(`${kind}:${inc.id}`, (ch) => formatted.get(ch)).catch((e: Error) => this.d.log.error(`campus: ${kind} ${inc.title} not queued: ${e.message}`));
    this.d.log.info(`campus: ${kind} ${inc.severity} ${inc.title}`);
  }
}
