/**
 * InfluxDB schema: every measurement, tag and field name Hallwatch writes, in one place
 * (snake_case, units in the names). Retention policies hold the tiers on InfluxDB 1.x.
 */
import type { CduHistoryField, RackHistoryField, TotalsHistoryField } from '../../protocol/history.ts';
import { shardId } from '../../protocol/campus-subjects.ts';

export const MEASUREMENT = {
  rack: 'rack',
  cdu: 'cdu',
  /** Per-GPU power over `--gpu-window-s` windows (60 s): fields mean_w and max_w (GPU_PACKED; before, g00_mean_w, g00_max_w, …) */
  gpu: 'gpu',
  /** Row, hall and site totals; tag `scope` says which. */
  totals: 'totals',
} as const;

/** Raw-tier measurement of an entity's blocks of samples (raw-block.ts): `rack_block`, … */
export function blockMeasurement(base: string): string {
  return `${base}_block`;
}

/**
 * How the raw tier is written (`--history-raw-format`): `blocks` — an entity's samples of
 * `--history-block-s` in one point of `{base}_block` (raw-block.ts), the cheapest for InfluxDB 1.x,
 * whose cost is per field value; `points` — each sample one point of numeric fields in `{base}`
 * (`rack`, `cdu`, `totals`), readable by any InfluxQL tool. Late samples are points either way, and
 * the readers take both measurements, so a database can hold both (a switch keeps older history).
 */
export type RawFormat = 'points' | 'blocks';
export const RAW_FORMATS: readonly RawFormat[] = ['points', 'blocks'];

/** Raw-tier measurement of an entity's single numeric points (format `points`, and late samples): the base name. */
export function pointsMeasurement(base: string): string {
  return base;
}

/** GPU points since blocks: every GPU's mean and max as one comma-separated string each. */
export const GPU_PACKED = { meanW: 'mean_w', maxW: 'max_w' } as const;

export const TAG = { hall: 'hall', row: 'row', rack: 'rack', cdu: 'cdu', scope: 'scope', id: 'id' } as const;

/** Rack values stored raw after the kept history fields (RACK_HISTORY), read from the sample itself: wire names. */
export const RACK_RAW_EXTRAS = ['dpKpa', 'valvePct', 'leak'] as const;

/** Rack fields: wire name (live state column) → stored field name. */
export const RACK_FIELDS = {
  rackKw: 'rack_kw',
  supplyC: 'supply_c',
  returnC: 'return_c',
  flowLpm: 'flow_lpm',
  deltaTK: 'delta_t_k',
  heatKw: 'heat_kw',
  thermalHeadroomKw: 'thermal_headroom_kw',
  thermalHeadroomPct: 'thermal_headroom_pct',
  powerHeadroomKw: 'power_headroom_kw',
  flowHeadroomPct: 'flow_headroom_pct',
  dpKpa: 'dp_kpa',
  valvePct: 'valve_pct',
  leak: 'leak',
} as const satisfies Record<RackHistoryField | (typeof RACK_RAW_EXTRAS)[number], string>;

export const CDU_FIELDS = {
  supplyC: 'supply_c',
  returnC: 'return_c',
  flowLpm: 'flow_lpm',
  loadKw: 'load_kw',
  capacityKw: 'capacity_kw',
  headroomKw: 'headroom_kw',
  headroomPct: 'headroom_pct',
  n1HeadroomKw: 'n1_headroom_kw',
  approachK: 'approach_k',
  pumpPct: 'pump_pct',
  pumpShortfallPct: 'pump_shortfall_pct',
  facilitySupplyC: 'facility_supply_c',
  facilityReturnC: 'facility_return_c',
  dpKpa: 'dp_kpa',
} as const satisfies Record<CduHistoryField, string>;

export const TOTALS_FIELDS = {
  itKw: 'it_kw',
  heatKw: 'heat_kw',
  coolingCapacityKw: 'cooling_capacity_kw',
  headroomKw: 'headroom_kw',
  headroomPct: 'headroom_pct',
  n1HeadroomKw: 'n1_headroom_kw',
  racksLive: 'racks_live',
  racksStale: 'racks_stale',
  racksOffline: 'racks_offline',
  maxReturnC: 'max_return_c',
} as const satisfies Record<TotalsHistoryField, string>;

export type Tier = 'raw' | 'm1' | 'h1';
export const TIERS: readonly Tier[] = ['raw', 'm1', 'h1'];

/** Resolution of each tier, ms. */
export const TIER_STEP_MS: Record<Tier, number> = { raw: 1000, m1: 60_000, h1: 3_600_000 };

/** Measurement of a tier: raw keeps the base name; rollups add `_1m` / `_1h`. */
export function tierMeasurement(base: string, tier: Tier): string {
  return tier === 'raw' ? base : `${base}_${tier === 'm1' ? '1m' : '1h'}`;
}

/** Rollup field names: `return_c` → `return_c_mean`, `_min`, `_max`. */
export const ROLLUP_STATS = ['mean', 'min', 'max'] as const;

/**
 * Rollup field holding the window's sample count (the most any field had): a restart weighs
 * what was stored of the current minute and hour by it (resume.ts).
 */
export const ROLLUP_SAMPLES = 'samples';

/** Per-GPU field names for GPU g (0-based). */
export function gpuFieldNames(g: number): { meanW: string; maxW: string } {
  const n = String(g).padStart(2, '0');
  return { meanW: `g${n}_mean_w`, maxW: `g${n}_max_w` };
}

/** The `id` tag of a whole site's totals. */
export const SITE_TOTALS_ID = 'site';

/**
 * The `id` tag of a server's site totals: "site", or for a hall shard "shard:{shard ID}" — a
 * shard's site totals are its halls', and shards sharing one database must not overwrite each
 * other's (rack, CDU, row and hall series are apart by their IDs already).
 */
export function siteTotalsId(halls?: readonly string[]): string {
  return halls ? `shard:${shardId(halls)}` : SITE_TOTALS_ID;
}
