/**
 * What a DSX point is to Hallwatch, from its metadata alone (docs/dsx.md has the table): a
 * rack field, a CDU field, the BMS heartbeat, or ignored with the reason. Pure.
 */
import type { DsxMetadata, Quantity } from '../../protocol/dsx.ts';

export const RACK_FIELDS = ['supplyC', 'returnC', 'flowLpm', 'rackKw', 'dpKpa', 'valvePct', 'leak', 'leakTray'] as const;
export type DsxRackField = (typeof RACK_FIELDS)[number];
export const CDU_FIELDS = ['supplyC', 'returnC', 'flowLpm', 'facilitySupplyC', 'facilityReturnC', 'pumpPct', 'dpKpa', 'status', 'available'] as const;
export type DsxCduField = (typeof CDU_FIELDS)[number];

export type PointTarget =
  | { kind: 'rack'; rackId: string; field: DsxRackField; quantity: Quantity | null }
  | { kind: 'cdu'; cduId: string; field: DsxCduField; quantity: Quantity | null }
  | { kind: 'heartbeat' }
  | { kind: 'ignored'; why: string };

const RACK_POINTS: Record<string, { field: DsxRackField; quantity: Quantity | null }> = {
  RackLiquidSupplyTemperature: { field: 'supplyC', quantity: 'temperature' },
  RackLiquidReturnTemperature: { field: 'returnC', quantity: 'temperature' },
  RackLiquidFlow: { field: 'flowLpm', quantity: 'flow' },
  RackPower: { field: 'rackKw', quantity: 'power' },
  RackLiquidDifferentialPressure: { field: 'dpKpa', quantity: 'pressure' },
  RackControlValvePosition: { field: 'valvePct', quantity: 'percent' },
  // Both detectors report a leak: 1 = Leak in their stateText.
  RackLeakDetect: { field: 'leak', quantity: null },
  RackLeakDetectTray: { field: 'leakTray', quantity: null },
};

const has = (m: DsxMetadata, ...areas: string[]) => areas.every((a) => m.processArea.some((p) => p === a || (a === 'secondary' && p === 'seccondary')));

function cduField(m: DsxMetadata): { field: DsxCduField; quantity: Quantity | null } | string {
  if (m.isSetpoint) return 'a setpoint, not a reading';
  switch (m.pointType) {
    case 'LiquidTemperature':
      if (has(m, 'secondary', 'supply')) return { field: 'supplyC', quantity: 'temperature' };
      if (has(m, 'secondary', 'return')) return { field: 'returnC', quantity: 'temperature' };
      if (has(m, 'primary', 'inlet') || has(m, 'primary', 'supply')) return { field: 'facilitySupplyC', quantity: 'temperature' };
      if (has(m, 'primary', 'outlet') || has(m, 'primary', 'return')) return { field: 'facilityReturnC', quantity: 'temperature' };
      return `temperature of processArea ${JSON.stringify(m.processArea)} is not one Hallwatch uses`;
    case 'LiquidFlow':
      if (has(m, 'secondary')) return { field: 'flowLpm', quantity: 'flow' };
      return 'primary (facility) flow is not shown';
    case 'PumpSpeed':
      if (m.engUnit === null) return 'a pump state (stateText), not a speed';
      if (has(m, 'secondary')) return { field: 'pumpPct', quantity: 'percent' };
      return `pump of processArea ${JSON.stringify(m.processArea)} is not a secondary loop pump`;
    case 'LiquidDifferentialPressure':
      if (has(m, 'secondary') && m.processArea.length === 1) return { field: 'dpKpa', quantity: 'pressure' };
      return 'filter or primary differential pressure is not shown';
    case 'Status':
      return { field: 'status', quantity: null };
    case 'Available':
      return { field: 'available', quantity: null };
    default:
      return `CDU point type ${m.pointType} is not one Hallwatch uses`;
  }
}

export function mapPoint(m: DsxMetadata): PointTarget {
  if (m.objectType === 'System') {
    return m.pointType === 'HeartbeatTimestampBms' ? { kind: 'heartbeat' } : { kind: 'ignored', why: `System point ${m.pointType}` };
  }
  if (m.objectType === 'Rack') {
    if (m.isSetpoint) return { kind: 'ignored', why: 'a setpoint, not a reading' };
    const p = RACK_POINTS[m.pointType];
    if (!p) return { kind: 'ignored', why: `rack point type ${m.pointType} is not one Hallwatch uses` };
    if (!m.rackLocationId) return { kind: 'ignored', why: 'rack point without rackLocationId' };
    return { kind: 'rack', rackId: m.rackLocationId, ...p };
  }
  if (m.objectType === 'CDU') {
    if (!m.objectId) return { kind: 'ignored', why: 'CDU point without objectId' };
    const f = cduField(m);
    return typeof f === 'string' ? { kind: 'ignored', why: f } : { kind: 'cdu', cduId: m.objectId, ...f };
  }
  return { kind: 'ignored', why: `object type ${m.objectType} is not one Hallwatch monitors` };
}
