/**
 * InfluxDB line protocol, written by hand so escaping is exact: no ID can inject a tag, a
 * field or a line. Non-finite numbers are never written: the field is left out, and a point
 * with no field left is not written at all.
 */
import { LINE, encoded, encodedKeys } from './line-buffer.ts';

/**
 * Characters line protocol cannot carry unambiguously. InfluxDB 1.x reads a backslash
 * literally unless a special character follows, so a value ending in `\` would swallow the
 * separator after it: backslashes become `/` (Hallwatch IDs never contain one) and newlines
 * become spaces.
 */
function sanitize(s: string): string {
  return s.replace(/\\/g, '/').replace(/[\r\n]/g, ' ');
}

/** Measurement names escape commas and spaces. */
export function escapeMeasurement(s: string): string {
  return sanitize(s).replace(/[, ]/g, (c) => '\\' + c);
}

/** Tag keys, tag values and field keys escape commas, equals signs and spaces. */
export function escapeKey(s: string): string {
  return sanitize(s).replace(/[,= ]/g, (c) => '\\' + c);
}

export type Fields = Record<string, number | null | undefined>;

/**
 * One point, or null when it has no finite field. `tsMs` is written with precision=ms.
 * Tags are sorted by key (InfluxDB's recommendation for write performance).
 */
export function formatPoint(measurement: string, tags: Record<string, string>, fields: Fields, tsMs: number): string | null {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'number' && Number.isFinite(v)) parts.push(`${escapeKey(k)}=${v}`); // a bare number is a float in line protocol
  }
  if (parts.length === 0 || !Number.isFinite(tsMs)) return null;
  let head = escapeMeasurement(measurement);
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v === '') continue; // InfluxDB rejects empty tag values
    head += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return `${head} ${parts.join(',')} ${Math.round(tsMs)}`;
}

/**
 * One entity's point layout, escaped once: measurement and sorted tags (the head), and the field
 * keys in a fixed order. `line()` then costs one string concatenation per finite value — the
 * recorder formats thousands of points a second. Produces exactly what `formatPoint` does for the
 * same measurement, tags and fields in `fieldKeys` order.
 */
export class PointFormat {
  readonly head: string;
  private readonly headBytes: Uint8Array;
  /** `key=` per field, and `,key=` for every field after the first written. */
  private readonly keys: readonly Uint8Array[];
  private readonly nextKeys: readonly Uint8Array[];

  /**
   * `milli`: values rounded to 3 decimals (`LineBuffer.num3`), as raw blocks and the memory window
   * keep them — the raw tier's points; rollups are written exact. Either way a bare number, a
   * float in line protocol (never `42i`: a field's type is fixed per shard, and an integer
   * written once would make InfluxDB refuse the field's next fractional value).
   */
  constructor(measurement: string, tags: Record<string, string>, fieldKeys: readonly string[], private readonly milli = false) {
    let head = escapeMeasurement(measurement);
    for (const k of Object.keys(tags).sort()) if (tags[k] !== '') head += `,${escapeKey(k)}=${escapeKey(tags[k])}`;
    this.head = head + ' ';
    this.headBytes = encoded(this.head);
    const escaped = fieldKeys.map(escapeKey);
    this.keys = encodedKeys(escaped, '', '=');
    this.nextKeys = encodedKeys(escaped, ',', '=');
  }

  get fieldCount(): number {
    return this.keys.length;
  }

  /**
   * The line for `values` (one per field key; NaN and ±Infinity left out), or null when none is
   * finite. Built in bytes and returned as one flat string (line-buffer.ts says why).
   */
  line(values: ArrayLike<number>, tsMs: number): string | null {
    if (!Number.isFinite(tsMs)) return null;
    const w = LINE.reset().bytes(this.headBytes);
    const start = w.length;
    for (let i = 0; i < this.keys.length; i++) {
      const v = values[i];
      if (v - v !== 0) continue; // NaN or ±Infinity
      w.bytes(w.length === start ? this.keys[i] : this.nextKeys[i]);
      if (this.milli) w.num3(v);
      else w.ascii(String(v)); // a bare number is a float in line protocol
    }
    if (w.length === start) return null;
    return w.byte(32).int(Math.round(tsMs)).text();
  }
}
