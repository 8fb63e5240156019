/**
 * Builds one line-protocol line in bytes and hands it out as a single flat string. A line built
 * by string concatenation is a tree of a few hundred small strings (a raw block carries ~160
 * numbers) until something reads it; queued for a write request, such trees outlived the young
 * generation and were most of what the server's old space collected at 1 GW. One buffer is
 * shared: lines are built one at a time on the event loop.
 */

const ZERO = 48;
const MINUS = 45;
const DOT = 46;

/** Bytes of a prebuilt piece (an escaped head, a field key): copied, never re-encoded. */
export function encoded(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

const keyLists = new Map<string, readonly Uint8Array[]>();

/**
 * `before + key + after` for each key, encoded once for the process: every entity of a kind has
 * the same field keys, and at a gigawatt site a copy per entity and tier was millions of small
 * buffers (about 150 MB at 20,000 racks). `fieldKeys` are already escaped.
 */
export function encodedKeys(fieldKeys: readonly string[], before: string, after: string): readonly Uint8Array[] {
  const id = `${before}\u0000${after}\u0000${fieldKeys.join('\u0000')}`;
  let list = keyLists.get(id);
  if (!list) keyLists.set(id, (list = fieldKeys.map((k) => encoded(before + k + after))));
  return list;
}

export class LineBuffer {
  private buf = Buffer.allocUnsafe(16 * 1024);
  private n = 0;
  /** Scratch for the digits of one integer, least significant first. */
  private readonly digits = new Uint8Array(20);

  /** Starts a new line. */
  reset(): this {
    this.n = 0;
    return this;
  }

  /** Bytes written so far (a mark to `rewind` to). */
  get length(): number {
    return this.n;
  }

  /** Drops what was written after `mark`. */
  rewind(mark: number): void {
    this.n = mark;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }

  byte(c: number): this {
    this.room(1);
    this.buf[this.n++] = c;
    return this;
  }

  /** ASCII text only (a number's `String()`, a schema name); anything else goes through `encoded`. */
  ascii(s: string): this {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i);
    return this;
  }

  /** `v` rounded to 3 decimals, as `String(Math.round(v * 1000) / 1000)` writes it (|v| < 9e12). */
  num3(v: number): this {
    const m = Math.round(v * 1000);
    if (!(Math.abs(m) < 9e15)) return this.ascii(String(m / 1000));
    let a = m;
    if (a < 0) {
      this.byte(MINUS);
      a = -a;
    }
    const whole = Math.floor(a / 1000);
    const frac = a - whole * 1000;
    this.uint(whole);
    if (frac !== 0) {
      const d1 = Math.floor(frac / 100);
      const d2 = Math.floor(frac / 10) % 10;
      const d3 = frac % 10;
      this.room(4);
      this.buf[this.n++] = DOT;
      this.buf[this.n++] = ZERO + d1;
      if (d2 !== 0 || d3 !== 0) this.buf[this.n++] = ZERO + d2;
      if (d3 !== 0) this.buf[this.n++] = ZERO + d3;
    }
    return this;
  }

  /** An integer (a timestamp or an offset, ms); anything else as `String()` writes it. */
  int(v: number): this {
    if (!Number.isSafeInteger(v)) return this.ascii(String(v));
    if (v < 0) {
      this.byte(MINUS);
      v = -v;
    }
    return this.uint(v);
  }

  /** The line as one flat string. */
  text(): string {
    return this.buf.toString('utf8', 0, this.n);
  }

  private uint(x: number): this {
    let k = 0;
    do {
      const q = Math.floor(x / 10);
      this.digits[k++] = x - q * 10;
      x = q;
    } while (x > 0);
    this.room(k);
    while (k > 0) this.buf[this.n++] = ZERO + this.digits[--k];
    return this;
  }

  private room(more: number): void {
    if (this.n + more <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + more));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }
}

/** The buffer every line of the process is built in. */
export const LINE = new LineBuffer();
