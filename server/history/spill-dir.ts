/**
 * The write queue's overflow on disk: one line-protocol file per batch in `dir`, named by queue
 * time so the oldest sorts first and keeps its age across restarts. Batches handed over wait in
 * memory for their file, written one at a time off the caller's stack (never inside a message
 * handler); at most `maxWaitingLines` wait, the oldest dropped (counted) when the disk falls
 * that far behind. Files beyond `maxBytes` are dropped oldest first.
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tier } from './schema.ts';
import { PackedLines, type PackedPool } from './packed-lines.ts';
import type { Batch, Taken } from './write-queue.ts';

interface SpillFile {
  path: string;
  lines: number;
  bytes: number;
  queuedMs: number;
}

export class SpillDir {
  private files: SpillFile[] = [];
  private bytes = 0;
  private seq = 0;
  /** Batches waiting for their file, oldest first. */
  private readonly waiting: Batch[] = [];
  private waitingLines = 0;
  /** The batch whose file is being written (older than those waiting), and that write. */
  private writing: { batch: Batch; done: Promise<void> } | null = null;
  /** Lines dropped because the disk was full (`maxBytes`) or too far behind. */
  dropped = 0;
  /** Lines dropped because the disk refused their file (full, read-only, gone). */
  refusedLines = 0;
  /** Spill writes the disk refused. */
  failures = 0;
  /** The last refused spill write, cleared by the next that succeeds. */
  error: { message: string; atMs: number } | null = null;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly maxWaitingLines: number,
    private readonly pool: PackedPool,
    private readonly clock: () => number,
  ) {}

  /** Takes up the files an earlier run left. */
  async load(): Promise<void> {
    let names: string[] = [];
    try {
      names = (await readdir(this.dir)).filter((n) => /-(raw|m1|h1)\.lp$/.test(n)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.dir, name);
      const bytes = (await stat(path)).size;
      this.files.push({ path, lines: PackedLines.countIn(await readFile(path)), bytes, queuedMs: Number(name.slice(0, 15)) });
      this.bytes += bytes;
    }
  }

  /** Lines in files. */
  get fileLines(): number {
    return this.files.reduce((n, f) => n + f.lines, 0);
  }

  /** Batches handed over and not yet taken: their number, lines and bytes held in memory. */
  held(): { batches: number; lines: number; memoryBytes: number } {
    const inMemory = this.writing ? [this.writing.batch, ...this.waiting] : this.waiting;
    return {
      batches: this.files.length + inMemory.length,
      lines: this.fileLines + this.waitingLines + (this.writing?.batch.lines.length ?? 0),
      memoryBytes: inMemory.reduce((n, b) => n + b.lines.byteLength, 0),
    };
  }

  /** When the oldest batch here was queued, ms; undefined when none is. */
  oldestQueuedMs(): number | undefined {
    return this.files[0]?.queuedMs ?? this.writing?.batch.queuedMs ?? this.waiting[0]?.queuedMs;
  }

  /** Hands over a batch out of memory's bound; `bounded` drops the oldest waiting beyond the limit. */
  add(b: Batch, bounded = true): void {
    this.waiting.push(b);
    this.waitingLines += b.lines.length;
    this.writeNext();
    while (bounded && this.waitingLines > this.maxWaitingLines) {
      const old = this.waiting.shift()!;
      this.waitingLines -= old.lines.length;
      this.dropped += old.lines.length;
      this.pool.give(old.lines);
    }
  }

  /** Resolves when no batch waits for its file. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing.done;
  }

  /** The oldest batch (read back from its file), 'writing' while the oldest is on its way to disk, null when none is here. */
  take(): Taken | 'writing' | null {
    const f = this.files.shift();
    if (f) {
      this.bytes -= f.bytes;
      return { batch: { ...this.read(f.path), queuedMs: f.queuedMs }, file: f.path };
    }
    if (this.writing) return 'writing';
    const b = this.waiting.shift();
    if (!b) return null;
    this.waitingLines -= b.lines.length;
    return { batch: b, file: null };
  }

  /** The oldest batch without removing it. */
  peek(): Batch | null {
    if (this.files.length > 0) return this.read(this.files[0].path, new PackedLines());
    return this.writing?.batch ?? this.waiting[0] ?? null;
  }

  private writeNext(): void {
    if (this.writing || this.waiting.length === 0) return;
    const batch = this.waiting.shift()!;
    this.waitingLines -= batch.lines.length;
    const done = this.write(batch).finally(() => {
      this.writing = null;
      this.pool.give(batch.lines);
      this.writeNext();
    });
    this.writing = { batch, done };
  }

  private async write(b: Batch): Promise<void> {
    const path = join(this.dir, `${String(Math.round(b.queuedMs)).padStart(15, '0')}-${String(this.seq++).padStart(8, '0')}-${b.rp}.lp`);
    const body = b.lines.body();
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(path, body);
    } catch (e) {
      // Disk full or read-only: the batch is lost (counted), the partial file removed, the server goes on.
      await rm(path, { force: true }).catch(() => undefined);
      this.refusedLines += b.lines.length;
      this.failures++;
      this.error = { message: (e as Error).message, atMs: this.clock() };
      return;
    }
    this.error = null;
    this.files.push({ path, lines: b.lines.length, bytes: body.length, queuedMs: b.queuedMs });
    this.bytes += body.length;
    while (this.bytes > this.maxBytes && this.files.length > 0) {
      const f = this.files.shift()!;
      this.bytes -= f.bytes;
      this.dropped += f.lines;
      removeSpillFile(f.path);
    }
  }

  private read(path: string, into = this.pool.take()): Batch {
    const rp = /-(raw|m1|h1)\.lp$/.exec(path)?.[1] as Tier;
    return { rp, lines: PackedLines.fromBytes(readFileSync(path), into), queuedMs: this.files[0]?.queuedMs ?? this.clock() };
  }
}

/**
 * Deletes a spill file; a read-only directory keeps it (its lines are sent again after a
 * restart, and InfluxDB stores a point written twice once).
 */
export function removeSpillFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // read-only: see above
  }
}
