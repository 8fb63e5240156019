/**
 * Alert state's saving: each of the three documents is written on its own, one write at a time
 * (SavedDocument): the evaluation as a snapshot with later saves folded in, acknowledgements and
 * silences as edits (mark-edits.ts), followed as another server changes them (`--cluster`). A
 * failed save (storage full or read-only, the cluster unreachable) is kept for /healthz and
 * logged at once, then once a minute; state lives in memory until one works.
 */
import type { Logger } from '../logger.ts';
import { SavedDocument, type Edit } from '../storage/saved-document.ts';
import { StoreConflictError } from '../storage/store.ts';
import { sameJson } from '../storage/canonical-json.ts';
import type { SiteIndex } from '../site/site-index.ts';
import {
  restoreInSite, type AlertStateStore, type RestoredAlertState, type SavedAcks, type SavedAlertState, type SavedPaging, type SavedSilences,
} from './alert-state-store.ts';
import { restoreAs } from './mark-edits.ts';
import { retireStale } from './restore-horizon.ts';

type Docs = { state: SavedAlertState; acks: SavedAcks; silences: SavedSilences };

export interface SaveError {
  message: string;
  atMs: number;
  failures: number;
}

export class AlertPersistence {
  /** The last failed save, cleared by a save that works. */
  saveError: SaveError | null = null;
  private saveErrorLoggedMs = Number.NEGATIVE_INFINITY;
  private readonly docs: { [K in keyof Docs]: SavedDocument<Docs[K]> };
  /** The paging ledger a pair shares (null: one server, the evaluation alone says what was paged). */
  private readonly paged: SavedDocument<SavedPaging> | null;

  constructor(
    stores: AlertStateStore,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.docs = { state: new SavedDocument(stores.state), acks: new SavedDocument(stores.acks), silences: new SavedDocument(stores.silences) };
    this.paged = stores.paged ? new SavedDocument(stores.paged) : null;
  }

  /**
   * What the last leader paged: the shared ledger, or without one the evaluation document (null
   * when none is stored or it cannot be read: logged).
   */
  async loadPaged(): Promise<SavedPaging | null> {
    try {
      if (!this.paged) {
        const state = await this.docs.state.load();
        return state ? { version: 1, notified: state.notified } : null;
      }
      return await this.paged.load();
    } catch (e) {
      this.log.error(`alerts: cannot read the paging ledger, leading from this server's own view: ${(e as Error).message}`);
      return null;
    }
  }

  /** Stores the paging ledger (the leader, at each page); false when it failed (reported). */
  async savePaged(snapshot: () => SavedPaging): Promise<boolean> {
    const paged = this.paged;
    if (!paged) return true;
    for (let attempt = 1; ; attempt++) {
      try {
        await paged.save(snapshot);
        return true;
      } catch (e) {
        // The last leader wrote it after this server read it: this server leads now, so its ledger replaces that one.
        if (e instanceof StoreConflictError && attempt === 1 && (await paged.load().then(() => true, () => false))) continue;
        this.failed(`${paged.store.name}: ${(e as Error).message}`);
        return false;
      }
    }
  }

  /**
   * The saved state that names places of `site` (null when nothing is stored, or it cannot be
   * read: logged). Acknowledgements and silences are stored again as restored when some were
   * dropped, or when they come from a state file from before they were stored on their own.
   */
  async restore(site: SiteIndex): Promise<RestoredAlertState | null> {
    // Each document on its own: an unreadable one costs only what it held, not the others.
    const [state, acks, silences] = await Promise.all([this.loadOrNull('state'), this.loadOrNull('acks'), this.loadOrNull('silences')]);
    if (!state && !acks && !silences) return null;
    const fresh = state ? retireStale(state, acks, this.clock()) : null;
    if (fresh && fresh.retired > 0) {
      const ageMin = Math.round(fresh.ageMs / 60_000);
      this.log.warn(`alerts: the saved evaluation is ${ageMin} min old: its ${fresh.retired} open incidents go to the history, ended when it was saved; the rules evaluate the floor afresh`);
    }
    const restored = { ...restoreInSite(site, fresh?.state ?? null, acks, silences), retired: fresh?.retired ?? 0 };
    const d = restored.dropped;
    if (d.alerts + d.notified + d.acks + d.silences + d.history > 0) {
      const counts = `${d.alerts} alerts, ${d.notified} incidents and acknowledgements, ${d.silences} silences, ${d.history} resolved incidents`;
      this.log.warn(`alerts: dropped saved state naming racks, CDUs, rows or halls not in site "${site.view.name}": ${counts}`);
    }
    if (d.stories > 0) this.log.warn(`alerts: dropped ${d.stories} saved incident stories that are not valid; their incidents are kept without them`);
    if (d.acks > 0 || (!acks && Object.keys(restored.acks).length > 0)) {
      await this.background('acks', restoreAs(acks, { version: 1, acks: restored.acks }, sameJson), () => acks, () => undefined);
    }
    if (d.silences > 0 || (!silences && restored.silences.length > 0)) {
      await this.background('silences', restoreAs(silences, { version: 1, silences: restored.silences }, sameJson), () => silences, () => undefined);
    }
    return restored;
  }

  /** One document, or null when none is stored or it cannot be read (logged: the next save replaces it). */
  private async loadOrNull<K extends keyof Docs>(kind: K): Promise<Docs[K] | null> {
    try {
      return await this.docs[kind].load();
    } catch (e) {
      this.log.error(`alerts: cannot read saved ${kind}, starting without it: ${(e as Error).message}`);
      return null;
    }
  }

  /** Writes one document; resolves true once stored, false when the write failed (reported here). */
  async save<K extends keyof Docs>(kind: K, snapshot: () => Docs[K]): Promise<boolean> {
    return this.reported(kind, () => this.docs[kind].save(snapshot));
  }

  /**
   * An operator's edit of one document (SavedDocument.edit): rejects with EditConflictError when
   * another server changed the same object, StoreUnavailableError when it cannot be stored.
   */
  edit<K extends keyof Docs>(kind: K, e: Edit<Docs[K]>, held: () => Docs[K] | null, adopt: (d: Docs[K] | null) => void): Promise<void> {
    return this.docs[kind].edit(e, held, adopt);
  }

  /** An edit no operator waits for (silences pruned, acknowledgements cleared): a failure is reported here; false then. */
  background<K extends keyof Docs>(kind: K, e: Edit<Docs[K]>, held: () => Docs[K] | null, adopt: (d: Docs[K] | null) => void): Promise<boolean> {
    return this.reported(kind, () => this.docs[kind].edit(e, held, adopt));
  }

  /** Hands `adopt` each version of a document another server stores; returns the unsubscribe. */
  follow<K extends keyof Docs>(kind: K, adopt: (d: Docs[K] | null) => void): () => void {
    return this.docs[kind].watch(adopt);
  }

  private async reported(kind: keyof Docs, write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
    } catch (e) {
      this.failed(`${this.docs[kind].store.name}: ${(e as Error).message}`);
      return false;
    }
    if (this.saveError) this.log.info(`alerts: state saved again after ${this.saveError.failures} failed saves`);
    this.saveError = null;
    return true;
  }

  private failed(message: string): void {
    const now = this.clock();
    this.saveError = { message, atMs: now, failures: (this.saveError?.failures ?? 0) + 1 };
    if (now - this.saveErrorLoggedMs < 60_000) return;
    this.saveErrorLoggedMs = now;
    const failures = `${this.saveError.failures} failed saves`;
    this.log.error(`alerts: cannot save state (${failures}): ${message}; incidents and acknowledgements live in memory until it works`);
  }
}
