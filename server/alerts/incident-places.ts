/**
 * Where the entities of alerts sit in the site (group, row, hall) and the narrowest scope that
 * holds a set of them: the geography incidents are grouped and named by. Pure.
 */
import type { SiteIndex } from '../site/site-index.ts';

/** Where a rack or CDU sits: its group, row and hall (indexes into the site). */
export interface Place {
  group: number;
  row: number;
  hall: number;
}

/** `rack:h1-r01-k01` → `['rack', 'h1-r01-k01']`. */
export function splitEntity(entity: string): [string, string] {
  const i = entity.indexOf(':');
  return [entity.slice(0, i), entity.slice(i + 1)];
}

/** Places of every rack and CDU of one site, and the scopes they make up. */
export class SitePlaces {
  private readonly rackPlace = new Map<string, Place>();
  private readonly cduPlace = new Map<string, Place>();
  private readonly hallIndex: Map<string, number>;
  /** Per group: how its racks are named (`groupName`), built when first asked for. */
  private readonly groupNames: (string | undefined)[] = [];
  private readonly rowRackCount: Int32Array;

  constructor(private readonly site: SiteIndex) {
    const groupIndex = new Map(site.groups.map((g, i) => [g.id, i]));
    const rowIndex = new Map(site.rows.map((r, i) => [r.id, i]));
    this.hallIndex = new Map(site.view.halls.map((h, i) => [h.id, i]));
    this.rowRackCount = new Int32Array(site.rows.length);
    site.racks.forEach((r, i) => {
      this.rowRackCount[site.rackRow[i]]++;
      this.rackPlace.set(r.id, { group: site.rackGroup[i], row: site.rackRow[i], hall: site.rackHall[i] });
    });
    site.cdus.forEach((c, j) => {
      const group = groupIndex.get(c.redundancyGroup)!;
      this.cduPlace.set(c.id, { group, row: rowIndex.get(c.rowId)!, hall: site.cduHall[j] });
    });
  }

  /** The place of a rack by ID, if the site has it. */
  rack(id: string): Place | undefined {
    return this.rackPlace.get(id);
  }

  /** The place of a CDU by ID, if the site has it. */
  cdu(id: string): Place | undefined {
    return this.cduPlace.get(id);
  }

  /** `group:{id}` of the redundancy group at a place. */
  groupScope(p: Place): string {
    return `group:${this.site.groups[p.group].id}`;
  }

  /** IDs of the racks served by the redundancy group at a place. */
  groupRackIds(p: Place): string[] {
    return this.site.groups[p.group].rackIds;
  }

  /** How the racks of the group at a place are named: their row when they are the whole row (`h1-r02`), else `group {id}`. */
  groupName(p: Place): string {
    let name = this.groupNames[p.group];
    if (name === undefined) {
      const rows = new Set(this.groupRackIds(p).map((id) => this.rack(id)?.row ?? -1));
      const [row] = rows;
      const wholeRow = rows.size === 1 && row >= 0 && this.rowRackCount[row] === this.groupRackIds(p).length;
      name = this.groupNames[p.group] = wholeRow ? this.site.rows[row].id : `group ${this.site.groups[p.group].id}`;
    }
    return name;
  }

  /** The name of the hall at a place (`Hall 1`). */
  hallName(p: Place): string {
    return this.site.view.halls[p.hall].name;
  }

  /** The narrowest of row, group, hall, site holding every entity (`rack:…` / `cdu:…`). */
  scopeOf(entities: string[]): string {
    const places = entities.map((e) => {
      const [kind, id] = splitEntity(e);
      return kind === 'rack' ? this.rack(id) : kind === 'cdu' ? this.cdu(id) : undefined;
    });
    if (places.some((p) => !p)) return 'site:site';
    const all = places as Place[];
    const same = (f: (p: Place) => number) => all.every((p) => f(p) === f(all[0]));
    if (entities.length === 1 && entities[0].startsWith('rack:')) return entities[0];
    if (same((p) => p.row) && entities.every((e) => e.startsWith('rack:'))) return `row:${this.site.rows[all[0].row].id}`;
    if (same((p) => p.group)) return this.groupScope(all[0]);
    if (same((p) => p.row)) return `row:${this.site.rows[all[0].row].id}`;
    if (same((p) => p.hall)) return `hall:${this.site.view.halls[all[0].hall].id}`;
    return 'site:site';
  }

  /** The scope of an incident holding these entities: a site or hall alert widens it to its own. */
  incidentScope(entities: string[]): string {
    if (entities.some((e) => e.startsWith('site:'))) return 'site:site';
    if (!entities.some((e) => e.startsWith('hall:'))) return this.scopeOf(entities);
    if (entities.length === 1) return entities[0];
    const h = this.hallOf(entities);
    return h ? `hall:${h}` : 'site:site';
  }

  /** The ID of the one hall holding every entity, or null when they span halls or one is unknown. */
  hallOf(entities: string[]): string | null {
    const halls = new Set<number>();
    for (const e of entities) {
      const [kind, id] = splitEntity(e);
      const h = kind === 'rack' ? this.rack(id)?.hall
        : kind === 'cdu' ? this.cdu(id)?.hall
        : kind === 'hall' ? this.hallIndex.get(id)
        : undefined;
      if (h === undefined) return null;
      halls.add(h);
    }
    return halls.size === 1 ? this.site.view.halls[[...halls][0]].id : null;
  }

  /** How a title names a scope: the hall's name, `group {id}`, `the site`, or the row/rack ID. */
  scopeName(scope: string): string {
    const [kind, id] = splitEntity(scope);
    if (kind === 'hall') return this.site.view.halls[this.hallIndex.get(id) ?? 0]?.name ?? id;
    if (kind === 'group') return `group ${id}`;
    if (kind === 'site') return 'the site';
    return id;
  }
}
