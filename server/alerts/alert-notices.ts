/**
 * Queues the notifications of open incidents as this server's evaluation describes them: with
 * the acknowledgement given, and whether a silence mutes the incident at that time.
 */
import type { Acknowledgement, Silence } from '../../protocol/alerts.ts';
import type { AlertBook } from './alert-book.ts';
import type { IdFacts, IncidentNotifier } from './incident-notifier.ts';
import type { Incident } from './incidents.ts';
import type { NotificationKind } from './notification.ts';
import type { SilenceBook } from './silence-book.ts';

export class AlertNotices {
  constructor(
    private readonly notifier: IncidentNotifier,
    private readonly silences: SilenceBook,
    private readonly book: AlertBook,
  ) {}

  /** Resolves once the outbox holds every notification queued so far. */
  get written(): Promise<unknown> {
    return this.notifier.written;
  }

  /** The silence that mutes an incident at `nowMs`, if any. */
  silenceFor(i: Incident, nowMs: number): Silence | undefined {
    return this.silences.muting(i, nowMs);
  }

  /** Queues one change of an incident. */
  notify(kind: NotificationKind, inc: Incident, nowMs: number, ack: Acknowledgement | null, facts: IdFacts = {}): void {
    this.notifier.notify(kind, { incident: inc, ack, silenced: this.silenceFor(inc, nowMs) !== undefined }, nowMs, facts);
  }

  /** Re-sends the full set of notified, firing incidents to channels that forget (Alertmanager). */
  refreshChannels(nowMs: number): void {
    const notified = this.book.notified;
    const firing = () => this.book.incidents.filter((i) => notified.get(i.id)?.firingSent);
    this.notifier.refresh(nowMs, () =>
      firing().map((i) => ({ incident: i, ack: notified.get(i.id)?.ack ?? null, silenced: this.silenceFor(i, nowMs) !== undefined })),
    );
  }
}
