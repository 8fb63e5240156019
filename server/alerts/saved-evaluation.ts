/**
 * The evaluation as stored: alert states, open incidents, what was paged of each and the
 * resolved history (acknowledgements and silences are stored on their own, operator-marks.ts),
 * and the paging ledger a pair shares. Saved after the outbox holds what it says was sent;
 * restored at start, keeping only what names places of the loaded site.
 */
import type { Logger } from '../logger.ts';
import type { SiteIndex } from '../site/site-index.ts';
import type { AlertBook } from './alert-book.ts';
import type { AlertPersistence } from './alert-persistence.ts';
import type { Notified, SavedAlertState } from './alert-state-store.ts';
import type { AlertEvaluator } from './evaluator.ts';
import type { IncidentNotifier } from './incident-notifier.ts';
import type { IncidentTracker } from './incidents.ts';
import { incidentJson } from './notification.ts';
import type { OperatorMarks } from './operator-marks.ts';

export interface SavedEvaluationParts {
  book: AlertBook;
  persistence: AlertPersistence;
  evaluator: AlertEvaluator;
  tracker: IncidentTracker;
  marks: OperatorMarks;
  notifier: IncidentNotifier;
  /** Resolved incidents kept for the dashboard's history tab. */
  historyLimit: number;
  clock: () => number;
  log: Logger;
}

export class SavedEvaluation {
  /** When the last save began (clock ms; 0: never). */
  lastSaveMs = 0;

  constructor(private readonly p: SavedEvaluationParts) {}

  /** Stores the evaluation and the paging ledger, after the outbox holds what it says was sent; marks the book dirty again when a write failed. */
  async save(): Promise<void> {
    const { book, persistence } = this.p;
    this.lastSaveMs = this.p.clock();
    book.dirty = false;
    await this.p.notifier.written;
    const paging = () => ({ version: 1 as const, notified: this.notifiedWithoutAcks() });
    const [state, ledger] = await Promise.all([persistence.save('state', () => this.stateDocument()), persistence.savePaged(paging)]);
    if (!state || !ledger) book.dirty = true;
  }

  /**
   * Restores saved state; what names a rack, CDU, row, hall or group the loaded site does not
   * have (another site's state in the same storage directory) is dropped and counted.
   */
  async load(site: SiteIndex): Promise<void> {
    const { book, evaluator, tracker } = this.p;
    const r = await this.p.persistence.restore(site);
    if (!r) return;
    evaluator.restoreStates(r.alerts);
    // An acknowledgement stored before its notification was recorded apart was notified then.
    for (const [id, n] of r.notified) book.notified.set(id, n.ack && n.ackSentAtMs === undefined ? { ...n, ackSentAtMs: n.ack.atMs } : n);
    this.p.marks.restore(r);
    book.history = r.history.slice(0, this.p.historyLimit);
    book.stories.restore(r.stories);
    tracker.restore(r.open);
    book.incidents = tracker.update(evaluator.active());
    if (r.dropped.alerts + r.dropped.notified + r.dropped.history + r.dropped.stories + (r.retired ?? 0) > 0) book.dirty = true;
    this.p.log.info(`alerts: restored ${evaluator.active().length} active alerts in ${book.incidents.length} incidents`);
  }

  /** What was paged, by incident; acknowledgements are stored on their own. */
  private notifiedWithoutAcks(): Record<string, Notified> {
    return Object.fromEntries([...this.p.book.notified].map(([id, { ack: _ack, ...n }]) => [id, n]));
  }

  private stateDocument(): SavedAlertState {
    const { book, evaluator, tracker } = this.p;
    const notified = this.notifiedWithoutAcks();
    const incidents = book.incidents.map(incidentJson);
    const stories = book.stories.export();
    return { version: 1, savedAtMs: this.p.clock(), alerts: evaluator.exportStates(), notified, open: tracker.export(), incidents, history: book.history, stories };
  }
}
