/**
 * A service's handle on one stored document: remembers the revision it loaded or last wrote,
 * runs writes one at a time, and folds the saves asked for while a write runs into the next one
 * (which writes the newest value), so a burst of changes costs two writes, not one each.
 */
import { StoreConflictError, type DocumentStore } from './store.ts';

export class SavedDocument<T> {
  private revision = 0;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private snapshot: (() => T) | null = null;

  constructor(readonly store: DocumentStore<T>) {}

  /** The stored value (null when none), remembering its revision for the next write. */
  async load(): Promise<T | null> {
    const doc = await this.store.load();
    this.revision = doc?.revision ?? 0;
    return doc?.value ?? null;
  }

  /**
   * Stores what `snapshot` returns when the write runs; resolves once that write is done,
   * rejects when it fails or another process changed the document since (StoreConflictError).
   */
  save(snapshot: () => T): Promise<void> {
    this.snapshot = snapshot;
    if (!this.queued) {
      const after = this.running ?? Promise.resolve();
      const next: Promise<void> = after.then(() => this.write(next), () => this.write(next));
      this.queued = next;
    }
    return this.queued;
  }

  private async write(self: Promise<void>): Promise<void> {
    this.queued = null;
    this.running = self;
    try {
      const r = await this.store.write(this.snapshot!(), this.revision);
      if (!r.ok) throw new StoreConflictError(this.store.name, this.revision, r.revision);
      this.revision = r.revision;
    } finally {
      if (this.running === self) this.running = null;
    }
  }
}
