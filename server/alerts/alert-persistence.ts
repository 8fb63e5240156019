/**
 * Alert state's saving: each of the three documents is written on its own, one write at a time
 * with later saves folded in (SavedDocument). A failed save (storage full or read-only) is kept
 * for /healthz and logged at once, then once a minute; state lives in memory until one works.
 */
import type { Logger } from '../logger.ts';
import { SavedDocument } from '../storage/saved-document.ts';
import type { SiteIndex } from '../site/site-index.ts';
import { restoreInSite, type AlertStateStore, type RestoredAlertState, type SavedAcks, type SavedAlertState, type SavedSilences } from './alert-state-store.ts';

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

  constructor(
    stores: AlertStateStore,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.docs = { state: new SavedDocument(stores.state), acks: new SavedDocument(stores.acks), silences: new SavedDocument(stores.silences) };
  }

  /**
   * The saved state that names places of `site` (null when nothing is stored, or it cannot be
   * read: logged); `rewrite` when acknowledgements and silences should be stored again (some
   * were dropped, or they come from a state file from before they were stored on their own).
   */
  async restore(site: SiteIndex): Promise<{ restored: RestoredAlertState; rewrite: boolean } | null> {
    // Each document on its own: an unreadable one costs only what it held, not the others.
    const [state, acks, silences] = await Promise.all([this.loadOrNull('state'), this.loadOrNull('acks'), this.loadOrNull('silences')]);
    if (!state && !acks && !silences) return null;
    const restored = restoreInSite(site, state, acks, silences);
    const d = restored.dropped;
    const dropped = d.alerts + d.notified + d.silences + d.history > 0;
    if (dropped) {
      const counts = `${d.alerts} alerts, ${d.notified} incidents and acknowledgements, ${d.silences} silences, ${d.history} resolved incidents`;
      this.log.warn(`alerts: dropped saved state naming racks, CDUs, rows or halls not in site "${site.view.name}": ${counts}`);
    }
    return { restored, rewrite: dropped || !acks || !silences };
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
    try {
      await this.docs[kind].save(snapshot);
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
