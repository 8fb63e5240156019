/**
 * Synthetic site generator: H halls × R rows × N racks, each row served by ceil(N / C) in-row
 * CDUs plus one spare (N+1) in one redundancy group. CDUs are sized from the rack type
 * (domain.md §2: an in-row CDU of 1.3–2.3 MW serves ~8–12 racks).
 */
import type { Coolant } from '../protocol/coolant.ts';
import { GB300_NVL72, type CduSpec, type HallSpec, type SiteSpec } from '../protocol/site.ts';

export interface SiteShape {
  halls: number;
  rows: number;
  racksPerRow: number;
  racksPerCdu: number;
  coolant?: Coolant;
  supplySetpointC?: number;
  name?: string;
}

/** Design flow of a rack: 1.5 L/min per kW of liquid heat at full load (domain.md §2). */
export const DESIGN_LPM_PER_KW = 1.5;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function generateSite(shape: SiteShape): SiteSpec {
  const type = GB300_NVL72;
  const coolant = shape.coolant ?? 'water';
  const supplySetpointC = shape.supplySetpointC ?? 40;
  const rackLiquidKw = type.nominalKw * type.liquidShare;
  const rackFlowLpm = rackLiquidKw * DESIGN_LPM_PER_KW;
  const units = Math.ceil(shape.racksPerRow / shape.racksPerCdu);
  // Each unit covers its section with 30 % margin, rounded up to 100 kW / 50 L/min.
  const capacityKw = Math.ceil((shape.racksPerCdu * rackLiquidKw * 1.3) / 100) * 100;
  const ratedFlowLpm = Math.ceil((shape.racksPerCdu * rackFlowLpm * 1.1) / 50) * 50;
  const halls: HallSpec[] = [];
  for (let h = 1; h <= shape.halls; h++) {
    const hallId = `hall-${h}`;
    const rows = [];
    const cdus: CduSpec[] = [];
    for (let r = 1; r <= shape.rows; r++) {
      const rowId = `h${h}-r${pad(r, 2)}`;
      const racks = Array.from({ length: shape.racksPerRow }, (_, k) => ({
        id: `${rowId}-k${pad(k + 1, 2)}`,
        position: k + 1,
        type: 'gb300-nvl72',
      }));
      rows.push({ id: rowId, racks });
      for (let u = 0; u <= units; u++) {
        const spare = u === units;
        const section = spare ? racks : racks.slice(u * shape.racksPerCdu, (u + 1) * shape.racksPerCdu);
        cdus.push({
          id: `${rowId}-cdu-${String.fromCharCode(97 + u)}`,
          rowId,
          capacityKw,
          ratedFlowLpm,
          rackIds: section.map((k) => k.id),
          redundancyGroup: rowId,
        });
      }
    }
    halls.push({ id: hallId, name: `Hall ${h}`, supplySetpointC, supplyClassMaxC: 45, roomC: 24, roomRhPct: 45, rows, cdus });
  }
  return {
    version: 1,
    name: shape.name ?? `${shape.halls}-hall site`,
    coolant,
    telemetryIntervalMs: 1000,
    rackTypes: { 'gb300-nvl72': type },
    halls,
  };
}
