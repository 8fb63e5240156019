/**
 * InfluxDB line protocol, written by hand so escaping is exact: no ID can inject a tag, a
 * field or a line. Non-finite numbers are never written: the field is left out, and a point
 * with no field left is not written at all.
 */

/** Measurement names escape backslashes, commas and spaces; newlines become (escaped) spaces. */
export function escapeMeasurement(s: string): string {
  return s.replace(/[\r\n]/g, ' ').replace(/[\\, ]/g, (c) => '\\' + c);
}

/**
 * Tag keys, tag values and field keys escape backslashes, commas, equals signs and spaces;
 * newlines become (escaped) spaces. Escaping the backslash keeps a trailing `\` from
 * swallowing the separator after it.
 */
export function escapeKey(s: string): string {
  return s.replace(/[\r\n]/g, ' ').replace(/[\\,= ]/g, (c) => '\\' + c);
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
