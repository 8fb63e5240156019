/**
 * Which of a pair of servers turns alerts into notifications and stores the evaluation: the
 * leader, or every server while the cluster is out of reach (fail-open). Taking the lead adopts
 * the paging ledger the last leader stored, so what it paged is not paged again. A single server
 * (no `leadership`) always leads.
 */
import type { Logger } from '../logger.ts';
import type { AlertPersistence } from './alert-persistence.ts';
import type { AlertBook } from './alert-book.ts';
import type { AlertEvaluator } from './evaluator.ts';
import type { IncidentTracker } from './incidents.ts';

/** What the pair's role tells: whether this server holds the lease, and whether the cluster is out of reach. */
export interface Leadership {
  isLeader(): boolean;
  failOpen?(): boolean;
  /** How long the cluster has stored nothing from this server, ms (fail-open once past the lease). */
  silentForMs?(): number;
}

/**
 * Entering fail-open pages again the open incidents that started this long before the cluster
 * went silent, or later: their pages may not have reached the stream (or its consumer) before
 * the quorum went. Older incidents were paged by the leader of the time.
 */
export const FAIL_OPEN_REPAGE_MARGIN_MS = 10_000;

export class AlertLeadership {
  /** Took the lead (adopted the stored evaluation); always for a single server. */
  leading: boolean;
  private failedOpen = false;
  /** The last time this server failed open, wall-clock ms (from NaN: never). */
  private failOpenSpan = { fromMs: Number.NaN, toMs: Number.NaN };

  constructor(
    /** null: a single server. */
    readonly leadership: Leadership | null,
    private readonly book: AlertBook,
    private readonly persistence: AlertPersistence,
    private readonly tracker: IncidentTracker,
    private readonly evaluator: AlertEvaluator,
    private readonly log: Logger,
  ) {
    this.leading = leadership === null;
  }

  /** One of a pair (not a single server). */
  get paired(): boolean {
    return this.leadership !== null;
  }

  /** Whether this server turns alerts into notifications now: checked at each one, so a leader whose lease ran out stops at once. */
  canNotify(): boolean {
    return (this.leading && (this.leadership?.isLeader() ?? true)) || (this.leadership?.failOpen?.() ?? false);
  }

  /**
   * Before a round's incidents are concluded: on entering fail-open, the open incidents that
   * started since the cluster went silent (less the margin) are marked not paged, so this round
   * pages them through this server's own outbox. What the shadow evaluation recorded as paged was
   * the leader's to send, and the leader may have lost the stream first. Both servers do this:
   * a page twice rather than none. Not acknowledged ones only.
   */
  beforeRound(nowMs: number): void {
    const open = this.leadership?.failOpen?.() ?? false;
    if (open && !this.failedOpen) {
      this.failOpenSpan = { fromMs: nowMs, toMs: Number.POSITIVE_INFINITY };
      const sinceMs = nowMs - (this.leadership?.silentForMs?.() ?? 0) - FAIL_OPEN_REPAGE_MARGIN_MS;
      let rearmed = 0;
      for (const [id, n] of this.book.notified) {
        if (!n.firingSent || n.ack || n.startedMs < sinceMs) continue;
        this.book.notified.set(id, { ...n, firingSent: false });
        rearmed++;
      }
      this.log.warn(`alerts: the cluster has not answered for ${Math.round((nowMs - sinceMs - FAIL_OPEN_REPAGE_MARGIN_MS) / 1000)} s: `
        + `notifying through this server's own outbox (fail-open); ${rearmed} incidents opened since then paged again`);
    }
    if (!open && this.failedOpen) {
      this.failOpenSpan.toMs = nowMs;
      this.log.info('alerts: the cluster answers again: notifications through the leader\'s stream');
    }
    this.failedOpen = open;
  }

  /**
   * Becomes the leader: adopts the evaluation the last leader stored (its open incidents under
   * their IDs and start times, what it paged, acknowledgements), so what it already paged is not
   * paged again, then notifies from the current state. An incident it did not store is paged by
   * the next round; a notification it queued but did not record has the same ID and is dropped
   * by the stream.
   */
  async lead(): Promise<void> {
    const paged = await this.persistence.loadPaged();
    const stored = new Map(Object.entries(paged?.notified ?? {}));
    const book = this.book;
    const shadow = new Map(book.notified);
    for (const [id, n] of stored) this.tracker.adoptStart(id, n.startedMs);
    book.incidents = this.tracker.update(this.evaluator.active());
    book.notified.clear();
    const { fromMs, toMs } = this.failOpenSpan;
    for (const inc of book.incidents) {
      const own = shadow.get(inc.id);
      const ack = own?.ack;
      // Paged by this server itself while failed open: the stored ledger could not learn of it.
      const pagedOpen = own?.firingSent && own.lastSentMs !== undefined && own.lastSentMs >= fromMs && own.lastSentMs <= toMs;
      const n = stored.get(inc.id) ?? (pagedOpen ? own : { startedMs: inc.startedMs, firingSent: false });
      book.notified.set(inc.id, ack ? { ...n, ack } : n);
    }
    this.leading = true;
    book.dirty = true;
    this.log.info(`alerts: leading with ${book.incidents.length} open incidents (${stored.size} in the last leader's paging ledger)`);
  }

  /** Stops notifying and storing the evaluation: the other server leads. */
  follow(): void {
    if (this.leadership) this.leading = false;
  }
}
