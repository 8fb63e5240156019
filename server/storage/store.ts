/**
 * The shape of state that outlives a process (users and tokens, alert state, rules, wall
 * layouts, the outbox): documents with a revision, written with compare-and-set and watched for
 * changes another process made. A JSON file is one implementation (`json-file-store.ts`); a
 * replicated key-value store, where two servers share the state, is another.
 */

/** A stored value and the revision it was read or written at. */
export interface Revisioned<T> {
  value: T;
  /** Grows with every write; 0 means nothing is stored. */
  revision: number;
}

/** A compare-and-set write: the new revision, or the revision that is stored instead of the expected one. */
export type WriteResult = { ok: true; revision: number } | { ok: false; conflict: true; revision: number };

/** One document: a file, or one key of a key-value store. */
export interface DocumentStore<T> {
  /** Where it lives (a path, a bucket and key), for messages. */
  readonly name: string;
  /** The stored document, or null when there is none; throws naming the store when it cannot be read. */
  load(): Promise<Revisioned<T> | null>;
  /** Stores `value` if the stored revision is still `expectedRevision` (0: nothing stored yet). */
  write(value: T, expectedRevision: number): Promise<WriteResult>;
  /**
   * Calls `onChange` when another process changed the document (null: deleted); returns the
   * unsubscribe. A store that only this process writes (a local file) may never call it.
   */
  watch(onChange: (doc: Revisioned<T> | null) => void): () => void;
}

/** Many documents under keys (the outbox: one per delivery). */
export interface KeyedStore<T> {
  readonly name: string;
  /** Every stored document; one that cannot be read is reported through `skipped` and left out. */
  loadAll(skipped: (key: string, reason: string) => void): Promise<Map<string, Revisioned<T>>>;
  /** Stores `value` under `key` if its stored revision is still `expectedRevision` (0: new key). */
  put(key: string, value: T, expectedRevision: number): Promise<WriteResult>;
  /** Removes a key (done when it is not there). */
  delete(key: string): Promise<void>;
  watch(onChange: (key: string, doc: Revisioned<T> | null) => void): () => void;
}

/** Thrown when a write finds a revision other than the one it expected. */
export class StoreConflictError extends Error {
  constructor(name: string, expected: number, found: number) {
    super(`${name} was changed elsewhere (revision ${found}, expected ${expected})`);
  }
}

/**
 * An operator's change that could not be made because another server changed the same object
 * first (HTTP 409); the message names the object and, where known, who changed it.
 */
export class EditConflictError extends Error {
  constructor(readonly storeName: string, reason: string) {
    super(reason);
  }
}

/** A change the store could not take (the cluster unreachable, a timeout, a full disk): HTTP 503. */
export class StoreUnavailableError extends Error {
  constructor(readonly storeName: string, reason: string) {
    super(`${storeName}: the change could not be stored (${reason})`);
  }
}
