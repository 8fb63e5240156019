/**
 * The writer's bounded queue of line-protocol batches. Batches wait in memory up to
 * `maxMemoryLines`; beyond that the oldest move to `spillDir` (when set) up to
 * `maxSpillBytes`; beyond that the oldest are dropped and counted exactly. Disk batches are
 * older than memory ones and leave first, so order is kept. Batches left at shutdown are
 * spilled and taken up again at the next start. Lines wait packed in bytes (`PackedLines`), the
 * request body and the spill file as they are, in buffers reused batch after batch.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

  constructor(private readonly limits: QueueLimits, private readonly clock: () => number = Date.now) {
    if (limits.spillDir) this.loadSpill(limits.spillDir);
  }

  /** Lines waiting, in memory, on disk and in requests not yet answered. */
  get size(): number {
    return this.memoryLines + this.spilledLines + this.inFlightLines;
  }

  /** Sealed batches ready to be taken (disk and memory). */
  get readyBatches(): number {
    return this.spillFiles.length + this.memory.length;
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

  /** Takes the oldest sealed batch (disk first) for a request; null when none is ready. */
  take(): Taken | null {
    let t: Taken;
    if (this.spillFiles.length > 0) {
      const f = this.spillFiles.shift()!;
      this.spillBytes -= f.bytes;
      t = { batch: { ...this.readSpill(f.path), queuedMs: f.queuedMs }, file: f.path };
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

  /** Bytes of the lines waiting in memory (sealed, open and in requests not yet answered). */
  get memoryBytes(): number {
    let n = 0;
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
    let oldest = this.spillFiles[0]?.queuedMs ?? this.memory[0]?.queuedMs ?? Number.NaN;
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
    return this.memory[0] ?? null;
  }

  /** Writes everything still in memory to disk (at shutdown); returns the lines kept. */
  spillAll(): number {
    this.seal();
    if (!this.limits.spillDir) return 0;
    let n = 0;
    while (this.memory.length > 0) {
      const b = this.memory.shift()!;
      this.memoryLines -= b.lines.length;
      this.writeSpill(b);
      n += b.lines.length;
      this.pool.give(b.lines);
    }
    return n;
  }

  private enforce(): void {
    while (this.memoryLines > this.limits.maxMemoryLines) {
      if (this.memory.length === 0) this.seal();
      const oldest = this.memory.shift();
      if (!oldest) break;
      this.memoryLines -= oldest.lines.length;
      if (this.limits.spillDir) this.writeSpill(oldest);
      else this.dropped += oldest.lines.length;
      this.pool.give(oldest.lines);
    }
    while (this.spillBytes > this.limits.maxSpillBytes && this.spillFiles.length > 0) {
      const f = this.spillFiles.shift()!;
      this.spillBytes -= f.bytes;
      this.dropped += f.lines;
      removeQuietly(f.path);
    }
  }

  private writeSpill(b: Batch): void {
    const dir = this.limits.spillDir!;
    // Named by queue time (then a sequence), so the oldest sorts first and keeps its age across restarts.
    const name = `${String(Math.round(b.queuedMs)).padStart(15, '0')}-${String(this.spillSeq++).padStart(8, '0')}-${b.rp}.lp`;
    const path = join(dir, name);
    const body = b.lines.body();
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, body);
    } catch (e) {
      // Disk full or read-only: the batch is lost (counted), the partial file removed, the server goes on.
      removeQuietly(path);
      this.spillDropped += b.lines.length;
      this.spillFailures++;
      this.spillError = { message: (e as Error).message, atMs: this.clock() };
      return;
    }
    this.spillError = null;
    this.spillFiles.push({ path, lines: b.lines.length, bytes: body.length, queuedMs: b.queuedMs });
    this.spillBytes += body.length;
  }

  private readSpill(path: string, into = this.pool.take()): Batch {
    const rp = /-(raw|m1|h1)\.lp$/.exec(path)?.[1] as Tier;
    return { rp, lines: PackedLines.fromBytes(readFileSync(path), into), queuedMs: this.spillFiles[0]?.queuedMs ?? this.clock() };
  }

  private loadSpill(dir: string): void {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /-(raw|m1|h1)\.lp$/.test(n)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const bytes = statSync(path).size;
      const lines = PackedLines.countIn(readFileSync(path));
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
