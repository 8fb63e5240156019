/** History API answers (`GET /api/history`, `/api/history/gpu`, `/api/history/hall`) and the fields kept as history. */
import type { CduColumn, RackColumn, Totals } from './stream.ts';

/** Rack columns kept as history: what `fields=` and `/api/history/hall?field=` accept for a rack. */
export const RACK_HISTORY = [
  'rackKw', 'supplyC', 'returnC', 'flowLpm', 'deltaTK', 'heatKw', 'thermalHeadroomKw', 'thermalHeadroomPct', 'powerHeadroomKw', 'flowHeadroomPct',
] as const satisfies readonly RackColumn[];
export type RackHistoryField = (typeof RACK_HISTORY)[number];
/** CDU columns kept as history. */
export const CDU_HISTORY = [
  'supplyC', 'returnC', 'flowLpm', 'loadKw', 'capacityKw', 'headroomKw', 'headroomPct', 'n1HeadroomKw', 'approachK', 'pumpPct',
  'pumpShortfallPct', 'facilitySupplyC', 'facilityReturnC', 'dpKpa',
] as const satisfies readonly CduColumn[];
export type CduHistoryField = (typeof CDU_HISTORY)[number];
/** Totals kept as history for rows, halls and the site. */
export const TOTALS_HISTORY = [
  'itKw', 'heatKw', 'coolingCapacityKw', 'headroomKw', 'headroomPct', 'n1HeadroomKw', 'racksLive', 'racksStale', 'racksOffline', 'maxReturnC',
] as const satisfies readonly (keyof Totals)[];
export type TotalsHistoryField = (typeof TOTALS_HISTORY)[number];

export interface HistoryResponse {
  entity: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
  source: 'memory' | 'influx';
  tier: 'raw' | 'm1' | 'h1' | null;
  fields: { name: string; unit: string }[];
  tsMs: number[];
  values: Record<string, (number | null)[]>;
  /** Set when the answer is less than asked for (e.g. InfluxDB unreachable: memory window only). */
  warning?: string;
}

export interface GpuHistory {
  rackId: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
  source: 'memory' | 'influx';
  tsMs: number[];
  /** gpuW[g][k]: mean power of GPU g in bucket k, W. */
  gpuW: (number | null)[][];
}

export interface HallSnapshot {
  hallId: string;
  atMs: number;
  field: string;
  unit: string;
  source: 'memory' | 'influx';
  /** Mean of the field per rack over [atMs, atMs + 60 s); absent racks had no sample. */
  racks: Record<string, number>;
  /** Mean of each kept CDU field per CDU of the hall over the same minute; absent CDUs and fields had no sample. */
  cdus: Record<string, Partial<Record<CduHistoryField, number>>>;
  /** The hall's totals, mean over the same minute; fields without a sample are absent. */
  totals: Partial<Record<TotalsHistoryField, number>>;
}
