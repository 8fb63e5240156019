/**
 * The NVIDIA DSX Exchange BMS event bus contract (AsyncAPI 3.1, `bms-event-bus.asyncapi.yaml`),
 * as far as Hallwatch reads it (docs/dsx.md):
 *
 *   {root}/PUB/Metadata/{objectType}/{pointType}/{tagPath…}   retained, what a point is
 *   {root}/PUB/Value/{objectType}/{pointType}/{tagPath…}      {value, timestamp, quality}
 *   {root}/{integration}/Value/{objectType}/{pointType}/{tagPath…}   values integrations write
 *
 * A value means something only through its point's metadata (same objectType, pointType and
 * tagPath): units from `engUnit`, states from `stateText`, the rack from `rackLocationId`, the
 * CDU from `objectId`, which side of a CDU from `processArea`. Pure.
 */
import { fail, ok, type Result } from './result.ts';

export const DSX_DEFAULT_ROOT = 'BMS/v1';
/** Values are published on change and republished this often when unchanged, ms. */
export const DSX_REPUBLISH_MS = 100_000;

export interface DsxTopic {
  /** `PUB` (the BMS) or the integration's name. */
  publisher: string;
  kind: 'Metadata' | 'Value';
  objectType: string;
  pointType: string;
  tagPath: string;
  /** `objectType/pointType/tagPath`: what joins a value to its metadata. */
  pointKey: string;
}

export function parseDsxTopic(root: string, topic: string): DsxTopic | null {
  if (!topic.startsWith(root + '/')) return null;
  const parts = topic.slice(root.length + 1).split('/');
  if (parts.length < 5) return null;
  const [publisher, kind, objectType, pointType, ...tag] = parts;
  if (kind !== 'Metadata' && kind !== 'Value') return null;
  if (!publisher || !objectType || !pointType || tag.some((s) => s === '')) return null;
  const tagPath = tag.join('/');
  return { publisher, kind, objectType, pointType, tagPath, pointKey: `${objectType}/${pointType}/${tagPath}` };
}

export interface DsxMetadata {
  objectType: string;
  pointType: string;
  engUnit: string | null;
  stateText: { value: number; text: string }[] | null;
  objectId: string | null;
  objectName: string | null;
  rackLocationId: string | null;
  servesId: string[];
  /** Lower-cased (the field is free text on real buses: "Seccondary" occurs). */
  processArea: string[];
  isSetpoint: boolean;
  integration: string | null;
}

const strOrNull = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
const isStateText = (s: unknown): s is { value: number; text: string } =>
  typeof s === 'object' && s !== null && typeof (s as { value?: unknown }).value === 'number' && typeof (s as { text?: unknown }).text === 'string';

export function parseDsxMetadata(json: unknown): Result<DsxMetadata, 'bad_metadata'> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('bad_metadata', 'metadata must be a JSON object');
  const o = json as Record<string, unknown>;
  if (typeof o.objectType !== 'string' || typeof o.pointType !== 'string') return fail('bad_metadata', 'metadata needs objectType and pointType strings');
  const stateText = Array.isArray(o.stateText) ? o.stateText.filter(isStateText) : null;
  return ok({
    objectType: o.objectType,
    pointType: o.pointType,
    engUnit: strOrNull(o.engUnit),
    stateText,
    objectId: strOrNull(o.objectId),
    objectName: strOrNull(o.objectName),
    rackLocationId: strOrNull(o.rackLocationId),
    servesId: Array.isArray(o.servesId) ? o.servesId.filter((s): s is string => typeof s === 'string') : [],
    processArea: Array.isArray(o.processArea) ? o.processArea.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : [],
    isSetpoint: o.isSetpoint === true,
    integration: strOrNull(o.integration),
  });
}

export interface DsxValue {
  value: number | null;
  timestampMs: number;
  quality: number;
}

export function parseDsxValue(json: unknown): Result<DsxValue, 'bad_value'> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('bad_value', 'value message must be a JSON object');
  const o = json as Record<string, unknown>;
  if (!(o.value === null || (typeof o.value === 'number' && Number.isFinite(o.value)))) {
    return fail('bad_value', `value must be a finite number or null, got ${JSON.stringify(o.value)}`);
  }
  if (typeof o.timestamp !== 'number' || !Number.isInteger(o.timestamp) || o.timestamp <= 0) {
    return fail('bad_value', `timestamp must be epoch milliseconds, got ${JSON.stringify(o.timestamp)}`);
  }
  if (typeof o.quality !== 'number' || !Number.isInteger(o.quality)) return fail('bad_value', `quality must be an integer, got ${JSON.stringify(o.quality)}`);
  return ok({ value: o.value as number | null, timestampMs: o.timestamp, quality: o.quality });
}

export type Quantity = 'temperature' | 'flow' | 'power' | 'pressure' | 'percent';

/** Hallwatch's unit per quantity: °C, L/min, kW, kPa, %. */
const TO_BASE: Record<Quantity, Record<string, (v: number) => number>> = {
  temperature: {
    c: (v) => v, '°c': (v) => v, degc: (v) => v, celsius: (v) => v,
    f: (v) => ((v - 32) * 5) / 9, '°f': (v) => ((v - 32) * 5) / 9, degf: (v) => ((v - 32) * 5) / 9, fahrenheit: (v) => ((v - 32) * 5) / 9,
    k: (v) => v - 273.15, kelvin: (v) => v - 273.15,
  },
  flow: {
    lpm: (v) => v, 'l/min': (v) => v, 'l/m': (v) => v,
    gpm: (v) => v * 3.785411784, 'usgpm': (v) => v * 3.785411784,
    'm3/h': (v) => (v * 1000) / 60, 'm³/h': (v) => (v * 1000) / 60, cmh: (v) => (v * 1000) / 60,
    'l/s': (v) => v * 60, lps: (v) => v * 60,
  },
  power: { kw: (v) => v, w: (v) => v / 1000, mw: (v) => v * 1000 },
  pressure: { kpa: (v) => v, pa: (v) => v / 1000, bar: (v) => v * 100, mbar: (v) => v / 10, psi: (v) => v * 6.894757293, psid: (v) => v * 6.894757293 },
  percent: { '%': (v) => v, pct: (v) => v, percent: (v) => v },
};

/** Converts a reading to Hallwatch's unit for its quantity; an unknown unit is refused by name. */
export function toHallwatchUnit(quantity: Quantity, engUnit: string | null, v: number): Result<number, 'unknown_unit'> {
  const f = engUnit === null ? undefined : TO_BASE[quantity][engUnit.trim().toLowerCase()];
  if (!f) {
    const known = Object.keys(TO_BASE[quantity]).join(', ');
    return fail('unknown_unit', `engUnit ${JSON.stringify(engUnit)} is not a ${quantity} unit Hallwatch converts (${known})`);
  }
  return ok(f(v));
}
