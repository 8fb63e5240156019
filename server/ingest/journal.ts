/**
 * The at-least-once ingest's journal: every MQTT message is appended to the current segment
 * (one write call, so a killed process loses nothing the kernel has) before it is processed and
 * acknowledged. A segment is closed every `segmentMs` and deleted once everything queued before
 * its close has reached InfluxDB (`writtenBeforeMs`). At start, segments left by a crash are
 * replayed through the ingest: their samples come back as late samples, their duplicates are
 * refused, and InfluxDB stores a point written twice once.
 *
 * Frame: u32 topic bytes, u32 payload bytes, topic, payload (little-endian).
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface JournalSegment {
  path: string;
  /** When the segment was closed, ms; NaN while it is the one being written. */
  closedMs: number;
}

export class Journal {
  private fd: number | null = null;
  private current: JournalSegment | null = null;
  private readonly closed: JournalSegment[] = [];
  private seq = 0;
  private openedMs = 0;
  /** Appends the disk refused (the message is still processed and acknowledged). */
  failures = 0;
  lastError: string | null = null;

  private left = 0;

  constructor(
    private readonly dir: string,
    private readonly clock: () => number,
    private readonly segmentMs = 10_000,
  ) {}

  /** Creates the directory and counts the segments an earlier run left. */
  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.left = (await readdir(this.dir)).filter((n) => n.endsWith('.journal')).length;
  }

  /** Segments an earlier run left (a crash, or a stop before they were written), counted at `start()`: `recover()` replays them. */
  get leftBehind(): number {
    return this.left;
  }

  /** Messages of the segments a previous run left, oldest first; the segments stay until written. */
  recover(): { topic: string; payload: Buffer }[] {
    const names = readdirSync(this.dir).filter((n) => n.endsWith('.journal')).sort();
    const out: { topic: string; payload: Buffer }[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      const buf = readFileSync(path);
      let at = 0;
      // A frame cut short by the crash is the last one: stop there.
      while (at + 8 <= buf.length) {
        const t = buf.readUInt32LE(at);
        const p = buf.readUInt32LE(at + 4);
        if (at + 8 + t + p > buf.length) break;
        out.push({ topic: buf.toString('utf8', at + 8, at + 8 + t), payload: buf.subarray(at + 8 + t, at + 8 + t + p) });
        at += 8 + t + p;
      }
      this.closed.push({ path, closedMs: this.clock() });
    }
    return out;
  }

  append(topic: string, payload: Buffer): void {
    const now = this.clock();
    if (this.fd === null || now - this.openedMs >= this.segmentMs) this.rotate(now);
    if (this.fd === null) {
      this.failures++;
      return;
    }
    const t = Buffer.from(topic);
    const head = Buffer.allocUnsafe(8);
    head.writeUInt32LE(t.length, 0);
    head.writeUInt32LE(payload.length, 4);
    try {
      writeSync(this.fd, Buffer.concat([head, t, payload]));
    } catch (e) {
      this.failures++;
      this.lastError = (e as Error).message;
    }
  }

  /** Deletes closed segments whose every message was written: nothing queued before their close waits. */
  prune(writtenBeforeMs: number): void {
    while (this.closed.length > 0 && this.closed[0].closedMs < writtenBeforeMs) {
      rmSync(this.closed.shift()!.path, { force: true });
    }
  }

  get segments(): number {
    return this.closed.length + (this.current ? 1 : 0);
  }

  private rotate(now: number): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.closed.push({ path: this.current!.path, closedMs: now });
    }
    const path = join(this.dir, `${String(now).padStart(15, '0')}-${String(this.seq++).padStart(6, '0')}.journal`);
    try {
      this.fd = openSync(path, 'a');
      this.current = { path, closedMs: Number.NaN };
    } catch (e) {
      this.fd = null;
      this.current = null;
      this.failures++;
      this.lastError = (e as Error).message;
    }
    this.openedMs = now;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    if (this.current) this.closed.push({ path: this.current.path, closedMs: this.clock() });
    this.fd = null;
    this.current = null;
  }
}
