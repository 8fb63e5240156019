/**
 * The writer's bounded queue of line-protocol batches. Batches wait in memory up to
 * `maxMemoryLines`; beyond that the oldest move to `spillDir` (when set) up to
 * `maxSpillBytes`; beyond that the oldest are dropped and counted exactly. Spill files are
 * written one at a time off the caller's stack (never inside a message handler); batches waiting
 * for the disk are bounded by `maxMemoryLines` too, the oldest dropped when the disk falls that
 * far behind. Disk batches are older than memory ones and leave first, so order is kept.
 * Batches left at shutdown are spilled and taken up again at the next start (`start()`). Lines wait packed in bytes (`PackedLines`), the
 * request body and the spill file as they are, in buffers reused batch after batch.
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tier } from './schema.ts';
import { PackedLines, PackedPool } from './packed-lines.ts';

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
  private spillFiles: { path: string; lines: number; bytes: number; queuedMs: number }[] = [];
  private spillBytes = 0;
  private spillSeq = 0;
  /** Batches out of memory's bound, oldest first, waiting for their spill file. */
  private readonly spillWaiting: Batch[] = [];
  private spillWaitingLines = 0;
  /** The batch whose spill file is being written (older than those waiting), and that write. */
  private spillWriting: { batch: Batch; done: Promise<void> } | null = null;
  /** Lines dropped because memory and disk were full (oldest first). */
  dropped = 0;
  /** Lines dropped because the disk refused their spill file (full, read-only, gone). */
  spillDropped = 0;
  /** Spill writes the disk refused. */
  spillFailures = 0;
  /** The last refused spill write, cleared by the next that succeeds. */
  spillError: { message: string; atMs: number } | null = null;
  private readonly inFlight = new Set<Taken>();
  private inFlightLines = 0;

  constructor(private readonly limits: QueueLimits, private readonly clock: () => number = Date.now) {}

  /** Takes up the spill files an earlier run left. */
  async start(): Promise<void> {
    if (this.limits.spillDir) await this.loadSpill(this.limits.spillDir);
  }

  /** Lines waiting, in memory, on disk and in requests not yet answered. */
  get size(): number {
    return this.memoryLines + this.spilledLines + this.inFlightLines + this.spillWaitingLines + (this.spillWriting?.batch.lines.length ?? 0);
  }

  /** Sealed batches ready to be taken (disk, on their way to it, and memory). */
  get readyBatches(): number {
    return this.spillFiles.length + (this.spillWriting ? 1 : 0) + this.spillWaiting.length + this.memory.length;
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
    let t: Taken;
    if (this.spillFiles.length > 0) {
      const f = this.spillFiles.shift()!;
      this.spillBytes -= f.bytes;
      t = { batch: { ...this.readSpill(f.path), queuedMs: f.queuedMs }, file: f.path };
    } else if (this.spillWriting) {
      return null;
    } else if (this.spillWaiting.length > 0) {
      const b = this.spillWaiting.shift()!;
      this.spillWaitingLines -= b.lines.length;
      t = { batch: b, file: null };
    } else {
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
    if (t.file) removeQuietly(t.file);
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
    let n = this.spillWriting?.batch.lines.byteLength ?? 0;
    for (const b of this.spillWaiting) n += b.lines.byteLength;
    for (const b of this.memory) n += b.lines.byteLength;
    for (const o of this.open.values()) n += o.lines.byteLength;
    for (const t of this.inFlight) n += t.batch.lines.byteLength;
    return n;
  }

  get spilledLines(): number {
    return this.spillFiles.reduce((n, f) => n + f.lines, 0);
  }

  /** When the oldest line still waiting was queued, ms; NaN when nothing waits. */
  oldestQueuedMs(): number {
    let oldest = this.spillFiles[0]?.queuedMs ?? this.spillWriting?.batch.queuedMs ?? this.spillWaiting[0]?.queuedMs ?? this.memory[0]?.queuedMs ?? Number.NaN;
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
    if (this.spillFiles.length > 0) return this.readSpill(this.spillFiles[0].path, new PackedLines());
    return this.spillWriting?.batch ?? this.spillWaiting[0] ?? this.memory[0] ?? null;
  }

  /** Writes everything still in memory to disk (at shutdown); resolves with the lines kept. */
  async spillAll(): Promise<number> {
    this.seal();
    if (!this.limits.spillDir) return 0;
    const n = this.memoryLines + this.spillWaitingLines + (this.spillWriting?.batch.lines.length ?? 0);
    this.spillWaiting.push(...this.memory.splice(0));
    this.spillWaitingLines += this.memoryLines;
    this.memoryLines = 0;
    this.writeNextSpill();
    await this.spillIdle();
    return n;
  }

  /** Resolves when no batch waits for its spill file. */
  async spillIdle(): Promise<void> {
    while (this.spillWriting) await this.spillWriting.done;
  }

  private enforce(): void {
    while (this.memoryLines > this.limits.maxMemoryLines) {
      if (this.memory.length === 0) this.seal();
      const oldest = this.memory.shift();
      if (!oldest) break;
      this.memoryLines -= oldest.lines.length;
      if (this.limits.spillDir) {
        this.spillWaiting.push(oldest);
        this.spillWaitingLines += oldest.lines.length;
      } else {
        this.dropped += oldest.lines.length;
        this.pool.give(oldest.lines);
      }
    }
    this.writeNextSpill();
    // A disk that falls a whole memory's worth behind: the oldest waiting batches are dropped.
    while (this.spillWaitingLines > this.limits.maxMemoryLines) {
      const b = this.spillWaiting.shift()!;
      this.spillWaitingLines -= b.lines.length;
      this.dropped += b.lines.length;
      this.pool.give(b.lines);
    }
    this.dropSpillBeyondBytes();
  }

  private dropSpillBeyondBytes(): void {
    while (this.spillBytes > this.limits.maxSpillBytes && this.spillFiles.length > 0) {
      const f = this.spillFiles.shift()!;
      this.spillBytes -= f.bytes;
      this.dropped += f.lines;
      removeQuietly(f.path);
    }
  }

  /** Starts writing the oldest waiting batch when no write runs; each finished write starts the next. */
  private writeNextSpill(): void {
    if (this.spillWriting || this.spillWaiting.length === 0) return;
    const batch = this.spillWaiting.shift()!;
    this.spillWaitingLines -= batch.lines.length;
    const done = this.writeSpill(batch).finally(() => {
      this.spillWriting = null;
      this.pool.give(batch.lines);
      this.writeNextSpill();
    });
    this.spillWriting = { batch, done };
  }

  private async writeSpill(b: Batch): Promise<void> {
    const dir = this.limits.spillDir!;
    // Named by queue time (then a sequence), so the oldest sorts first and keeps its age across restarts.
    const name = `${String(Math.round(b.queuedMs)).padStart(15, '0')}-${String(this.spillSeq++).padStart(8, '0')}-${b.rp}.lp`;
    const path = join(dir, name);
    const body = b.lines.body();
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(path, body);
    } catch (e) {
      // Disk full or read-only: the batch is lost (counted), the partial file removed, the server goes on.
      await rm(path, { force: true }).catch(() => undefined);
      this.spillDropped += b.lines.length;
      this.spillFailures++;
      this.spillError = { message: (e as Error).message, atMs: this.clock() };
      return;
    }
    this.spillError = null;
    this.spillFiles.push({ path, lines: b.lines.length, bytes: body.length, queuedMs: b.queuedMs });
    this.spillBytes += body.length;
    this.dropSpillBeyondBytes();
  }

  private readSpill(path: string, into = this.pool.take()): Batch {
    const rp = /-(raw|m1|h1)\.lp$/.exec(path)?.[1] as Tier;
    return { rp, lines: PackedLines.fromBytes(readFileSync(path), into), queuedMs: this.spillFiles[0]?.queuedMs ?? this.clock() };
  }

  private async loadSpill(dir: string): Promise<void> {
    let names: string[] = [];
    try {
      names = (await readdir(dir)).filter((n) => /-(raw|m1|h1)\.lp$/.test(n)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const bytes = (await stat(path)).size;
      const lines = PackedLines.countIn(await readFile(path));
      this.spillFiles.push({ path, lines, bytes, queuedMs: Number(name.slice(0, 15)) });
      this.spillBytes += bytes;
    }
  }
}

/**
 * Deletes a spill file; a read-only directory keeps it (its lines are sent again after a
 * restart, and InfluxDB stores a point written twice once).
 */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // read-only: see above
  }
}
