/**
 * The site file (docs/site-file.md): halls → rows → rack positions, rack types, CDUs with the
 * racks they serve and their redundancy group, coolant and supply setpoints. Read by the
 * simulator and the server; `parseSite` names the path of the first bad field.
 */
import { COOLANTS, type Coolant } from './coolant.ts';
import { isValidId } from './topics.ts';
import { fail, ok, type Result } from './result.ts';

export interface RackType {
  gpuCount: number;
  cpuCount: number;
  /** Electrical power at full load, kW (GB300 NVL72: 135). */
  nominalKw: number;
  /** Usable power of the rack's power shelves, kW (8 × 33 kW N+N → 132). */
  usableKw: number;
  /** Share of the rack's power carried away by liquid (GB300: 0.9). */
  liquidShare: number;
  /** Return temperature limit, °C (default 55, domain.md §2). */
  returnLimitC: number;
  /** Design temperature rise at design flow, K (default 10). */
  designDeltaTK: number;
  gpuIdleW: number;
  gpuMaxW: number;
}

export interface RackSpec {
  id: string;
  /** 1-based position along the row. */
  position: number;
  type: string;
}

export interface RowSpec {
  id: string;
  racks: RackSpec[];
}

export interface CduSpec {
  id: string;
  /** Row the CDU stands in (drawn at its end). */
  rowId: string;
  /** Heat it can reject, kW; NaN when the site file says `null` (unknown: no headroom from it). */
  capacityKw: number;
  /** NaN when unknown (`null` in the site file). */
  ratedFlowLpm: number;
  /** Racks this CDU serves. */
  rackIds: string[];
  /** CDUs of one group share the load of their racks and are sized N+1 together. */
  redundancyGroup: string;
}

export interface HallSpec {
  id: string;
  name: string;
  /** CDU secondary supply setpoint, °C. */
  supplySetpointC: number;
  /** ASHRAE W-class maximum supply, °C (W45 → 45). */
  supplyClassMaxC: number;
  /** Hall air, for the dew-point margin. */
  roomC: number;
  roomRhPct: number;
  rows: RowSpec[];
  cdus: CduSpec[];
}

export interface SiteSpec {
  version: 1;
  name: string;
  coolant: Coolant;
  /** Expected publishing interval of every rack and CDU, ms; stale after 3 intervals. */
  telemetryIntervalMs: number;
  rackTypes: Record<string, RackType>;
  halls: HallSpec[];
}

/** GB300 NVL72 on Lenovo Neptune cooling, numbers from shared/docs/domain.md §1–2. */
export const GB300_NVL72: RackType = {
  gpuCount: 72,
  cpuCount: 36,
  nominalKw: 135,
  usableKw: 132,
  liquidShare: 0.9,
  returnLimitC: 55,
  designDeltaTK: 10,
  gpuIdleW: 150,
  gpuMaxW: 1400,
};

type Obj = Record<string, unknown>;
class SiteError extends Error {}

function need(cond: boolean, path: string, what: string): void {
  if (!cond) throw new SiteError(`${path}: ${what}`);
}

function obj(v: unknown, path: string): Obj {
  need(typeof v === 'object' && v !== null && !Array.isArray(v), path, 'must be an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  need(Array.isArray(v), path, 'must be an array');
  return v as unknown[];
}

function num(o: Obj, key: string, path: string, min: number, max: number, dflt?: number): number {
  const v = o[key] === undefined ? dflt : o[key];
  need(v !== undefined, `${path}.${key}`, 'is required');
  need(typeof v === 'number' && Number.isFinite(v), `${path}.${key}`, `must be a finite number, got ${JSON.stringify(v)}`);
  need((v as number) >= min && (v as number) <= max, `${path}.${key}`, `must be within [${min}, ${max}], got ${v}`);
  return v as number;
}

function id(o: Obj, key: string, path: string): string {
  const v = o[key];
  need(isValidId(v), `${path}.${key}`, `must be an ID of letters, digits, '.', '_' or '-' (≤ 64 chars), got ${JSON.stringify(v)}`);
  return v as string;
}

function str(o: Obj, key: string, path: string, dflt: string): string {
  const v = o[key] === undefined ? dflt : o[key];
  need(typeof v === 'string' && v.length > 0 && v.length <= 200, `${path}.${key}`, 'must be a non-empty string');
  return v as string;
}

function parseRackType(v: unknown, path: string): RackType {
  const o = obj(v, path);
  const d = GB300_NVL72;
  const t: RackType = {
    gpuCount: num(o, 'gpuCount', path, 0, 576, d.gpuCount),
    cpuCount: num(o, 'cpuCount', path, 0, 576, d.cpuCount),
    nominalKw: num(o, 'nominalKw', path, 1, 400, d.nominalKw),
    usableKw: num(o, 'usableKw', path, 1, 400, d.usableKw),
    liquidShare: num(o, 'liquidShare', path, 0.05, 1, d.liquidShare),
    returnLimitC: num(o, 'returnLimitC', path, 20, 90, d.returnLimitC),
    designDeltaTK: num(o, 'designDeltaTK', path, 1, 40, d.designDeltaTK),
    gpuIdleW: num(o, 'gpuIdleW', path, 0, 3000, d.gpuIdleW),
    gpuMaxW: num(o, 'gpuMaxW', path, 1, 3000, d.gpuMaxW),
  };
  need(t.gpuIdleW < t.gpuMaxW, `${path}.gpuIdleW`, 'must be below gpuMaxW');
  return t;
}

function parseHall(v: unknown, path: string, site: { rackTypes: Record<string, RackType> }, seen: Set<string>): HallSpec {
  const o = obj(v, path);
  const hallId = id(o, 'id', path);
  const rows: RowSpec[] = arr(o.rows, `${path}.rows`).map((rv, ri) => {
    const rp = `${path}.rows[${ri}]`;
    const ro = obj(rv, rp);
    const rowId = id(ro, 'id', rp);
    need(!seen.has(rowId), `${rp}.id`, `duplicate ID "${rowId}"`);
    seen.add(rowId);
    const positions = new Set<number>();
    const racks = arr(ro.racks, `${rp}.racks`).map((kv, ki) => {
      const kp = `${rp}.racks[${ki}]`;
      const ko = obj(kv, kp);
      const rackId = id(ko, 'id', kp);
      need(!seen.has(rackId), `${kp}.id`, `duplicate ID "${rackId}"`);
      seen.add(rackId);
      const position = num(ko, 'position', kp, 1, 10_000, ki + 1);
      need(Number.isInteger(position), `${kp}.position`, 'must be an integer');
      need(!positions.has(position), `${kp}.position`, `position ${position} is taken twice in row ${rowId}`);
      positions.add(position);
      const type = str(ko, 'type', kp, 'gb300-nvl72');
      need(type in site.rackTypes, `${kp}.type`, `unknown rack type "${type}"`);
      return { id: rackId, position, type };
    });
    return { id: rowId, racks };
  });
  const rackIdsInHall = new Set(rows.flatMap((r) => r.racks.map((k) => k.id)));
  const rowIds = new Set(rows.map((r) => r.id));
  const cdus: CduSpec[] = arr(o.cdus ?? [], `${path}.cdus`).map((cv, ci) => {
    const cp = `${path}.cdus[${ci}]`;
    const co = obj(cv, cp);
    const cduId = id(co, 'id', cp);
    need(!seen.has(cduId), `${cp}.id`, `duplicate ID "${cduId}"`);
    seen.add(cduId);
    const rowId = id(co, 'rowId', cp);
    need(rowIds.has(rowId), `${cp}.rowId`, `no row "${rowId}" in hall ${hallId}`);
    const rackIds = arr(co.rackIds, `${cp}.rackIds`).map((rid, i) => {
      need(typeof rid === 'string' && rackIdsInHall.has(rid), `${cp}.rackIds[${i}]`, `no rack ${JSON.stringify(rid)} in hall ${hallId}`);
      return rid as string;
    });
    need(rackIds.length > 0, `${cp}.rackIds`, 'must name at least one rack');
    return {
      id: cduId,
      rowId,
      // `null`: not known yet (a site discovered from a BMS); never guessed.
      capacityKw: co.capacityKw === null ? Number.NaN : num(co, 'capacityKw', cp, 1, 20_000),
      ratedFlowLpm: co.ratedFlowLpm === null ? Number.NaN : num(co, 'ratedFlowLpm', cp, 1, 50_000),
      rackIds,
      redundancyGroup: co.redundancyGroup === undefined ? cduId : id(co, 'redundancyGroup', cp),
    };
  });
  const supplySetpointC = num(o, 'supplySetpointC', path, 5, 60, 40);
  const supplyClassMaxC = num(o, 'supplyClassMaxC', path, 5, 70, 45);
  need(supplySetpointC <= supplyClassMaxC, `${path}.supplySetpointC`, `must not exceed supplyClassMaxC (${supplyClassMaxC})`);
  return {
    id: hallId,
    name: str(o, 'name', path, hallId),
    supplySetpointC,
    supplyClassMaxC,
    roomC: num(o, 'roomC', path, -20, 60, 24),
    roomRhPct: num(o, 'roomRhPct', path, 1, 100, 45),
    rows,
    cdus,
  };
}

/** Validates a decoded site file; the error message starts with the path of the bad field. */
export function parseSite(v: unknown): Result<SiteSpec, 'invalid_site'> {
  try {
    const o = obj(v, 'site');
    need(o.version === 1, 'site.version', `must be 1, got ${JSON.stringify(o.version)}`);
    const coolant = str(o, 'coolant', 'site', 'water');
    need((COOLANTS as readonly string[]).includes(coolant), 'site.coolant', `must be one of ${COOLANTS.join(', ')}, got "${coolant}"`);
    const rackTypes: Record<string, RackType> = { 'gb300-nvl72': GB300_NVL72 };
    for (const [name, t] of Object.entries(obj(o.rackTypes ?? {}, 'site.rackTypes'))) {
      rackTypes[name] = parseRackType(t, `site.rackTypes.${name}`);
    }
    const seen = new Set<string>();
    const hallIds = new Set<string>();
    const halls = arr(o.halls, 'site.halls').map((h, i) => {
      const hall = parseHall(h, `site.halls[${i}]`, { rackTypes }, seen);
      need(!hallIds.has(hall.id), `site.halls[${i}].id`, `duplicate hall ID "${hall.id}"`);
      hallIds.add(hall.id);
      return hall;
    });
    need(halls.length > 0, 'site.halls', 'must hold at least one hall');
    return ok({
      version: 1,
      name: str(o, 'name', 'site', 'Hallwatch site'),
      coolant: coolant as Coolant,
      telemetryIntervalMs: num(o, 'telemetryIntervalMs', 'site', 100, 600_000, 1000),
      rackTypes,
      halls,
    });
  } catch (e) {
    if (e instanceof SiteError) return fail('invalid_site', e.message);
    throw e;
  }
}
