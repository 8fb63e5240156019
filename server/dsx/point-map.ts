/**
 * What a DSX point is to Hallwatch, from its metadata alone (the table is
 * `protocol/dsx-points.ts`, docs/dsx.md explains it): a rack field, a CDU field, the BMS heartbeat,
 * or ignored with the reason. Pure.
 */
import type { DsxMetadata, Quantity } from '../../protocol/dsx.ts';
import {
  DSX_BMS_HEARTBEAT,
  DSX_CDU_POINTS,
  DSX_RACK_POINTS,
  dsxCduPoint,
  type DsxCduField,
  type DsxPointSpec,
  type DsxRackField,
} from '../../protocol/dsx-points.ts';

export type { DsxCduField, DsxRackField };
/** The rack fields a DSX point can carry, in column order. */
export const RACK_FIELDS: readonly DsxRackField[] = DSX_RACK_POINTS.map((p) => p.field);
/** The CDU fields a DSX point can carry, in column order. */
export const CDU_FIELDS: readonly DsxCduField[] = DSX_CDU_POINTS.map((p) => p.field);

export type PointTarget =
  | { kind: 'rack'; rackId: string; field: DsxRackField; quantity: Quantity | null }
  | { kind: 'cdu'; cduId: string; field: DsxCduField; quantity: Quantity | null }
  | { kind: 'heartbeat' }
  | { kind: 'ignored'; why: string };

const RACK_POINTS_BY_TYPE = new Map<string, DsxPointSpec<DsxRackField>>(DSX_RACK_POINTS.map((p) => [p.pointType, p]));
/** `PumpSpeed` also carries pump on/off states: those have a stateText and no engUnit. */
const PUMP_SPEED = dsxCduPoint('pumpPct').pointType;

/** metadata's processArea is lower-cased; "Seccondary" is read as secondary (it occurs on the exemplar bus). */
function hasAreas(m: DsxMetadata, areas: readonly string[], exact: boolean): boolean {
  const wanted = areas.map((a) => a.toLowerCase());
  const found = wanted.every((a) => m.processArea.some((p) => p === a || (a === 'secondary' && p === 'seccondary')));
  return found && (!exact || m.processArea.length === wanted.length);
}

function cduPoint(m: DsxMetadata): DsxPointSpec<DsxCduField> | string {
  if (m.isSetpoint) return 'a setpoint, not a reading';
  const candidates: DsxPointSpec<DsxCduField>[] = DSX_CDU_POINTS.filter((p) => p.pointType === m.pointType);
  if (candidates.length === 0) return `CDU point type ${m.pointType} is not one Hallwatch uses`;
  if (m.pointType === PUMP_SPEED && m.engUnit === null) return 'a pump state (stateText), not a speed';
  const match = candidates.find((p) => p.processAreas.length === 0 || p.processAreas.some((a) => hasAreas(m, a, p.exactArea === true)));
  return match ?? `${m.pointType} of processArea ${JSON.stringify(m.processArea)} is not one Hallwatch uses`;
}

/** What the point described by `m` is to Hallwatch. */
export function mapPoint(m: DsxMetadata): PointTarget {
  if (m.objectType === 'System') {
    return m.pointType === DSX_BMS_HEARTBEAT ? { kind: 'heartbeat' } : { kind: 'ignored', why: `System point ${m.pointType}` };
  }
  if (m.objectType === 'Rack') {
    if (m.isSetpoint) return { kind: 'ignored', why: 'a setpoint, not a reading' };
    const p = RACK_POINTS_BY_TYPE.get(m.pointType);
    if (!p) return { kind: 'ignored', why: `rack point type ${m.pointType} is not one Hallwatch uses` };
    if (!m.rackLocationId) return { kind: 'ignored', why: 'rack point without rackLocationId' };
    return { kind: 'rack', rackId: m.rackLocationId, field: p.field, quantity: p.quantity };
  }
  if (m.objectType === 'CDU') {
    if (!m.objectId) return { kind: 'ignored', why: 'CDU point without objectId' };
    const p = cduPoint(m);
    return typeof p === 'string' ? { kind: 'ignored', why: p } : { kind: 'cdu', cduId: m.objectId, field: p.field, quantity: p.quantity };
  }
  return { kind: 'ignored', why: `object type ${m.objectType} is not one Hallwatch monitors` };
}
