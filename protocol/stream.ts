/**
 * WebSocket `/ws` contract. The server sends `hello` (with the column schema, once), then a
 * `snapshot` of every rack and CDU, then `delta`s on a fixed tick carrying only the rows that
 * changed. Columns are arrays in the order of RACK_COLUMNS / CDU_COLUMNS; a value that is not
 * a finite number (no reading, undefined ratio) travels as null.
 */

export const STREAM_PROTOCOL_VERSION = 1;

/**
 * Per-rack columns, in wire order. A derived value computed from a faulted sensor is null;
 * `derivedFlags` says why (bits of `DerivedFlag`, protocol/derived-flags.ts).
 */
export const RACK_COLUMNS = [
  'rackKw', 'supplyC', 'returnC', 'flowLpm', 'deltaTK', 'heatKw', 'captureRatio',
  'thermalHeadroomKw', 'thermalHeadroomPct', 'powerHeadroomKw', 'powerHeadroomPct',
  'flowRequiredLpm', 'flowHeadroomPct', 'groupHeadroomPct', 'tsMs', 'state', 'binding', 'leak',
  'flowSharePct', 'derivedFlags',
] as const;
export type RackColumn = (typeof RACK_COLUMNS)[number];

/** Per-CDU columns, in wire order. */
export const CDU_COLUMNS = [
  'supplyC', 'returnC', 'flowLpm', 'loadKw', 'capacityKw', 'headroomKw', 'headroomPct',
  'flowHeadroomLpm', 'approachK', 'n1HeadroomKw', 'pumpPct', 'running', 'tsMs', 'state',
  'pumpShortfallPct', 'facilitySupplyC', 'facilityReturnC', 'dpKpa',
] as const;
export type CduColumn = (typeof CDU_COLUMNS)[number];

function indexByName<T extends string>(cols: readonly T[]): Readonly<Record<T, number>> {
  return Object.fromEntries(cols.map((c, i) => [c, i])) as Record<T, number>;
}

/** Position of each rack column in RACK_COLUMNS: `rackCols[RACK_COL.returnC]`. */
export const RACK_COL = indexByName(RACK_COLUMNS);
/** Position of each CDU column in CDU_COLUMNS. */
export const CDU_COL = indexByName(CDU_COLUMNS);

/** Close code of `/ws` when the client's credentials end (revoked or expired token, ended session). */
export const CLOSE_AUTH_ENDED = 4401;

/** Telemetry state of a rack or CDU. */
export const EntityState = { NoData: 0, Live: 1, Stale: 2, Offline: 3 } as const;
export type EntityStateCode = (typeof EntityState)[keyof typeof EntityState];
export const ENTITY_STATE_NAMES = ['nodata', 'live', 'stale', 'offline'] as const;

/** Which limit binds first (smallest headroom share). */
export const Binding = { None: 0, ReturnTemp: 1, Flow: 2, Power: 3, Capacity: 4 } as const;
export type BindingCode = (typeof Binding)[keyof typeof Binding];
export const BINDING_NAMES = ['none', 'returnTemp', 'flow', 'power', 'capacity'] as const;
export type BindingName = (typeof BINDING_NAMES)[number];

/** Rows that changed: `idx[i]` is the entity index, `cols[c][i]` its value of column c. */
export interface ColumnBlock {
  idx: number[];
  cols: (number | null)[][];
}

/** Rows as a reader sees them from either encoding: binary frames (stream-binary.ts) hold float64 with NaN for null. */
export interface ColumnView {
  idx: ArrayLike<number>;
  cols: ArrayLike<number | null>[];
}

export interface Totals {
  itKw: number;
  /** Heat to liquid of the live and stale racks whose heat is known (see `racksHeatUnknown`), kW. */
  heatKw: number;
  /** Live and stale racks whose heat to liquid is withheld (a faulted sensor) or not reported: not in `heatKw`. */
  racksHeatUnknown: number;
  /** Cooling capacity of running CDUs, kW. */
  coolingCapacityKw: number;
  /** Capacity − load over the groups that report (see `groupsBlind`), kW; null while none does. */
  headroomKw: number | null;
  headroomPct: number | null;
  /** Sum over redundancy groups of (running capacity − largest unit) − load, kW; null as above. */
  n1HeadroomKw: number | null;
  /** Redundancy groups whose N+1 headroom is negative (a unit failure would overload them). */
  groupsN1Lost: number;
  /**
   * Redundancy groups none of whose CDUs reports now (stale or silent): what they can cool is
   * unknown, so their load and capacity are left out of headroom and N+1, which cover the rest.
   */
  groupsBlind: number;
  racksLive: number;
  racksStale: number;
  racksOffline: number;
  racksNoData: number;
  maxReturnC: number | null;
  /** CDUs in scope with a live sample. */
  cdusReporting: number;
}

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  serverTimeMs: number;
  tickMs: number;
  staleAfterMs: number;
  rackColumns: readonly string[];
  cduColumns: readonly string[];
  rackCount: number;
  cduCount: number;
  /** How deltas arrive: JSON text (the default) or binary frames (`/ws?encoding=binary`). */
  encoding: 'json' | 'binary';
  /** Which server this stream comes from (`--server-name`); absent from servers before pairs. */
  serverName?: string;
}

export interface SnapshotMessage {
  type: 'snapshot';
  serverTimeMs: number;
  racks: ColumnBlock;
  cdus: ColumnBlock;
  halls: Record<string, Totals>;
  site: Totals;
}

export interface DeltaMessage {
  type: 'delta';
  serverTimeMs: number;
  racks: ColumnBlock;
  cdus: ColumnBlock;
  halls: Record<string, Totals>;
  site: Totals;
}

/** Detail of the rack a client watches, sent when that rack's sample changes. */
export interface RackDetailMessage {
  type: 'rack';
  serverTimeMs: number;
  rackId: string;
  tsMs: number;
  gpuW: number[] | null;
  cpuW: number | null;
  gpuC: number | null;
  dpKpa: number | null;
  valvePct: number | null;
}

export type ServerMessage = HelloMessage | SnapshotMessage | DeltaMessage | RackDetailMessage;

/** Client → server: follow one rack's detail (null stops), or ask for a fresh snapshot. */
export type ClientMessage = { type: 'watch'; rackId: string | null } | { type: 'resync' };

export function parseClientMessage(text: string): ClientMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  if (m.type === 'resync') return { type: 'resync' };
  if (m.type === 'watch' && (m.rackId === null || (typeof m.rackId === 'string' && m.rackId.length <= 64))) {
    return { type: 'watch', rackId: m.rackId as string | null };
  }
  return null;
}
