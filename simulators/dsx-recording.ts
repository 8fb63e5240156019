/**
 * Recordings of a DSX Exchange bus in the exemplar's CSV format: `offset,topic,payload` with
 * offsets like `3.4731ms`, `1.9s` or `1m39.37s` from the start and `{{timestamp_ms}}` in the
 * payload standing for the publish time. Pure.
 */

export interface RecordedMessage {
  offsetMs: number;
  topic: string;
  /** Payload with `{{timestamp_ms}}` left in place. */
  payload: string;
}

const TIMESTAMP_PLACEHOLDER = '{{timestamp_ms}}';

/** `1m39.3675441s` → 99367.5441; `3.4731ms` → 3.4731; `0s` → 0. NaN when it is not a duration. */
export function parseOffsetMs(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)(ms|s|µs|us|ns))?$/.exec(text.trim());
  if (!m || text.trim() === '') return Number.NaN;
  const [, h, min, v, unit] = m;
  const scale = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'ns' ? 1e-6 : unit ? 1e-3 : 0;
  return (Number(h ?? 0) * 3600 + Number(min ?? 0) * 60) * 1000 + (v ? Number(v) * scale : 0);
}

/** One CSV record per line; fields may be double-quoted with `""` for a quote. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parses a recording; a bad line is an error naming its line number. */
export function parseRecording(text: string): RecordedMessage[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  if (header.join(',') !== 'offset,topic,payload') throw new Error(`line 1: expected the header "offset,topic,payload", got "${lines[0]?.slice(0, 80)}"`);
  const out: RecordedMessage[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const [offset, topic, payload, ...rest] = splitCsvLine(lines[i]);
    const offsetMs = parseOffsetMs(offset ?? '');
    if (!Number.isFinite(offsetMs) || !topic || payload === undefined || rest.length) {
      throw new Error(`line ${i + 1}: expected offset,topic,payload, got "${lines[i].slice(0, 120)}"`);
    }
    out.push({ offsetMs, topic, payload });
  }
  return out.sort((a, b) => a.offsetMs - b.offsetMs);
}

/** The payload as published at `nowMs`. */
export function stamp(payload: string, nowMs: number): string {
  return payload.split(TIMESTAMP_PLACEHOLDER).join(String(Math.round(nowMs)));
}
