/**
 * The marks operators put on alerts, as stored: acknowledgements by incident ID and silences.
 * Each change is an edit of the stored document (mark-edits.ts), kept here once stored; what
 * another server stores (`--cluster`) is followed. The acknowledgements of incidents this server
 * has not opened (yet) are kept too: they apply when it does.
 */
import type { Acknowledgement, Silence } from '../../protocol/alerts.ts';
import type { Edit } from '../storage/saved-document.ts';
import type { AlertPersistence } from './alert-persistence.ts';
import type { RestoredAlertState, SavedAcks, SavedSilences } from './alert-state-store.ts';
import { acknowledge, addSilence, clearAcks, pruneSilences, removeSilence } from './mark-edits.ts';
import type { SilenceBook } from './silence-book.ts';

export class OperatorMarks {
  /** The stored acknowledgements by incident ID. */
  acks: Record<string, Acknowledgement> = {};
  private pruning = false;

  /** `adoptedAcks` is told of each new set of acknowledgements, with the one this server just made (`own`). */
  constructor(
    private readonly persistence: AlertPersistence,
    readonly silences: SilenceBook,
    private readonly adoptedAcks: (own?: Acknowledgement) => void,
  ) {}

  restore(r: RestoredAlertState): void {
    this.acks = r.acks;
    this.silences.restore(r.silences);
  }

  /** Follows what another server stores; returns the unsubscribe. */
  follow(): () => void {
    const stops = [this.persistence.follow('acks', (d) => this.adoptAcks(d)), this.persistence.follow('silences', (d) => this.adoptSilences(d))];
    return () => stops.forEach((f) => f());
  }

  /** Stores an acknowledgement; rejects with EditConflictError when another server acknowledged the incident meanwhile. */
  acknowledge(incidentId: string, ack: Acknowledgement): Promise<void> {
    return this.persistence.edit('acks', acknowledge(incidentId, ack), () => this.ackDocument(), (d) => this.adoptAcks(d, ack));
  }

  /** Stores a new silence. */
  addSilence(s: Silence): Promise<void> {
    return this.silenceEdit(addSilence(s));
  }

  /** Removes a silence; false when there is none of that ID. */
  async removeSilence(id: string): Promise<boolean> {
    if (!this.silences.has(id)) return false;
    await this.silenceEdit(removeSilence(id));
    return true;
  }

  /**
   * After a round of evaluation: drops the acknowledgements of incidents that resolved here
   * (`resolved`; `open` tells which are open) and the silences that ended a day ago, in the background.
   */
  afterRound(resolved: ReadonlySet<string>, open: (id: string) => boolean, nowMs: number): void {
    if (resolved.size) void this.persistence.background('acks', clearAcks(resolved, open, nowMs), () => this.ackDocument(), (d) => this.adoptAcks(d));
    if (this.pruning || !this.silences.hasEnded(nowMs)) return;
    this.pruning = true;
    const pruned = this.persistence.background('silences', pruneSilences(nowMs), () => this.silenceDocument(), (d) => this.adoptSilences(d));
    void pruned.finally(() => (this.pruning = false));
  }

  private ackDocument(): SavedAcks {
    return { version: 1, acks: this.acks };
  }

  private adoptAcks(d: SavedAcks | null, own?: Acknowledgement): void {
    this.acks = d?.acks ?? {};
    this.adoptedAcks(own);
  }

  private silenceDocument(): SavedSilences {
    return { version: 1, silences: this.silences.all() };
  }

  private adoptSilences(d: SavedSilences | null): void {
    this.silences.restore(d?.silences ?? []);
  }

  private silenceEdit(e: Edit<SavedSilences>): Promise<void> {
    return this.persistence.edit('silences', e, () => this.silenceDocument(), (d) => this.adoptSilences(d));
  }
}
