/**
 * How a source takes its messages in: each one written to the at-least-once journal (when the
 * source has one) before it is handled, what a killed server left in the journal replayed
 * before anything new, and the handling cut into slices so the event loop gets a turn every
 * `SLICE_MS` (a backlog read after a stall would otherwise hold back the WebSocket deltas).
 */
import type { Logger } from '../logger.ts';
import type { Journal } from './journal.ts';

/** Longest run of message handling before the event loop gets a turn, ms. */
export const SLICE_MS = 10;

/** What the intake uses of the journal. */
export type IntakeJournal = Pick<Journal, 'recover' | 'append' | 'close'>;

export class Intake {
  private sliceStartMs = performance.now();
  /** One message as it arrives: journaled first, then handled (before a QoS 1 message is acknowledged). */
  readonly take: (topic: string, payload: Buffer) => void;

  constructor(
    private readonly handle: (topic: string, payload: Buffer) => void,
    private readonly journal: IntakeJournal | null,
    private readonly log: Logger,
  ) {
    this.take = journal ? (topic, payload) => (journal.append(topic, payload), handle(topic, payload)) : handle;
  }

  /** Replays what a previous run journaled but may not have written, before any new message. */
  start(): void {
    if (!this.journal) return;
    const left = this.journal.recover();
    for (const m of left) this.handle(m.topic, m.payload);
    if (left.length) this.log.info(`ingest: replayed ${left.length} journaled messages from before the last stop`);
  }

  /** Calls `next` now, or once the event loop has had a turn when this slice of handling is spent. */
  pass(next: () => void): void {
    if (performance.now() - this.sliceStartMs < SLICE_MS) return next();
    setImmediate(() => {
      this.sliceStartMs = performance.now();
      next();
    });
  }

  stop(): void {
    this.journal?.close();
  }
}
