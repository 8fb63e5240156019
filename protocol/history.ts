/** History API answers (`GET /api/history`, `/api/history/gpu`, `/api/history/hall`). */

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
}
