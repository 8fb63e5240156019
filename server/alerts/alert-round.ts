/**
 * Concludes a whole pass of evaluation over the site: groups the firing alerts into incidents,
 * decides what each open incident pages (paging.ts) and queues it when this server notifies,
 * applies acknowledgements stored before an incident opened here, adds the round to each
 * incident's story, moves resolved incidents to the history with their story (notifying those
 * that paged), and refreshes channels that forget.
 */
import type { IncidentStory, ResolvedIncident } from '../../protocol/alerts.ts';
import { incidentAlerts, incidentRepeatMs, type AlertBook } from './alert-book.ts';
import type { IncidentAcks } from './alert-acks.ts';
import type { Notified } from './alert-state-store.ts';
import type { AlertNotices } from './alert-notices.ts';
import type { AlertEvaluator, Transition } from './evaluator.ts';
import type { Incident, IncidentTracker } from './incidents.ts';
import { incidentJson } from './notification.ts';
import type { OperatorMarks } from './operator-marks.ts';
import { pageFor } from './paging.ts';

export interface AlertRoundParts {
  book: AlertBook;
  evaluator: AlertEvaluator;
  tracker: IncidentTracker;
  marks: OperatorMarks;
  acks: IncidentAcks;
  notices: AlertNotices;
  /** Whether this server notifies now (AlertLeadership.canNotify). */
  canNotify: () => boolean;
  /** Resolved incidents kept for the dashboard's history tab. */
  historyLimit: number;
}

/** `rule|entity`, as incidents key their members. */
const keyOf = (a: { rule: { id: string }; entity: string }) => `${a.rule.id}|${a.entity}`;

export class AlertRound {
  constructor(private readonly p: AlertRoundParts) {}

  /** Incidents and notifications after a whole pass over the site (its `transitions`); returns whether it paged. */
  conclude(transitions: Transition[], nowMs: number): boolean {
    const { book, notices, acks, canNotify } = this.p;
    if (transitions.length) book.dirty = true;
    const notifyEntities = new Set(transitions.filter((t) => t.notify && !t.events.includes('resolved')).map(keyOf));
    const repeatEntities = new Set(transitions.filter((t) => t.notify && t.events.includes('repeat')).map(keyOf));
    const next = this.p.tracker.update(this.p.evaluator.active());
    let paged = false;
    for (const inc of next) {
      const keys = incidentAlerts(inc).map(keyOf);
      const silence = notices.silenceFor(inc, nowMs);
      const page = pageFor(book.notified.get(inc.id), {
        startedMs: inc.startedMs,
        severity: inc.severity,
        silenced: silence !== undefined,
        notifying: keys.some((k) => notifyEntities.has(k)),
        repeating: keys.some((k) => repeatEntities.has(k)),
        nowMs,
        repeatMs: () => incidentRepeatMs(inc),
      });
      acks.adoptEarlier(inc, page.next);
      book.stories.advance(inc.id, inc, { ack: page.next.ack ?? null, silence: silence ?? null }, nowMs);
      book.notified.set(inc.id, page.next);
      if (page.changed) book.dirty = true;
      if (page.send && canNotify()) {
        notices.notify(page.send, inc, nowMs, page.next.ack ?? null, { escalation: page.escalation, repeatMs: incidentRepeatMs(inc), nowMs });
        paged = true;
      }
      acks.notifyAck(inc, page.next);
    }
    const resolvedAcked = this.resolve(new Set(next.map((i) => i.id)), nowMs);
    book.incidents = next;
    this.p.marks.afterRound(resolvedAcked, (id) => book.notified.has(id), nowMs);
    if (canNotify()) notices.refreshChannels(nowMs);
    return paged;
  }

  /**
   * Forgets the incidents not in `openIds`, moving those it knew to the history and notifying
   * those that paged; returns the IDs of those that were acknowledged.
   */
  private resolve(openIds: ReadonlySet<string>, nowMs: number): Set<string> {
    const { book, historyLimit } = this.p;
    const resolvedAcked = new Set<string>();
    for (const [id, seen] of book.notified) {
      if (openIds.has(id)) continue;
      book.notified.delete(id);
      book.dirty = true;
      if (seen.ack) resolvedAcked.add(id);
      const prev = book.incidents.find((i) => i.id === id);
      if (!prev) continue;
      // Told under its opening title, as the history keeps it: its last alerts may be the least of it.
      const opening = book.stories.get(id)?.openingTitle;
      const told = opening ? { ...prev, title: opening } : prev;
      if (seen.firingSent && this.p.canNotify()) this.p.notices.notify('resolved', told, nowMs, seen.ack ?? null);
      book.history.unshift(resolvedIncident(prev, book.stories.close(id, seen.ack ?? null, nowMs), seen, nowMs));
      book.history.length = Math.min(book.history.length, historyLimit);
    }
    book.stories.retain(openIds);
    return resolvedAcked;
  }
}

/** The history entry of an incident resolved at `nowMs`: with its story, under its opening title and peak severity. */
function resolvedIncident(prev: Incident, story: IncidentStory | undefined, seen: Notified, nowMs: number): ResolvedIncident {
  const entry = { ...incidentJson(prev), resolvedMs: nowMs, acknowledged: seen.ack ?? null, notified: seen.firingSent };
  return story ? { ...entry, severity: story.peak.severity, title: story.openingTitle, story } : entry;
}
