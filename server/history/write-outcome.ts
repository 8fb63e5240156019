/**
 * What a refused `/write` says about its lines, across InfluxDB versions. Pure.
 *
 * - 1.x: 400 `{"error":"partial write: points beyond retention policy dropped=N"}` — the other
 *   points of the request were written; the N are gone and resending them changes nothing.
 * - 2.x: the same text inside `{"code":…,"message":"failure writing points to database: partial
 *   write: points beyond retention policy dropped=N"}`, as 422 (older releases: 500).
 * - 3.x (Core, Enterprise): 400 `{"error":"partial write of line protocol occurred","data":[{
 *   "line_number": n (1-based), "error_message": …}]}` — only the listed lines were refused.
 * - 3.x Cloud/Serverless: 403 `{"message":"… outside of the retention period: minimum acceptable
 *   timestamp is <ISO> …"}` — nothing was written; lines older than that instant can never be.
 */

/**
 * Why InfluxDB dropped lines for good (a `reason` of `hallwatch_storage_lines_dropped_total`;
 * the other, `buffer_full`, is the write queue's own).
 */
export type DropReason = 'beyond_retention';

export type WriteFailure =
  /** Says nothing about the lines (auth, throttling, outage): keep them and retry. */
  | { kind: 'retry' }
  /** The request's other lines were written; `dropped` of them are gone for good. */
  | { kind: 'partial'; reason: DropReason; dropped: number }
  /** Nothing was written; lines stamped before `minTsMs` can never be, the rest can be resent. */
  | { kind: 'too-old'; minTsMs: number }
  /** Some lines (0-based indexes into the request) were refused; every other line was written. */
  | { kind: 'lines'; refused: { index: number; reason: DropReason | null; message: string }[] }
  /** The request was refused as a whole for something in its lines: split it to find them. */
  | { kind: 'rejected'; message: string };

const RETRY_STATUSES = new Set([401, 403, 404, 408, 429]);
const BEYOND_RETENTION = /points beyond retention policy dropped=(\d+)/;
const OUTSIDE_RETENTION = /outside of the retention period: minimum acceptable timestamp is (\S+?)[,\s]/;

/** The error text of a response body: JSON `error` / `message`, or the body itself. */
export function errorText(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: the body is the message
  }
  return body.trim();
}

/**
 * Classifies a failed write of `lineCount` lines from its HTTP status (undefined: no response)
 * and response body.
 */
export function classifyWriteFailure(status: number | undefined, body: string, lineCount: number): WriteFailure {
  if (status === undefined || status < 400) return { kind: 'retry' };
  const text = errorText(body);
  const old = OUTSIDE_RETENTION.exec(text + ' ');
  if (old && Number.isFinite(Date.parse(old[1]))) return { kind: 'too-old', minTsMs: Date.parse(old[1]) };
  const beyond = BEYOND_RETENTION.exec(text);
  if (beyond) return { kind: 'partial', reason: 'beyond_retention', dropped: Math.min(lineCount, Number(beyond[1])) };
  const lines = perLineErrors(body, lineCount);
  if (lines) return { kind: 'lines', refused: lines };
  if (status >= 500 || RETRY_STATUSES.has(status)) return { kind: 'retry' };
  return { kind: 'rejected', message: text };
}

function perLineErrors(body: string, lineCount: number): { index: number; reason: DropReason | null; message: string }[] | null {
  let j: { error?: unknown; data?: unknown };
  try {
    j = JSON.parse(body);
  } catch {
    return null;
  }
  if (j.error !== 'partial write of line protocol occurred' || !Array.isArray(j.data)) return null;
  const out: { index: number; reason: DropReason | null; message: string }[] = [];
  for (const d of j.data as { line_number?: unknown; error_message?: unknown }[]) {
    const index = Number(d?.line_number) - 1;
    if (!Number.isInteger(index) || index < 0 || index >= lineCount) return null;
    const message = typeof d.error_message === 'string' ? d.error_message : 'refused';
    out.push({ index, reason: /retention/i.test(message) ? 'beyond_retention' : null, message });
  }
  return out.length > 0 ? out : null;
}

/** The timestamp (ms, the writer's precision) at the end of a line of line protocol. */
export function lineTsMs(line: string): number {
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}
