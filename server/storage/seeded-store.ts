/**
 * A document that starts as a copy of another: while `primary` holds nothing, the first load
 * copies `seed` into it (a fresh cluster's alert rules come from the rules file). Two servers
 * seeding at once both create the key; one create loses and loads what the other stored.
 */
import type { DocumentStore, Revisioned, WriteResult } from './store.ts';

export class SeededStore<T> implements DocumentStore<T> {
  readonly name: string;

  /**
   * `refusal` says why a seed must not be copied (rules that are not valid), null when it may;
   * `seeded` is told once this process copied it.
   */
  constructor(
    private readonly primary: DocumentStore<T>,
    private readonly seed: DocumentStore<T>,
    private readonly refusal: (value: T) => string | null,
    private readonly seeded: (from: string) => void = () => undefined,
  ) {
    this.name = primary.name;
  }

  async load(): Promise<Revisioned<T> | null> {
    const stored = await this.primary.load();
    if (stored) return stored;
    const seed = await this.seed.load();
    if (!seed) throw new Error(`nothing stored yet, and nothing to start from in ${this.seed.name}`);
    const why = this.refusal(seed.value);
    if (why) throw new Error(`nothing stored yet, and ${this.seed.name} cannot start it: ${why}`);
    const w = await this.primary.write(seed.value, 0);
    if (!w.ok) return this.primary.load();
    this.seeded(this.seed.name);
    return { value: seed.value, revision: w.revision };
  }

  write(value: T, expectedRevision: number): Promise<WriteResult> {
    return this.primary.write(value, expectedRevision);
  }

  watch(onChange: (doc: Revisioned<T> | null) => void): () => void {
    return this.primary.watch(onChange);
  }
}
