/**
 * Which NVIDIA DSX Exchange points carry which Hallwatch reading (docs/dsx.md has the table): rack
 * points by `pointType` alone, CDU points by `pointType` and the `processArea` that says which side
 * of the CDU. A BMS (the simulator's DSX dialect) declares these points; Hallwatch's DSX ingest reads
 * them. Pure.
 */
import type { Quantity } from './dsx.ts';

/** A DSX point that carries one Hallwatch field. */
export interface DsxPointSpec<F extends string> {
  /** The Hallwatch telemetry field the point's value becomes. */
  readonly field: F;
  readonly pointType: string;
  /** What the point's `engUnit` measures; null for a state read through `stateText`. */
  readonly quantity: Quantity | null;
  /**
   * The `processArea` sets that name this side of a CDU, as a BMS writes them; the first is the one
   * to declare, the others are read too. A point matches when it has every area of one set. Empty
   * for rack points and for CDU points that need no side.
   */
  readonly processAreas: readonly (readonly string[])[];
  /** The point must have exactly one set's areas and no more (a secondary dp, not a filter's). */
  readonly exactArea?: boolean;
}

/** Rack points: a rack's reading from the point type; both leak detectors report 1 = Leak in their stateText. */
export const DSX_RACK_POINTS = [
  { field: 'supplyC', pointType: 'RackLiquidSupplyTemperature', quantity: 'temperature', processAreas: [] },
  { field: 'returnC', pointType: 'RackLiquidReturnTemperature', quantity: 'temperature', processAreas: [] },
  { field: 'flowLpm', pointType: 'RackLiquidFlow', quantity: 'flow', processAreas: [] },
  { field: 'rackKw', pointType: 'RackPower', quantity: 'power', processAreas: [] },
  { field: 'dpKpa', pointType: 'RackLiquidDifferentialPressure', quantity: 'pressure', processAreas: [] },
  { field: 'valvePct', pointType: 'RackControlValvePosition', quantity: 'percent', processAreas: [] },
  { field: 'leak', pointType: 'RackLeakDetect', quantity: null, processAreas: [] },
  { field: 'leakTray', pointType: 'RackLeakDetectTray', quantity: null, processAreas: [] },
] as const satisfies readonly DsxPointSpec<string>[];

/** A rack field a DSX point can carry. */
export type DsxRackField = (typeof DSX_RACK_POINTS)[number]['field'];

/** CDU points, in the order they are matched: the first whose point type and areas fit wins. */
export const DSX_CDU_POINTS = [
  { field: 'supplyC', pointType: 'LiquidTemperature', quantity: 'temperature', processAreas: [['Secondary', 'Supply']] },
  { field: 'returnC', pointType: 'LiquidTemperature', quantity: 'temperature', processAreas: [['Secondary', 'Return']] },
  { field: 'flowLpm', pointType: 'LiquidFlow', quantity: 'flow', processAreas: [['Secondary']] },
  {
    field: 'facilitySupplyC',
    pointType: 'LiquidTemperature',
    quantity: 'temperature',
    processAreas: [['Primary', 'Inlet'], ['Primary', 'Supply']],
  },
  {
    field: 'facilityReturnC',
    pointType: 'LiquidTemperature',
    quantity: 'temperature',
    processAreas: [['Primary', 'Outlet'], ['Primary', 'Return']],
  },
  { field: 'pumpPct', pointType: 'PumpSpeed', quantity: 'percent', processAreas: [['Secondary']] },
  { field: 'dpKpa', pointType: 'LiquidDifferentialPressure', quantity: 'pressure', processAreas: [['Secondary']], exactArea: true },
  { field: 'status', pointType: 'Status', quantity: null, processAreas: [] },
  { field: 'available', pointType: 'Available', quantity: null, processAreas: [] },
] as const satisfies readonly DsxPointSpec<string>[];

/** A CDU field a DSX point can carry. */
export type DsxCduField = (typeof DSX_CDU_POINTS)[number]['field'];

/** The spec of the point that carries `field`. */
export function dsxRackPoint(field: DsxRackField): DsxPointSpec<DsxRackField> {
  return DSX_RACK_POINTS.find((p) => p.field === field)!;
}

/** The spec of the point that carries `field`. */
export function dsxCduPoint(field: DsxCduField): DsxPointSpec<DsxCduField> {
  return DSX_CDU_POINTS.find((p) => p.field === field)!;
}

/** The BMS's own heartbeat (a `System` point whose value is the BMS's clock, epoch ms). */
export const DSX_BMS_HEARTBEAT = 'HeartbeatTimestampBms';
/** An integration's heartbeat (a `System` point the integration itself writes, epoch ms). */
export const DSX_INTEGRATION_HEARTBEAT = 'HeartbeatTimestampIntegration';
