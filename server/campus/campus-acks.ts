/**
 * Acknowledgements of the campus-scope incidents (a hall shard unreachable), stored in the campus
 * views' acknowledgement document on the cluster: both campus views of a pair show them, the one
 * leading pages accordingly, and a restarted view keeps them. The incident's ID is the same on
 * both views (campus-alerts.ts), so is its acknowledgement. Two views acknowledging one incident
 * at once: one stores it, the other gets a conflict naming who did. The constructor does no I/O.
 */
import type { Acknowledgement } from '../../protocol/alerts.ts';
import type { SavedAcks } from '../alerts/alert-state-store.ts';
import { acknowledge, clearAcks } from '../alerts/mark-edits.ts';
import type { Logger } from '../logger.ts';
import { SavedDocument } from '../storage/saved-document.ts';
import type { DocumentStore } from '../storage/store.ts';

/** How long an acknowledgement of an incident no longer open is kept, ms. */
const KEEP_MS = 3_600_000;

export class CampusAcks {
  private acks: Record<string, Acknowledgement> = {};
  private readonly doc: SavedDocument<SavedAcks>;
  private unwatch: (() => void) | null = null;
  private clearing = false;
  /** Whether the last clearing failed (logged once until one succeeds). */
  private failing = false;

  constructor(store: DocumentStore<SavedAcks>, private readonly log: Logger) {
    this.doc = new SavedDocument(store);
  }

  async start(): Promise<void> {
    this.acks = (await this.doc.load())?.acks ?? {};
    this.unwatch = this.doc.watch((d) => this.adopt(d));
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }

  of(incidentId: string): Acknowledgement | null {
    return this.acks[incidentId] ?? null;
  }

  /** Stores it; rejects with EditConflictError when the other view acknowledged it meanwhile. */
  acknowledge(incidentId: string, ack: Acknowledgement): Promise<void> {
    return this.doc.edit(acknowledge(incidentId, ack), () => this.document(), (d) => this.adopt(d));
  }

  /**
   * Drops (resolves once stored; failures are logged) the acknowledgements made an hour ago or more of incidents not open
   * now (`open`: the IDs open now). Not sooner: the other view may see an outage a tick before this
   * one, and an acknowledgement made there must not be cleared here meanwhile. An outage that
   * starts again is a new incident (a new ID), so a kept acknowledgement never mutes it.
   */
  clearResolved(open: ReadonlySet<string>, nowMs: number): Promise<void> {
    const resolved = new Set(Object.entries(this.acks).filter(([id, a]) => !open.has(id) && nowMs - a.atMs >= KEEP_MS).map(([id]) => id));
    if (resolved.size === 0 || this.clearing) return Promise.resolve();
    this.clearing = true;
    return this.doc.edit(clearAcks(resolved, (id) => open.has(id), nowMs), () => this.document(), (d) => this.adopt(d))
      .then(() => {
        this.failing = false;
      })
      .catch((e: Error) => {
        if (!this.failing) this.log.warn(`campus: acknowledgements of resolved campus incidents not cleared (${e.message}); retrying`);
        this.failing = true;
      })
      .finally(() => (this.clearing = false));
  }

  private document(): SavedAcks {
    return { version: 1, acks: this.acks };
  }

  private adopt(d: SavedAcks | null): void {
    this.acks = d?.acks ?? {};
  }
}
