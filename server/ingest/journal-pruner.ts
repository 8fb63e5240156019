/**
 * Deletes the journal's segments once what they hold is stored: every second, and once more
 * after the InfluxDB writer's last flush (main.ts registers that stop before the writer's).
 */
import type { Journal } from './journal.ts';

/**
 * Where the journal can be pruned: the oldest of `unstoredSinceMs` (NaN entries: nothing waits
 * there), or `nowMs` when nothing waits anywhere.
 */
export function pruneBeforeMs(unstoredSinceMs: readonly number[], nowMs: number): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const t of unstoredSinceMs) if (t < oldest) oldest = t;
  return Number.isFinite(oldest) ? oldest : nowMs;
}

/** What the pruner reads. */
export interface JournalPrunerDeps {
  journal: Journal;
  /** Since when samples have waited unstored, per place they wait (the writer's queue, the recorder's open blocks); NaN where none. */
  unstoredSinceMs: () => readonly number[];
  clock: () => number;
  /** Default 1,000. */
  intervalMs?: number;
}

/** Prunes the journal every `intervalMs` while started, and on demand (`prune()`). */
export class JournalPruner {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: JournalPrunerDeps) {}

  /** A segment goes once everything queued before it closed has been written. */
  prune(): void {
    this.deps.journal.prune(pruneBeforeMs(this.deps.unstoredSinceMs(), this.deps.clock()));
  }

  start(): void {
    this.timer = setInterval(() => this.prune(), this.deps.intervalMs ?? 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
