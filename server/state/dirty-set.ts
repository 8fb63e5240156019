/**
 * Indexes marked since the last `take()`, each once, in the order first marked: a flag per index
 * plus a list, so marking is O(1) and taking is O(marked) however large the site.
 */
export class DirtySet {
  private readonly flags: Uint8Array;
  private list: number[] = [];

  constructor(size: number) {
    this.flags = new Uint8Array(size);
  }

  /** Marks `i`; true when it is the first mark since the last `take()` (the set was empty). */
  mark(i: number): boolean {
    if (this.flags[i]) return false;
    this.flags[i] = 1;
    this.list.push(i);
    return this.list.length === 1;
  }

  /** Whether anything is marked. */
  get any(): boolean {
    return this.list.length > 0;
  }

  /** The marked indexes, clearing the set. */
  take(): number[] {
    const out = this.list;
    for (const i of out) this.flags[i] = 0;
    this.list = [];
    return out;
  }
}
