/**
 * A site file from a DSX Exchange bus's metadata (docs/dsx.md): one rack per `rackLocationId`,
 * its hall, row and position from the tagPath (`…/pod1C/rowE/rack02/…`), one CDU per CDU
 * `objectId` serving the racks its `servesId` lists, CDUs serving the same racks in one
 * redundancy group. What the bus does not say is written as an explicit placeholder — CDU
 * capacity and rated flow `null` (unknown: no headroom is computed from them), the rack type
 * `assumed-gb300-nvl72` — and listed in `todo` for a person to fill in. Pure.
 */
import type { DsxMetadata } from '../protocol/dsx.ts';
import { isValidId } from '../protocol/topics.ts';

export interface DiscoveredPoint {
  tagPath: string;
  meta: DsxMetadata;
  /** Latest value seen for the point, if any (setpoints are read from it). */
  value?: number | null;
}

export interface Discovery {
  site: Record<string, unknown>;
  /** What a person must check or fill in, one line each. */
  todo: string[];
  /** Counts for the summary line. */
  racks: number;
  cdus: number;
}

const ASSUMED_TYPE = 'assumed-gb300-nvl72';

/** Hall, row and position of a rack from its tagPath, else from its location ID (`Pod1C-E02`). */
function placeOf(tagPath: string, rackId: string): { hall: string; row: string; position: number | null } {
  const seg = tagPath.split('/');
  const r = seg.findIndex((s) => /^row[-_.]?[A-Za-z0-9][A-Za-z0-9._-]*$/i.test(s));
  if (r > 0) {
    const m = /^rack0*(\d+)$/i.exec(seg[r + 1] ?? '');
    return { hall: seg[r - 1], row: seg[r], position: m ? Number(m[1]) : null };
  }
  const m = /^(.+)-([A-Za-z]+)0*(\d+)$/.exec(rackId);
  if (m) return { hall: m[1], row: `row${m[2]}`, position: Number(m[3]) };
  return { hall: 'dsx', row: 'row', position: null };
}

const safeId = (s: string) => {
  const id = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return isValidId(id) ? id : `id-${Math.abs([...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7))}`;
};

export function discoverSite(points: DiscoveredPoint[], name = 'DSX site'): Discovery {
  const todo: string[] = [];
  // Racks: first tagPath seen per rackLocationId.
  const racks = new Map<string, { hall: string; row: string; position: number | null }>();
  for (const p of points) {
    if (p.meta.objectType !== 'Rack' || !p.meta.rackLocationId || racks.has(p.meta.rackLocationId)) continue;
    racks.set(p.meta.rackLocationId, placeOf(p.tagPath, p.meta.rackLocationId));
  }
  for (const id of racks.keys()) {
    if (!isValidId(id)) todo.push(`rack "${id}" is not a valid Hallwatch ID (letters, digits, . _ -, ≤ 64): rename it in the site file and map it`);
  }
  const halls = new Map<string, Map<string, { id: string; position: number | null }[]>>();
  for (const [id, pl] of racks) {
    const rows = halls.get(pl.hall) ?? new Map();
    halls.set(pl.hall, rows);
    const list = rows.get(pl.row) ?? [];
    list.push({ id, position: pl.position });
    rows.set(pl.row, list);
  }
  // CDUs: their served racks that the bus has rack points for.
  const cdus = new Map<string, { serves: string[]; missing: string[]; tagPath: string; setpointC?: number }>();
  for (const p of points) {
    const m = p.meta;
    if (m.objectType !== 'CDU' || !m.objectId) continue;
    const c = cdus.get(m.objectId) ?? { serves: m.servesId.filter((r) => racks.has(r)), missing: m.servesId.filter((r) => !racks.has(r)), tagPath: p.tagPath };
    if (m.isSetpoint && m.pointType === 'LiquidTemperature' && m.processArea.includes('supply') && typeof p.value === 'number') c.setpointC = p.value;
    cdus.set(m.objectId, c);
  }
  const rowIdOf = (hall: string, row: string) => safeId(`${hall}-${row}`);
  const hallOfRack = (id: string) => racks.get(id)!.hall;
  const groups = new Map<string, string>();
  const hallCdus = new Map<string, Record<string, unknown>[]>();
  const setpoints = new Map<string, number>();
  for (const [id, c] of [...cdus].sort(([a], [b]) => a.localeCompare(b))) {
    if (c.serves.length === 0) {
      todo.push(`CDU ${id}: serves no rack the bus has rack points for (servesId ${JSON.stringify(c.missing)}) — left out`);
      continue;
    }
    if (c.missing.length) todo.push(`CDU ${id}: serves ${c.missing.length} rack(s) with no rack points on the bus (${c.missing.join(', ')}) — not in the site`);
    const hall = hallOfRack(c.serves[0]);
    const rowCount = new Map<string, number>();
    for (const r of c.serves) rowCount.set(racks.get(r)!.row, (rowCount.get(racks.get(r)!.row) ?? 0) + 1);
    const row = [...rowCount].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
    const key = [...c.serves].sort().join(',');
    if (!groups.has(key)) groups.set(key, safeId(`grp-${id}`));
    if (c.setpointC !== undefined) setpoints.set(hall, c.setpointC);
    const list = hallCdus.get(hall) ?? [];
    const rackIds = c.serves.filter((r) => hallOfRack(r) === hall);
    list.push({ id: safeId(id), rowId: rowIdOf(hall, row), capacityKw: null, ratedFlowLpm: null, rackIds, redundancyGroup: groups.get(key) });
    hallCdus.set(hall, list);
    todo.push(`CDU ${id}: capacityKw and ratedFlowLpm unknown (null) — fill them in for capacity and N+1 headroom`);
  }
  const hallList = [...halls].sort(([a], [b]) => a.localeCompare(b)).map(([hall, rows]) => {
    if (!setpoints.has(hall)) todo.push(`hall ${hall}: supply setpoint not on the bus — 40 °C assumed (supplySetpointC)`);
    return {
      id: safeId(hall),
      name: hall,
      supplySetpointC: setpoints.get(hall) ?? 40,
      rows: [...rows].sort(([a], [b]) => a.localeCompare(b)).map(([row, list]) => {
        // Positions from the tagPath; a rack without one (or with a taken one) gets the next free slot.
        const taken = new Set<number>();
        const byPosition = [...list].sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || a.id.localeCompare(b.id));
        const known = new Set(list.map((r) => r.position));
        let free = 1;
        const placed = byPosition.map((r) => {
          if (r.position !== null && !taken.has(r.position)) {
            taken.add(r.position);
            return { id: r.id, position: r.position, type: ASSUMED_TYPE };
          }
          while (taken.has(free) || known.has(free)) free++;
          taken.add(free);
          return { id: r.id, position: free, type: ASSUMED_TYPE };
        });
        return { id: rowIdOf(hall, row), racks: placed };
      }),
      cdus: hallCdus.get(hall) ?? [],
    };
  });
  todo.push(`rack type: GB300 NVL72 assumed for every rack (rackTypes.${ASSUMED_TYPE}) — set the real type's limits`);
  todo.push('coolant: water assumed (coolant) — set pg25 if the loop is glycol');
  return {
    site: { version: 1, name, coolant: 'water', telemetryIntervalMs: 1000, rackTypes: { [ASSUMED_TYPE]: {} }, halls: hallList },
    todo,
    racks: racks.size,
    cdus: hallList.reduce((n, h) => n + h.cdus.length, 0),
  };
}
