/**
 * Telemetry payloads (JSON) and their hand-written parsers. Ranges are the physically
 * possible envelope of a liquid-cooled rack or CDU, not alarm thresholds: a value outside
 * them is a broken sensor or a bad gateway and is rejected, never stored as a reading.
 */
import { fail, ok, type Result } from './result.ts';

/** Why a message was not taken as a reading; each reason is counted in /metrics. */
export type RejectReason =
  | 'bad_topic'
  | 'oversized'
  | 'malformed_json'
  | 'not_object'
  | 'missing_field'
  | 'wrong_type'
  | 'not_finite'
  | 'out_of_range'
  | 'impossible'
  | 'clock_skew'
  | 'unknown_hall'
  | 'unknown_rack'
  | 'unknown_cdu'
  | 'bad_status'
  | 'duplicate'
  | 'duplicate_key'
  | 'not_utf8';

export const REJECT_REASONS: readonly RejectReason[] = [
  'bad_topic', 'oversized', 'malformed_json', 'not_object', 'missing_field', 'wrong_type',
  'not_finite', 'out_of_range', 'impossible', 'clock_skew', 'unknown_hall', 'unknown_rack',
  'unknown_cdu', 'bad_status', 'duplicate', 'duplicate_key', 'not_utf8',
];

export interface RackTelemetry {
  /** Source time, ms since the epoch. */
  ts: number;
  seq?: number;
  rackKw: number;
  supplyC: number;
  returnC: number;
  flowLpm: number;
  /** One entry per GPU, W. */
  gpuW?: number[];
  /** All CPUs of the rack together, W. */
  cpuW?: number;
  /** Hottest GPU, °C. */
  gpuC?: number;
  dpKpa?: number;
  valvePct?: number;
  /** 0 none, 1 warning, 2 critical. */
  leak?: 0 | 1 | 2;
}

export interface CduTelemetry {
  ts: number;
  seq?: number;
  /** Secondary (TCS) loop supply to the racks, °C. */
  supplyC: number;
  returnC: number;
  flowLpm: number;
  facilitySupplyC?: number;
  facilityReturnC?: number;
  pumpPct?: number;
  dpKpa?: number;
  running?: boolean;
}

export type Status = 'online' | 'offline';

interface NumberSpec {
  min: number;
  max: number;
  integer?: boolean;
}

/** Physically possible envelopes. Coolant below 0 °C would be ice; above 95 °C it boils at loop pressure. */
const RACK_REQUIRED: Record<string, NumberSpec> = {
  ts: { min: 0, max: 1e14, integer: true },
  rackKw: { min: 0, max: 400 },
  supplyC: { min: 0, max: 95 },
  returnC: { min: 0, max: 95 },
  flowLpm: { min: 0, max: 2000 },
};

const RACK_OPTIONAL: Record<string, NumberSpec> = {
  seq: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  cpuW: { min: 0, max: 50_000 },
  gpuC: { min: 0, max: 150 },
  dpKpa: { min: -50, max: 1000 },
  valvePct: { min: 0, max: 100 },
  leak: { min: 0, max: 2, integer: true },
};

const CDU_REQUIRED: Record<string, NumberSpec> = {
  ts: RACK_REQUIRED.ts,
  supplyC: RACK_REQUIRED.supplyC,
  returnC: RACK_REQUIRED.returnC,
  flowLpm: { min: 0, max: 50_000 },
};

const CDU_OPTIONAL: Record<string, NumberSpec> = {
  seq: RACK_OPTIONAL.seq,
  facilitySupplyC: { min: 0, max: 95 },
  facilityReturnC: { min: 0, max: 95 },
  pumpPct: { min: 0, max: 100 },
  dpKpa: { min: -50, max: 2000 },
};

/**
 * Keys a payload may not repeat: JSON parsers disagree on which of two values wins, and these
 * decide the reading (the required fields, a rack's leak level, whether a CDU runs).
 */
export const RACK_UNIQUE_KEYS: readonly (keyof RackTelemetry)[] = [...(Object.keys(RACK_REQUIRED) as (keyof RackTelemetry)[]), 'leak'];
export const CDU_UNIQUE_KEYS: readonly (keyof CduTelemetry)[] = [...(Object.keys(CDU_REQUIRED) as (keyof CduTelemetry)[]), 'running'];

/** Most GPUs one rack payload may carry, and the most watts one GPU may draw. */
export const MAX_GPUS_PER_RACK = 576;
export const MAX_GPU_W = 3000;

/**
 * A return colder than supply by more than this cannot come from a heat load:
 * the sensors are swapped or broken.
 */
export const MAX_REVERSE_DELTA_K = 2;

type Rejection = { ok: false; reason: RejectReason; message: string };

function checkNumber(obj: Record<string, unknown>, key: string, spec: NumberSpec): Rejection | null {
  const v = obj[key];
  if (typeof v !== 'number') return fail('wrong_type', `${key} must be a number, got ${describe(v)}`);
  if (!Number.isFinite(v)) return fail('not_finite', `${key} is not finite`);
  if (spec.integer && !Number.isInteger(v)) return fail('wrong_type', `${key} must be an integer, got ${v}`);
  if (v < spec.min || v > spec.max) return fail('out_of_range', `${key}=${v} outside [${spec.min}, ${spec.max}]`);
  return null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** The keys of each field table, listed once (checking a sample is on every message's path). */
const KEYS = new Map<Record<string, NumberSpec>, string[]>();
function keysOf(specs: Record<string, NumberSpec>): string[] {
  let keys = KEYS.get(specs);
  if (!keys) KEYS.set(specs, (keys = Object.keys(specs)));
  return keys;
}

function checkFields(
  obj: Record<string, unknown>,
  required: Record<string, NumberSpec>,
  optional: Record<string, NumberSpec>,
): Rejection | null {
  for (const key of keysOf(required)) {
    if (!Object.hasOwn(obj, key) || obj[key] === undefined) return fail('missing_field', `missing required field ${key}`);
    const err = checkNumber(obj, key, required[key]);
    if (err) return err;
  }
  for (const key of keysOf(optional)) {
    if (!Object.hasOwn(obj, key) || obj[key] === undefined) continue;
    const err = checkNumber(obj, key, optional[key]);
    if (err) return err;
  }
  return null;
}

function asObject(payload: unknown): Record<string, unknown> | Rejection {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return fail('not_object', `payload must be a JSON object, got ${describe(payload)}`);
  }
  return payload as Record<string, unknown>;
}

function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && (v as Rejection).ok === false;
}

/** Validates a decoded rack telemetry payload against the contract's types and physical ranges. */
export function parseRackTelemetry(payload: unknown): Result<RackTelemetry, RejectReason> {
  const obj = asObject(payload);
  if (isRejection(obj)) return obj;
  const err = checkFields(obj, RACK_REQUIRED, RACK_OPTIONAL);
  if (err) return err;
  const sample = obj as unknown as RackTelemetry;
  if (sample.returnC < sample.supplyC - MAX_REVERSE_DELTA_K) {
    return fail('impossible', `returnC=${sample.returnC} is below supplyC=${sample.supplyC} by more than ${MAX_REVERSE_DELTA_K} K`);
  }
  if (obj.gpuW !== undefined) {
    const gpuW = obj.gpuW;
    if (!Array.isArray(gpuW)) return fail('wrong_type', `gpuW must be an array, got ${describe(gpuW)}`);
    if (gpuW.length > MAX_GPUS_PER_RACK) return fail('out_of_range', `gpuW has ${gpuW.length} entries, at most ${MAX_GPUS_PER_RACK}`);
    for (let i = 0; i < gpuW.length; i++) {
      const w = gpuW[i];
      if (typeof w !== 'number') return fail('wrong_type', `gpuW[${i}] must be a number, got ${describe(w)}`);
      if (!Number.isFinite(w)) return fail('not_finite', `gpuW[${i}] is not finite`);
      if (w < 0 || w > MAX_GPU_W) return fail('out_of_range', `gpuW[${i}]=${w} outside [0, ${MAX_GPU_W}]`);
    }
  }
  return ok({
    ts: sample.ts,
    seq: sample.seq,
    rackKw: sample.rackKw,
    supplyC: sample.supplyC,
    returnC: sample.returnC,
    flowLpm: sample.flowLpm,
    gpuW: obj.gpuW as number[] | undefined,
    cpuW: sample.cpuW,
    gpuC: sample.gpuC,
    dpKpa: sample.dpKpa,
    valvePct: sample.valvePct,
    leak: sample.leak,
  });
}

/** Validates a decoded CDU telemetry payload. */
export function parseCduTelemetry(payload: unknown): Result<CduTelemetry, RejectReason> {
  const obj = asObject(payload);
  if (isRejection(obj)) return obj;
  const err = checkFields(obj, CDU_REQUIRED, CDU_OPTIONAL);
  if (err) return err;
  if (obj.running !== undefined && typeof obj.running !== 'boolean') {
    return fail('wrong_type', `running must be a boolean, got ${describe(obj.running)}`);
  }
  const s = obj as unknown as CduTelemetry;
  if (s.running !== false && s.returnC < s.supplyC - MAX_REVERSE_DELTA_K) {
    return fail('impossible', `returnC=${s.returnC} is below supplyC=${s.supplyC} by more than ${MAX_REVERSE_DELTA_K} K`);
  }
  return ok({
    ts: s.ts,
    seq: s.seq,
    supplyC: s.supplyC,
    returnC: s.returnC,
    flowLpm: s.flowLpm,
    facilitySupplyC: s.facilitySupplyC,
    facilityReturnC: s.facilityReturnC,
    pumpPct: s.pumpPct,
    dpKpa: s.dpKpa,
    running: s.running,
  });
}

/** Status payloads are the bare strings `online` or `offline` (retained). */
export function parseStatus(text: string): Result<Status, RejectReason> {
  const t = text.trim();
  if (t === 'online' || t === 'offline') return ok(t);
  return fail('bad_status', `status must be "online" or "offline", got ${JSON.stringify(t.slice(0, 32))}`);
}
