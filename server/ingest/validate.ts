/**
 * Classifies one MQTT message against the contract and the site: a rack or CDU sample, a
 * status change, or a rejection with its reason. Pure: no I/O, the clock is an argument.
 */
import { isUtf8 } from 'node:buffer';
import { parseTopic } from '../../protocol/topics.ts';
import {
  CDU_UNIQUE_KEYS, RACK_UNIQUE_KEYS, parseCduTelemetry, parseRackTelemetry, parseStatus,
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

/** Keys whose repetition in one payload is refused, quoted as they stand in the text. */
const RACK_KEYS = RACK_UNIQUE_KEYS.map((k) => `"${k}"`);
const CDU_KEYS = CDU_UNIQUE_KEYS.map((k) => `"${k}"`);

function repeatedKey(text: string, json: unknown, keys: readonly string[]): string | null {
  if (noRepeatedKeys(text, json)) return null;
  for (const k of keys) {
    const at = text.indexOf(k);
    if (at >= 0 && text.indexOf(k, at + k.length) >= 0) return k.slice(1, -1);
  }
  return null;
}

/**
 * True when the text provably repeats no key: each key of an object is followed by one colon,
 * so a top-level object with as many keys as the text has colons has every key once (and no
 * nested objects). Otherwise the keys that matter are searched for one by one.
 */
function noRepeatedKeys(text: string, json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  let keys = 0;
  for (const k in json) if (Object.hasOwn(json, k)) keys++;
  let colons = 0;
  for (let at = text.indexOf(':'); at >= 0; at = text.indexOf(':', at + 1)) if (++colons > keys) return false;
  return colons === keys;
}

/** Where a topic of a known entity leads (only those are kept: their number is bounded by the site). */
interface KnownTopic {
  kind: 'rack' | 'cdu';
  channel: 'telemetry' | 'status';
  index: number;
}
const knownTopics = new WeakMap<SiteIndex, { root: string; topics: Map<string, KnownTopic> }>();

function topicsOf(site: SiteIndex, root: string): Map<string, KnownTopic> {
  let k = knownTopics.get(site);
  if (!k || k.root !== root) knownTopics.set(site, (k = { root, topics: new Map() }));
  return k.topics;
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
  const known = topicsOf(site, limits.topicRoot);
  let t = known.get(topic);
  if (!t) {
    const p = parseTopic(limits.topicRoot, topic);
    if (!p) return reject('bad_topic', `${printable(topic)}: not a Hallwatch entity topic under ${limits.topicRoot}`);
    if (!site.hallIds.has(p.hallId)) return reject('unknown_hall', `${printable(topic)}: no hall "${printable(p.hallId)}" in the site`);
    const i = p.kind === 'rack' ? site.rackIndexById.get(p.id) : site.cduIndexById.get(p.id);
    const hallOf = i === undefined ? undefined : p.kind === 'rack' ? site.racks[i].hallId : site.cdus[i].hallId;
    if (i === undefined || hallOf !== p.hallId) {
      return reject(p.kind === 'rack' ? 'unknown_rack' : 'unknown_cdu', `${topic}: no ${p.kind} "${p.id}" in hall ${p.hallId}`);
    }
    known.set(topic, (t = { kind: p.kind, channel: p.channel, index: i }));
  }
  const index = t.index;
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
  const dup = repeatedKey(text, json, t.kind === 'rack' ? RACK_KEYS : CDU_KEYS);
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
