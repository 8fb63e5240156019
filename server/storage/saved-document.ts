/**
 * A service's handle on one stored document: remembers the revision it loaded, last wrote or
 * last saw another process write, and runs writes one at a time. Two ways to write:
 *
 * - `save(snapshot)` stores what the service holds (its own evaluation); saves asked for while
 *   a write runs fold into the next one, so a burst of changes costs two writes, not one each.
 * - `edit(change)` makes an operator's change of one object on the document and stores it with
 *   compare-and-set. When another server wrote the document since, the change is made again on
 *   the newest document — unless that server changed the same object: then it is a conflict
 *   naming what was changed (EditConflictError), and nothing is stored.
 *
 * `watch(adopt)` hands the service each document another process writes, so the next write
 * expects the revision it saw (else every write after a remote change would conflict).
 */
import { sameJson } from './canonical-json.ts';
import { EditConflictError, StoreConflictError, StoreUnavailableError, type DocumentStore } from './store.ts';

/** An operator's change of one object in a document (an acknowledgement, a silence, a user, a layout). */
export interface Edit<T> {
  /** The document with the change made; the very same object when there is nothing to change. */
  apply(doc: T | null): T | null;
  /**
   * Why the change cannot be made on `latest` although it was asked for on `base`: the same
   * object changed in between (the message names it and, where known, who changed it); null
   * when the change can be made on `latest` as well.
   */
  clash(base: T | null, latest: T | null): string | null;
}

/**
 * The clash of an edit of one object, the one `find` picks from a document: none while it is the
 * same in both documents, else what `changed` says of its two versions (undefined: not there).
 */
export function clashOn<T, O>(find: (doc: T | null) => O | undefined, changed: (asked: O | undefined, now: O | undefined) => string | null): Edit<T>['clash'] {
  return (base, latest) => {
    const [asked, now] = [find(base), find(latest)];
    return sameJson(asked, now) ? null : changed(asked, now);
  };
}

/** "… was created / deleted / changed on another server", from an object's two versions. */
export function changedElsewhere(what: string, asked: unknown, now: unknown): string {
  const how = asked === undefined ? 'created' : now === undefined ? 'deleted' : 'changed';
  return `${what} was ${how} on another server meanwhile; reload and try again`;
}

/** The clash of removing an object: none when it is gone already (what was asked for), else `changedElsewhere`. */
export function removalClash<T, O>(what: string, find: (doc: T | null) => O | undefined): Edit<T>['clash'] {
  return clashOn(find, (asked, now) => (now === undefined ? null : changedElsewhere(what, asked, now)));
}

/** Rounds of "another server wrote first: make the change again on the newest document" before giving up. */
const EDIT_ATTEMPTS = 5;

export class SavedDocument<T> {
  private revision = 0;
  /** The last write queued or running: the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();
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
   * Hands `adopt` each document another process writes (null: deleted) and expects its revision
   * at the next write; returns the unsubscribe. A local file is never written by another process.
   */
  watch(adopt: (value: T | null) => void): () => void {
    return this.store.watch((doc) => {
      if (doc && doc.revision <= this.revision) return;
      this.revision = doc?.revision ?? 0;
      adopt(doc?.value ?? null);
    });
  }

  /**
   * Stores what `snapshot` returns when the write runs; resolves once that write is done,
   * rejects when it fails or another process changed the document since (StoreConflictError).
   */
  save(snapshot: () => T): Promise<void> {
    this.snapshot = snapshot;
    this.queued ??= this.inTurn(async () => {
      this.queued = null;
      const expected = this.revision;
      const r = await this.store.write(this.snapshot!(), expected);
      if (!r.ok) throw new StoreConflictError(this.store.name, expected, r.revision);
      this.revision = Math.max(this.revision, r.revision);
    });
    return this.queued;
  }

  /**
   * Makes `change` on the document the service holds (`held()`) and stores it; `adopt` gets the
   * document once stored, or the newest one when another server wrote first. Rejects with
   * EditConflictError when that server changed the same object, with StoreUnavailableError when
   * the store cannot be reached (nothing stored; the service keeps what it held).
   */
  edit(change: Edit<T>, held: () => T | null, adopt: (value: T | null) => void): Promise<void> {
    return this.inTurn(async () => {
      let base = held();
      for (let attempt = 1; ; attempt++) {
        const next = change.apply(base);
        if (next === base || next === null) return;
        const expected = this.revision;
        const r = await this.reaching(() => this.store.write(next, expected));
        if (r.ok) {
          // A newer document another server wrote may have been adopted while this write ran.
          if (r.revision > this.revision) {
            this.revision = r.revision;
            adopt(next);
          }
          return;
        }
        const latest = await this.reaching(() => this.store.load());
        this.revision = latest?.revision ?? 0;
        adopt(latest?.value ?? null);
        const why = change.clash(base, latest?.value ?? null);
        if (why) throw new EditConflictError(this.store.name, why);
        if (attempt === EDIT_ATTEMPTS) throw new EditConflictError(this.store.name, `${this.store.name} kept changing on another server; try again`);
        base = latest?.value ?? null;
      }
    });
  }

  /** Runs a store call; a failure to reach the store becomes StoreUnavailableError. */
  private async reaching<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (e) {
      throw new StoreUnavailableError(this.store.name, (e as Error).message);
    }
  }

  /** Runs `op` after every write asked for before it. */
  private inTurn<R>(op: () => Promise<R>): Promise<R> {
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
