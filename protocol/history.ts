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

/** Percentiles of one quantity over every rack-step of a row in the range (null: no samples). */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** One row of `GET /api/history/rows`: its racks over the range, for planning. */
export interface RowRangeSummary {
  rowId: string;
  /** Racks of the row with at least one sample in the range. */
  racksReporting: number;
  /** Rack return temperature, °C, over every rack and step. */
  returnC: Percentiles;
  /** Rack power, kW, over every rack and step. */
  rackKw: Percentiles;
  /** Rack-minutes with the step's mean return above that rack's return limit. */
  minutesAboveLimit: number;
  /** Racks with any step above their return limit. */
  racksAboveLimit: number;
  /** The rack with the highest step-mean return in the range, and that value, °C. */
  hottestRackId: string | null;
  hottestReturnC: number | null;
  /** When that was, epoch ms (start of its step). */
  hottestAtMs: number | null;
}

/** `GET /api/history/rows?hall=ID&from=…&to=…`: per-row percentiles and time above limit. */
export interface HallRowsSummary {
  hallId: string;
  fromMs: number;
  toMs: number;
  /** The step the racks were averaged over before counting, ms: minutes above limit are counted in these steps. */
  stepMs: number;
  source: 'memory' | 'influx';
  rows: RowRangeSummary[];
  /** Set when the answer covers less than asked for (e.g. no InfluxDB: the memory window only). */
  warning?: string;
}
