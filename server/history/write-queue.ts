/**
 * The writer's bounded queue of line-protocol batches. Batches wait in memory up to
 * `maxMemoryLines`; beyond that the oldest move to `spillDir` (when set; spill-dir.ts) up to
 * `maxSpillBytes`; beyond that the oldest are dropped and counted exactly. Disk batches are
 * older than memory ones and leave first, so order is kept. Batches left at shutdown are
 * spilled and taken up again at the next start (`start()`). Lines wait packed in bytes
 * (`PackedLines`), the request body and the spill file as they are, in buffers reused batch after batch.
 */
import type { Tier } from './schema.ts';
import { PackedLines, PackedPool } from './packed-lines.ts';
import { removeSpillFile, SpillDir } from './spill-dir.ts';

export interface Batch {
  rp: Tier;
  lines: PackedLines;
  /** When the batch's first line was queued, ms (how far behind history is). */
  queuedMs: number;
}

/** A batch handed to a request: out of the queue, counted as waiting until `done()`. */
export interface Taken {
  batch: Batch;
  /** The spill file it came from, deleted only once the batch is done (a crash resends it). */
  file: string | null;
}

export interface QueueLimits {
  /** Lines of one write request (InfluxDB recommends 5,000). */
  batchLines: number;
  maxMemoryLines: number;
  spillDir: string | null;
  maxSpillBytes: number;
}

export class WriteQueue {
  private readonly open = new Map<Tier, { lines: PackedLines; queuedMs: number }>();
  private readonly pool = new PackedPool();
  private readonly memory: Batch[] = [];
  private memoryLines = 0;
  private readonly spill: SpillDir | null;
  /** Lines dropped without a spill directory because memory was full (oldest first). */
  private memoryDropped = 0;
  private readonly inFlight = new Set<Taken>();
  private inFlightLines = 0;

  constructor(private readonly limits: QueueLimits, private readonly clock: () => number = Date.now) {
    // Batches waiting for the disk are bounded like memory: a stalled disk holds at most twice the limit.
    this.spill = limits.spillDir ? new SpillDir(limits.spillDir, limits.maxSpillBytes, limits.maxMemoryLines, this.pool, clock) : null;
  }

  /** Takes up the spill files an earlier run left. */
  async start(): Promise<void> {
    await this.spill?.load();
  }

  /** Lines dropped because memory and disk were full, or the disk fell a memory's worth behind (oldest first). */
  get dropped(): number {
    return this.memoryDropped + (this.spill?.dropped ?? 0);
  }

  /** Lines dropped because the disk refused their spill file (full, read-only, gone). */
  get spillDropped(): number {
    return this.spill?.refusedLines ?? 0;
  }

  /** Spill writes the disk refused. */
  get spillFailures(): number {
    return this.spill?.failures ?? 0;
  }

  /** The last refused spill write, cleared by the next that succeeds. */
  get spillError(): { message: string; atMs: number } | null {
    return this.spill?.error ?? null;
  }

  /** Lines waiting, in memory, on disk (or on their way to it) and in requests not yet answered. */
  get size(): number {
    return this.memoryLines + (this.spill?.held().lines ?? 0) + this.inFlightLines;
  }

  /** Sealed batches ready to be taken (disk, on their way to it, and memory). */
  get readyBatches(): number {
    return (this.spill?.held().batches ?? 0) + this.memory.length;
  }

  /** When the oldest line of the open (unsealed) batches was queued, ms; NaN when they are empty. */
  openSinceMs(): number {
    let oldest = Number.NaN;
    for (const o of this.open.values()) if (o.lines.length > 0 && !(o.queuedMs >= oldest)) oldest = o.queuedMs;
    return oldest;
  }

  /** Lines in the open (unsealed) batches. */
  get openLines(): number {
    let n = 0;
    for (const o of this.open.values()) n += o.lines.length;
    return n;
  }

  /**
   * Takes the oldest sealed batch (disk first) for a request; null when none is ready, or while
   * the oldest is being written to its spill file (it is taken from there once written).
   */
  take(): Taken | null {
    const spilled = this.spill?.take() ?? null;
    if (spilled === 'writing') return null;
    let t = spilled;
    if (!t) {
      const b = this.memory.shift();
      if (!b) return null;
      this.memoryLines -= b.lines.length;
      t = { batch: b, file: null };
    }
    this.inFlight.add(t);
    this.inFlightLines += t.batch.lines.length;
    return t;
  }

  /**
   * Ends a taken batch: `unsent` lines (a failed request's: the batch itself, or some of its
   * lines) go back to the head of the queue.
   */
  done(t: Taken, unsent: PackedLines | readonly string[]): void {
    if (!this.inFlight.delete(t)) return;
    this.inFlightLines -= t.batch.lines.length;
    if (t.file) removeSpillFile(t.file);
    let back: PackedLines | null = t.batch.lines;
    if (unsent !== t.batch.lines) {
      this.pool.give(t.batch.lines);
      back = unsent.length > 0 ? PackedLines.of(unsent as readonly string[], this.pool.take()) : null;
    }
    if (!back || back.length === 0) return;
    this.memory.unshift({ rp: t.batch.rp, lines: back, queuedMs: t.batch.queuedMs });
    this.memoryLines += back.length;
    this.enforce();
  }

  /** Bytes of the lines waiting in memory (sealed, open, on their way to disk and in requests not yet answered). */
  get memoryBytes(): number {
    let n = this.spill?.held().memoryBytes ?? 0;
    for (const b of this.memory) n += b.lines.byteLength;
    for (const o of this.open.values()) n += o.lines.byteLength;
    for (const t of this.inFlight) n += t.batch.lines.byteLength;
    return n;
  }

  /** Lines waiting in spill files. */
  get spilledLines(): number {
    return this.spill?.fileLines ?? 0;
  }

  /** When the oldest line still waiting was queued, ms; NaN when nothing waits. */
  oldestQueuedMs(): number {
    let oldest = this.spill?.oldestQueuedMs() ?? this.memory[0]?.queuedMs ?? Number.NaN;
    for (const t of this.inFlight) if (!(t.batch.queuedMs >= oldest)) oldest = t.batch.queuedMs;
    for (const o of this.open.values()) if (o.lines.length > 0 && !(o.queuedMs >= oldest)) oldest = o.queuedMs;
    return oldest;
  }

  push(rp: Tier, lines: string[]): void {
    const now = this.clock();
    let open = this.open.get(rp);
    if (!open) this.open.set(rp, (open = { lines: this.pool.take(), queuedMs: now }));
    if (open.lines.length === 0) open.queuedMs = now;
    for (const line of lines) {
      open.lines.push(line);
      this.memoryLines++;
      if (open.lines.length >= this.limits.batchLines) {
        this.memory.push({ rp, lines: open.lines, queuedMs: open.queuedMs });
        this.open.set(rp, (open = { lines: this.pool.take(), queuedMs: now }));
      }
    }
    this.enforce();
  }

  /** Seals the partly filled batches so they can be sent. */
  seal(): void {
    for (const [rp, open] of this.open) {
      if (open.lines.length === 0) continue;
      this.memory.push({ rp, lines: open.lines, queuedMs: open.queuedMs });
      this.open.set(rp, { lines: this.pool.take(), queuedMs: Number.NaN });
    }
  }

  /** The oldest batch without removing it (disk first). */
  peek(): Batch | null {
    return this.spill?.peek() ?? this.memory[0] ?? null;
  }

  /** Writes everything still in memory to disk (at shutdown); resolves with the lines kept. */
  async spillAll(): Promise<number> {
    this.seal();
    if (!this.spill) return 0;
    const { lines } = this.spill.held();
    const n = this.memoryLines + lines - this.spill.fileLines;
    for (const b of this.memory.splice(0)) this.spill.add(b, false);
    this.memoryLines = 0;
    await this.spill.idle();
    return n;
  }

  /** Resolves when no batch waits for its spill file. */
  async spillIdle(): Promise<void> {
    await this.spill?.idle();
  }

  private enforce(): void {
    while (this.memoryLines > this.limits.maxMemoryLines) {
      if (this.memory.length === 0) this.seal();
      const oldest = this.memory.shift();
      if (!oldest) break;
      this.memoryLines -= oldest.lines.length;
      if (this.spill) {
        this.spill.add(oldest);
      } else {
        this.memoryDropped += oldest.lines.length;
        this.pool.give(oldest.lines);
      }
    }
  }
}
