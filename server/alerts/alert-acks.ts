/**
 * Acknowledgements of open incidents: made here (stored, then notified), or stored by another
 * server (adopted: the incident's alerts stop repeating here too, and the server that notifies
 * sends the acknowledgement once, under its own time).
 */
import type { Logger } from '../logger.ts';
import type { Acknowledgement } from '../../protocol/alerts.ts';
import { sameJson } from '../storage/canonical-json.ts';
import { incidentAlerts, type AlertBook } from './alert-book.ts';
import type { AlertNotices } from './alert-notices.ts';
import type { Notified } from './alert-state-store.ts';
import type { AlertEvaluator } from './evaluator.ts';
import type { Incident } from './incidents.ts';
import type { OperatorMarks } from './operator-marks.ts';

export class IncidentAcks {
  constructor(
    private readonly book: AlertBook,
    private readonly marks: OperatorMarks,
    private readonly evaluator: AlertEvaluator,
    private readonly notices: AlertNotices,
    /** Whether this server notifies now (AlertLeadership.canNotify). */
    private readonly canNotify: () => boolean,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  /**
   * Acknowledges every alert of an incident, with who, when and why; cleared when it resolves.
   * Resolves with null once stored, or the reason when there is no such open incident; rejects
   * with EditConflictError when another server acknowledged it meanwhile.
   */
  async acknowledge(incidentId: string, by: string, comment: string): Promise<string | null> {
    const inc = this.book.incidents.find((i) => i.id === incidentId);
    const n = this.book.notified.get(incidentId);
    if (!inc || !n) return `no active incident "${incidentId}"`;
    const ack = { by, atMs: this.clock(), comment };
    await this.marks.acknowledge(incidentId, ack);
    this.log.info(`alerts: ${incidentId} acknowledged by ${by}: ${comment}`);
    this.notifyAck(inc, n);
    await this.notices.written;
    return null;
  }

  /**
   * Applies the stored acknowledgements: an incident acknowledged on another server stops its
   * repeats here too, and its acknowledgement is notified as if made here (`own`, made here, is
   * notified by `acknowledge`).
   */
  adopt(own?: Acknowledgement): void {
    for (const inc of this.book.incidents) {
      const n = this.book.notified.get(inc.id);
      const ack = this.marks.acks[inc.id];
      if (!n || !ack || sameJson(n.ack, ack)) continue;
      n.ack = ack;
      this.acknowledgeAlerts(inc);
      // Notified once, by whichever server notifies (the leader), under the acknowledgement's own time.
      if (ack !== own) this.notifyAck(inc, n);
    }
  }

  /** Gives an incident's record this round (`n`) the acknowledgement made on another server before the incident opened here. */
  adoptEarlier(inc: Incident, n: Notified): void {
    if (n.ack || !this.marks.acks[inc.id]) return;
    n.ack = this.marks.acks[inc.id];
    this.acknowledgeAlerts(inc);
  }

  /** Sends an incident's acknowledgement once it paged, whichever server took it (an ack made on the standby is sent by the leader). */
  notifyAck(inc: Incident, n: Notified): void {
    if (!n.ack || !n.firingSent || n.ackSentAtMs === n.ack.atMs || !this.canNotify()) return;
    n.ackSentAtMs = n.ack.atMs;
    this.book.dirty = true;
    this.notices.notify('acknowledged', inc, this.clock(), n.ack, { ackAtMs: n.ack.atMs });
  }

  /** Stops the repeats of an acknowledged incident's alerts. */
  private acknowledgeAlerts(inc: Incident): void {
    for (const a of incidentAlerts(inc)) this.evaluator.acknowledge(a.rule.id, a.entity);
  }
}
