/** Test double of a stored document (server/storage/store.ts). */
import type { DocumentStore, Revisioned, WriteResult } from '../../server/storage/store.ts';

/** A document store in memory; `other()` writes as another server would, `failing` makes it unreachable. */
export class MemoryStore<T> implements DocumentStore<T> {
  readonly name = 'memory/doc';
  doc: Revisioned<T> | null = null;
  writes = 0;
  failing = false;
  /** Runs once, just before the next write is checked: another server's write landing first. */
  beforeNextWrite: (() => void) | null = null;

  async load(): Promise<Revisioned<T> | null> {
    if (this.failing) throw new Error('TIMEOUT');
    return this.doc && structuredClone(this.doc);
  }

  async write(value: T, expectedRevision: number): Promise<WriteResult> {
    if (this.failing) throw new Error('TIMEOUT');
    const first = this.beforeNextWrite;
    this.beforeNextWrite = null;
    first?.();
    const revision = this.doc?.revision ?? 0;
    if (revision !== expectedRevision) return { ok: false, conflict: true, revision };
    this.writes++;
    this.doc = { value: structuredClone(value), revision: revision + 1 };
    return { ok: true, revision: revision + 1 };
  }

  private readonly watchers = new Set<(doc: Revisioned<T> | null) => void>();

  /** Another server's write; `told`: its watchers hear of it (as over a cluster's watch). */
  other(value: T, told = false): void {
    this.doc = { value, revision: (this.doc?.revision ?? 0) + 1 };
    if (told) for (const w of this.watchers) w(structuredClone(this.doc));
  }

  watch(onChange: (doc: Revisioned<T> | null) => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
}
