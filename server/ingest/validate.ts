/**
 * Classifies one MQTT message against the contract and the site: a rack or CDU sample, a
 * status change, or a rejection with its reason. Pure: no I/O, the clock is an argument.
 */
import { isUtf8 } from 'node:buffer';
import { parseTopic } from '../../protocol/topics.ts';
import {
  parseCduTelemetry, parseRackTelemetry, parseStatus,
  type CduTelemetry, type RackTelemetry, type RejectReason, type Status,
} from '../../protocol/telemetry.ts';
import type { SiteIndex } from '../site/site-index.ts';

export interface ValidationLimits {
  topicRoot: string;
  /** Largest accepted payload, bytes. */
  maxPayloadBytes: number;
  /** Largest accepted |source ts − server now|, ms. */
  maxClockSkewMs: number;
}

export type Classified =
  | { ok: true; kind: 'rack'; index: number; sample: RackTelemetry }
  | { ok: true; kind: 'cdu'; index: number; sample: CduTelemetry }
  | { ok: true; kind: 'status'; entity: 'rack' | 'cdu'; index: number; status: Status }
  | { ok: false; reason: RejectReason; message: string; rackIndex?: number };

function reject(reason: RejectReason, message: string): Classified {
  return { ok: false, reason, message };
}

/** A topic as it may appear in a log line: at most 200 characters, control characters escaped. */
export function printable(text: string): string {
  const cut = text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Keys whose repetition in one payload is refused: JSON parsers disagree on which value wins. */
const RACK_KEYS = ['"ts"', '"rackKw"', '"supplyC"', '"returnC"', '"flowLpm"', '"leak"'];
const CDU_KEYS = ['"ts"', '"supplyC"', '"returnC"', '"flowLpm"', '"running"'];

function repeatedKey(text: string, keys: readonly string[]): string | null {
  for (const k of keys) {
    const at = text.indexOf(k);
    if (at >= 0 && text.indexOf(k, at + k.length) >= 0) return k.slice(1, -1);
  }
  return null;
}

/** Values a sensor cannot have: counted against the rack they came from (a sensor fault). */
const SENSOR_REASONS: ReadonlySet<RejectReason> = new Set<RejectReason>(['not_finite', 'out_of_range', 'impossible']);

export function classifyMessage(
  site: SiteIndex,
  limits: ValidationLimits,
  topic: string,
  payload: Uint8Array,
  nowMs: number,
): Classified {
  if (payload.length > limits.maxPayloadBytes) {
    return reject('oversized', `${printable(topic)}: payload of ${payload.length} bytes exceeds ${limits.maxPayloadBytes}`);
  }
  const t = parseTopic(limits.topicRoot, topic);
  if (!t) return reject('bad_topic', `${printable(topic)}: not a Hallwatch entity topic under ${limits.topicRoot}`);
  if (!site.hallIds.has(t.hallId)) return reject('unknown_hall', `${printable(topic)}: no hall "${printable(t.hallId)}" in the site`);
  const index = t.kind === 'rack' ? site.rackIndexById.get(t.id) : site.cduIndexById.get(t.id);
  const hallOf = index === undefined ? undefined : t.kind === 'rack' ? site.racks[index].hallId : site.cdus[index].hallId;
  if (index === undefined || hallOf !== t.hallId) {
    return reject(t.kind === 'rack' ? 'unknown_rack' : 'unknown_cdu', `${topic}: no ${t.kind} "${t.id}" in hall ${t.hallId}`);
  }
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!isUtf8(buf)) return reject('not_utf8', `${topic}: payload is not valid UTF-8`);
  const text = buf.toString('utf8');
  if (t.channel === 'status') {
    const s = parseStatus(text);
    if (!s.ok) return reject(s.reason, `${topic}: ${s.message}`);
    return { ok: true, kind: 'status', entity: t.kind, index, status: s.value };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reject('malformed_json', `${topic}: payload is not valid JSON`);
  }
  const dup = repeatedKey(text, t.kind === 'rack' ? RACK_KEYS : CDU_KEYS);
  if (dup) return reject('duplicate_key', `${topic}: key "${dup}" appears more than once (which value is meant is ambiguous)`);
  const parsed = t.kind === 'rack' ? parseRackTelemetry(json) : parseCduTelemetry(json);
  if (!parsed.ok) {
    const r = { ok: false as const, reason: parsed.reason, message: `${topic}: ${parsed.message}` };
    return t.kind === 'rack' && SENSOR_REASONS.has(parsed.reason) ? { ...r, rackIndex: index } : r;
  }
  const skewMs = parsed.value.ts - nowMs;
  if (Math.abs(skewMs) > limits.maxClockSkewMs) {
    return reject('clock_skew', `${topic}: ts is ${Math.round(skewMs / 1000)} s from server time (limit ±${limits.maxClockSkewMs / 1000} s)`);
  }
  if (t.kind === 'rack') return { ok: true, kind: 'rack', index, sample: parsed.value as RackTelemetry };
  return { ok: true, kind: 'cdu', index, sample: parsed.value as CduTelemetry };
}
