/**
 * The lines of one write batch packed in a byte buffer, each followed by a newline: as they wait
 * they are the body of their write request and the content of their spill file as is. At a
 * gigawatt site thousands of lines a second wait for InfluxDB, some for seconds; held as
 * strings they outlived V8's young generation and filled its old space. Packed, they are a few
 * buffers outside the JavaScript heap, recycled through a `PackedPool`.
 */

const NEWLINE = 10;

/** Calls `line(start, end)` for each non-empty line of newline-separated `bytes`. */
function eachLine(bytes: Uint8Array, line: (start: number, end: number) => void): void {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    if (end > start) line(start, end);
    start = end + 1;
  }
}

export class PackedLines {
  private buf: Buffer;
  private used = 0;
  /** Where each line ends (its newline), bytes. */
  private ends: Int32Array;
  private n = 0;

  constructor(capacityBytes = 64 * 1024, capacityLines = 256) {
    this.buf = Buffer.allocUnsafe(capacityBytes);
    this.ends = new Int32Array(capacityLines);
  }

  /** Packs `lines` (tests, and lines put back after a refused request). */
  static of(lines: readonly string[], into = new PackedLines()): PackedLines {
    for (const l of lines) into.push(l);
    return into;
  }

  /** Packs the non-empty lines of newline-separated `bytes` (a spill file). */
  static fromBytes(bytes: Uint8Array, into = new PackedLines(bytes.length + 1)): PackedLines {
    eachLine(bytes, (start, end) => into.pushBytes(bytes, start, end));
    return into;
  }

  /** Non-empty lines in newline-separated `bytes`, counted without copying them. */
  static countIn(bytes: Uint8Array): number {
    let n = 0;
    eachLine(bytes, () => n++);
    return n;
  }

  get length(): number {
    return this.n;
  }

  /** Bytes of the packed lines, newlines included. */
  get byteLength(): number {
    return this.used;
  }

  /** Bytes this batch holds, used or not. */
  get capacityBytes(): number {
    return this.buf.length;
  }

  push(line: string): void {
    // Most lines are ASCII; the exact size is computed only when the worst case would not fit.
    if (this.used + line.length * 3 + 1 > this.buf.length) this.room(Buffer.byteLength(line, 'utf8') + 1);
    this.used += this.buf.write(line, this.used, 'utf8');
    this.endLine();
  }

  pushBytes(src: Uint8Array, start: number, end: number): void {
    this.room(end - start + 1);
    this.buf.set(src.subarray(start, end), this.used);
    this.used += end - start;
    this.endLine();
  }

  /** Line `i` as a string. */
  line(i: number): string {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`line ${i} of ${this.n}`);
    return this.buf.toString('utf8', i === 0 ? 0 : this.ends[i - 1] + 1, this.ends[i]);
  }

  toArray(): string[] {
    const out = new Array<string>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.line(i);
    return out;
  }

  /** The packed bytes (a view, valid until the batch is cleared or reused). */
  body(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  clear(): void {
    this.used = 0;
    this.n = 0;
  }

  private endLine(): void {
    this.buf[this.used] = NEWLINE;
    if (this.n === this.ends.length) {
      const more = new Int32Array(this.ends.length * 2);
      more.set(this.ends);
      this.ends = more;
    }
    this.ends[this.n++] = this.used++;
  }

  private room(more: number): void {
    if (this.used + more <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + more));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}

/**
 * Batches handed back once written, spilled or dropped, given out again empty: a steady site
 * reuses the same few buffers instead of allocating one per batch.
 */
export class PackedPool {
  private readonly free: PackedLines[] = [];

  constructor(private readonly keep = 8, private readonly maxKeptBytes = 32 * 1024 * 1024) {}

  take(): PackedLines {
    return this.free.pop() ?? new PackedLines();
  }

  give(p: PackedLines): void {
    if (this.free.length >= this.keep || p.capacityBytes > this.maxKeptBytes || this.free.includes(p)) return;
    p.clear();
    this.free.push(p);
  }

  /** Batches waiting to be reused. */
  get size(): number {
    return this.free.length;
  }
}
