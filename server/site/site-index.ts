/**
 * Index of a validated site: every rack and CDU gets a dense index (the position of its row
 * in the live-state columns and on the WebSocket), plus the lookups the hot path needs.
 */
import type { RackType, SiteSpec } from '../../protocol/site.ts';
import type { CduView, HallView, RackView, RedundancyGroupView, SiteView } from '../../protocol/site-view.ts';

export interface SiteIndex {
  spec: SiteSpec;
  view: SiteView;
  racks: RackView[];
  cdus: CduView[];
  groups: RedundancyGroupView[];
  rackTypes: RackType[];
  rackIndexById: Map<string, number>;
  cduIndexById: Map<string, number>;
  hallIds: Set<string>;
  /** Per rack / CDU: index of its redundancy group in `groups`. */
  rackGroup: Int32Array;
  cduGroup: Int32Array;
  /** Per group: rack and CDU indexes. */
  groupRacks: Int32Array[];
  groupCdus: Int32Array[];
  /** Every row of the site in order, and per rack / group the index of its row there. */
  rows: { id: string; hallId: string }[];
  rackRow: Int32Array;
  groupRow: Int32Array;
  /** Per rack / CDU: index of its hall in `view.halls`. */
  rackHall: Int32Array;
  cduHall: Int32Array;
}

export function buildSiteIndex(spec: SiteSpec): SiteIndex {
  const racks: RackView[] = [];
  const cdus: CduView[] = [];
  const halls: HallView[] = [];
  const groupsById = new Map<string, RedundancyGroupView>();
  const rackTypes: RackType[] = [];

  spec.halls.forEach((hall, hallIndex) => {
    const cdusOfRack = new Map<string, string[]>();
    for (const cdu of hall.cdus) {
      for (const rackId of cdu.rackIds) {
        const list = cdusOfRack.get(rackId) ?? [];
        list.push(cdu.id);
        cdusOfRack.set(rackId, list);
      }
    }
    halls.push({
      index: hallIndex,
      id: hall.id,
      name: hall.name,
      supplySetpointC: hall.supplySetpointC,
      supplyClassMaxC: hall.supplyClassMaxC,
      rows: hall.rows.map((row) => ({
        id: row.id,
        maxPosition: row.racks.reduce((m, r) => Math.max(m, r.position), 0),
        rackIds: row.racks.map((r) => r.id),
        cduIds: hall.cdus.filter((c) => c.rowId === row.id).map((c) => c.id),
      })),
    });
    for (const row of hall.rows) {
      for (const rack of row.racks) {
        const type = spec.rackTypes[rack.type];
        const cduIds = cdusOfRack.get(rack.id) ?? [];
        const primary = hall.cdus.find((c) => c.rackIds.includes(rack.id));
        racks.push({
          index: racks.length,
          id: rack.id,
          hallId: hall.id,
          rowId: row.id,
          position: rack.position,
          cduId: primaryCduId(hall.cdus, rack.id) ?? '',
          cduIds,
          redundancyGroup: primary?.redundancyGroup ?? `${rack.id}.uncooled`,
          type: rack.type,
          gpuCount: type.gpuCount,
          returnLimitC: type.returnLimitC,
          usableKw: type.usableKw,
        });
        rackTypes.push(type);
      }
    }
    for (const cdu of hall.cdus) {
      cdus.push({
        index: cdus.length,
        id: cdu.id,
        hallId: hall.id,
        rowId: cdu.rowId,
        capacityKw: cdu.capacityKw,
        ratedFlowLpm: cdu.ratedFlowLpm,
        rackIds: cdu.rackIds,
        redundancyGroup: cdu.redundancyGroup,
      });
      const group = groupsById.get(cdu.redundancyGroup) ?? { id: cdu.redundancyGroup, hallId: hall.id, cduIds: [], rackIds: [] };
      group.cduIds.push(cdu.id);
      for (const r of cdu.rackIds) if (!group.rackIds.includes(r)) group.rackIds.push(r);
      groupsById.set(cdu.redundancyGroup, group);
    }
  });
  // Racks no CDU serves form a group of their own with no capacity, so they still show up.
  for (const rack of racks) {
    if (!groupsById.has(rack.redundancyGroup)) {
      groupsById.set(rack.redundancyGroup, { id: rack.redundancyGroup, hallId: rack.hallId, cduIds: [], rackIds: [rack.id] });
    }
  }

  const groups = [...groupsById.values()];
  const rackIndexById = new Map(racks.map((r) => [r.id, r.index]));
  const cduIndexById = new Map(cdus.map((c) => [c.id, c.index]));
  const groupIndexById = new Map(groups.map((g, i) => [g.id, i]));
  const hallIndexById = new Map(halls.map((h) => [h.id, h.index]));
  const rackGroup = Int32Array.from(racks, (r) => groupIndexById.get(r.redundancyGroup)!);
  const view: SiteView = {
    name: spec.name,
    coolant: spec.coolant,
    telemetryIntervalMs: spec.telemetryIntervalMs,
    halls,
    racks,
    cdus,
    groups,
  };
  const rows = halls.flatMap((h) => h.rows.map((r) => ({ id: r.id, hallId: h.id })));
  const rowIndexById = new Map(rows.map((r, i) => [r.id, i]));
  const cduRowIndex = new Map(cdus.map((c) => [c.id, rowIndexById.get(c.rowId)!]));
  return {
    spec,
    view,
    rows,
    rackRow: Int32Array.from(racks, (r) => rowIndexById.get(r.rowId)!),
    groupRow: Int32Array.from(groups, (g) =>
      g.cduIds.length ? cduRowIndex.get(g.cduIds[0])! : rowIndexById.get(racks[rackIndexById.get(g.rackIds[0])!].rowId)!,
    ),
    racks,
    cdus,
    groups,
    rackTypes,
    rackIndexById,
    cduIndexById,
    hallIds: new Set(halls.map((h) => h.id)),
    rackGroup,
    cduGroup: Int32Array.from(cdus, (c) => groupIndexById.get(c.redundancyGroup)!),
    groupRacks: groups.map((g) => Int32Array.from(g.rackIds, (id) => rackIndexById.get(id)!)),
    groupCdus: groups.map((g) => Int32Array.from(g.cduIds, (id) => cduIndexById.get(id)!)),
    rackHall: Int32Array.from(racks, (r) => hallIndexById.get(r.hallId)!),
    cduHall: Int32Array.from(cdus, (c) => hallIndexById.get(c.hallId)!),
  };
}

/**
 * The rack's own CDU: of the CDUs listing it, the one serving the fewest racks (a section
 * unit rather than the group's spare that lists every rack).
 */
function primaryCduId(cdus: { id: string; rackIds: string[] }[], rackId: string): string | undefined {
  let best: { id: string; rackIds: string[] } | undefined;
  for (const c of cdus) {
    if (c.rackIds.includes(rackId) && (!best || c.rackIds.length < best.rackIds.length)) best = c;
  }
  return best?.id;
}
