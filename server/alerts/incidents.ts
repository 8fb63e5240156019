/**
 * Groups firing alerts into incidents, one per cause, and keeps each incident's ID for as long
 * as any of its alerts fires, however its members change (an acknowledgement stays with it).
 * A new firing alert joins, in this order:
 *   1. the incident that already holds an alert of the same rack, CDU or hall;
 *   2. for a rack, the incident rooted on a CDU of the rack's redundancy group (cooling path);
 *      for a CDU, the incident holding another CDU or a rack of its group;
 *   3. for a rack, the incident where the same rule fires on a rack of the same row or group;
 *   4. for a rack, the incident where the same rule fired on a rack of the same hall within
 *      `HALL_WINDOW_MS` of this alert.
 * Otherwise it opens an incident. New racks firing the same rule in the same evaluation open
 * one incident named after their common scope (`row:h1-r07/rack-return-trend`); a lone rack
 * opens `rack:{id}`, a CDU `group:{group}`, a hall alert `hall:{id}`, a site alert `site:site`.
 * The headline names the most severe alert (roots first on a tie). Pure: time is an argument.
 */
import type { SiteIndex } from '../site/site-index.ts';
import type { ActiveAlert } from './evaluator.ts';
import { SEVERITY_RANK, type IncidentJson } from '../../protocol/alerts.ts';
import { signalText } from './rules.ts';

/** Racks of one hall tripping the same rule this close together share an incident, ms. */
export const HALL_WINDOW_MS = 5 * 60_000;

/** An incident as the server keeps it: its wire shape (IncidentJson) with the live alerts in it. */
export interface Incident extends Omit<IncidentJson, 'roots' | 'children'> {
  roots: ActiveAlert[];
  children: { rackId: string; alerts: ActiveAlert[] }[];
}

/** What survives a restart: which alerts belong to which open incident. */
export interface SavedIncident {
  id: string;
  startedMs: number;
  members: string[];
}

const keyOf = (a: ActiveAlert) => `${a.rule.id}|${a.entity}`;
const split = (entity: string): [string, string] => {
  const i = entity.indexOf(':');
  return [entity.slice(0, i), entity.slice(i + 1)];
};

interface Open {
  id: string;
  startedMs: number;
  members: Set<string>;
}

/** Where a rack or CDU sits: its group, row and hall (indexes into the site). */
interface Place {
  group: number;
  row: number;
  hall: number;
}

export class IncidentTracker {
  private open: Open[] = [];
  private readonly rackPlace = new Map<string, Place>();
  private readonly cduPlace = new Map<string, Place>();
  private readonly groupIndex: Map<string, number>;
  private readonly hallIndex: Map<string, number>;

  constructor(private readonly site: SiteIndex) {
    this.groupIndex = new Map(site.groups.map((g, i) => [g.id, i]));
    this.hallIndex = new Map(site.view.halls.map((h, i) => [h.id, i]));
    const rowIndex = new Map(site.rows.map((r, i) => [r.id, i]));
    site.racks.forEach((r, i) => this.rackPlace.set(r.id, { group: site.rackGroup[i], row: site.rackRow[i], hall: site.rackHall[i] }));
    site.cdus.forEach((c, j) => {
      this.cduPlace.set(c.id, { group: this.groupIndex.get(c.redundancyGroup)!, row: rowIndex.get(c.rowId)!, hall: site.cduHall[j] });
    });
  }

  /** Assigns the firing alerts to incidents and returns them, most severe and oldest first. */
  update(alerts: ActiveAlert[]): Incident[] {
    const firing = new Map<string, ActiveAlert>();
    for (const a of alerts) if (a.state.phase === 'firing') firing.set(keyOf(a), a);
    // Alerts that stopped firing leave; an incident with none left is over.
    const owner = new Map<string, Open>();
    for (const inc of this.open) {
      for (const k of inc.members) if (!firing.has(k)) inc.members.delete(k);
      for (const k of inc.members) owner.set(k, inc);
    }
    this.open = this.open.filter((i) => i.members.size > 0);
    const fresh = [...firing.values()].filter((a) => !owner.has(keyOf(a)));
    if (fresh.length) this.assign(fresh, firing, owner);
    return this.open.map((o) => this.view(o, firing)).sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.startedMs - b.startedMs);
  }

  private assign(fresh: ActiveAlert[], firing: Map<string, ActiveAlert>, owner: Map<string, Open>): void {
    // Indexes of what the open incidents hold.
    const byEntity = new Map<string, Open>();
    const byCduGroup = new Map<number, Open>();
    const byGroup = new Map<number, Open>();
    const byRuleRow = new Map<string, Open>();
    const byRuleGroup = new Map<string, Open>();
    const byRuleHall = new Map<string, { inc: Open; firstMs: number }>();
    /** Incidents with a cause above the racks (a CDU, a hall): racks of other groups do not join them by rule. */
    const rooted = new Set<Open>();
    const index = (inc: Open, a: ActiveAlert) => {
      const [kind, id] = split(a.entity);
      if (!byEntity.has(a.entity)) byEntity.set(a.entity, inc);
      if (kind !== 'rack') rooted.add(inc);
      if (kind === 'cdu') {
        const p = this.cduPlace.get(id);
        if (p && !byCduGroup.has(p.group)) byCduGroup.set(p.group, inc);
        if (p && !byGroup.has(p.group)) byGroup.set(p.group, inc);
      } else if (kind === 'rack') {
        const p = this.rackPlace.get(id);
        if (!p) return;
        if (!byGroup.has(p.group)) byGroup.set(p.group, inc);
        if (rooted.has(inc)) return;
        const r = a.rule.id;
        if (!byRuleRow.has(`${r}|${p.row}`)) byRuleRow.set(`${r}|${p.row}`, inc);
        if (!byRuleGroup.has(`${r}|${p.group}`)) byRuleGroup.set(`${r}|${p.group}`, inc);
        const h = byRuleHall.get(`${r}|${p.hall}`);
        if (!h || h.inc === inc) byRuleHall.set(`${r}|${p.hall}`, { inc, firstMs: Math.min(h?.firstMs ?? Infinity, a.state.firedAtMs) });
      }
    };
    for (const rackPass of [false, true]) {
      for (const inc of this.open) for (const k of inc.members) if (k.includes('|rack:') === rackPass) index(inc, firing.get(k)!);
    }
    const join = (inc: Open, a: ActiveAlert) => {
      inc.members.add(keyOf(a));
      owner.set(keyOf(a), inc);
      index(inc, a);
    };
    // Causes first: a CDU placed before the racks it serves makes them its children.
    const order = (a: ActiveAlert) => (a.entity.startsWith('rack:') ? 1 : 0);
    fresh.sort((a, b) => order(a) - order(b) || a.state.firedAtMs - b.state.firedAtMs || keyOf(a).localeCompare(keyOf(b)));
    const lone: ActiveAlert[] = [];
    for (const a of fresh) {
      const [kind, id] = split(a.entity);
      let inc = byEntity.get(a.entity);
      if (!inc && kind === 'cdu') {
        const p = this.cduPlace.get(id);
        inc = p && byGroup.get(p.group);
      } else if (!inc && kind === 'rack') {
        const p = this.rackPlace.get(id);
        if (p) {
          const r = a.rule.id;
          const h = byRuleHall.get(`${r}|${p.hall}`);
          inc = byCduGroup.get(p.group) ?? byRuleRow.get(`${r}|${p.row}`) ?? byRuleGroup.get(`${r}|${p.group}`)
            ?? (h && Math.abs(a.state.firedAtMs - h.firstMs) <= HALL_WINDOW_MS ? h.inc : undefined);
        }
      }
      if (inc) join(inc, a);
      else if (kind === 'rack') lone.push(a);
      else {
        const p = kind === 'cdu' ? this.cduPlace.get(id) : undefined;
        const opened = this.openIncident(p ? `group:${this.site.groups[p.group].id}` : a.entity, a.state.firedAtMs);
        join(opened, a);
      }
    }
    // Racks with nothing to join: those firing the same rule in one hall open one incident.
    const clusters = new Map<string, ActiveAlert[]>();
    for (const a of lone) {
      const p = this.rackPlace.get(split(a.entity)[1]);
      const k = `${a.rule.id}|${p?.hall ?? -1}`;
      const list = clusters.get(k);
      if (list) list.push(a);
      else clusters.set(k, [a]);
    }
    for (const members of clusters.values()) {
      // Racks already placed this pass (another rule of the same rack) stay where they are.
      const free = members.filter((a) => !byEntity.has(a.entity));
      for (const a of members) if (byEntity.has(a.entity)) join(byEntity.get(a.entity)!, a);
      if (free.length === 0) continue;
      const racks = [...new Set(free.map((a) => a.entity))];
      const id = racks.length > 1 ? `${this.scopeOf(racks)}/${free[0].rule.id}` : racks[0];
      const inc = this.openIncident(id, Math.min(...free.map((a) => a.state.firedAtMs)));
      for (const a of free) join(inc, a);
    }
  }

  private openIncident(base: string, startedMs: number): Open {
    const taken = new Set(this.open.map((o) => o.id));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}~${n}`;
    const inc: Open = { id, startedMs, members: new Set() };
    this.open.push(inc);
    return inc;
  }

  /** The narrowest of row, group, hall, site holding every entity (`rack:…` / `cdu:…`). */
  private scopeOf(entities: string[]): string {
    const places = entities.map((e) => {
      const [kind, id] = split(e);
      return kind === 'rack' ? this.rackPlace.get(id) : kind === 'cdu' ? this.cduPlace.get(id) : undefined;
    });
    if (places.some((p) => !p)) return 'site:site';
    const all = places as Place[];
    const same = (f: (p: Place) => number) => all.every((p) => f(p) === f(all[0]));
    if (entities.length === 1 && entities[0].startsWith('rack:')) return entities[0];
    if (same((p) => p.row) && entities.every((e) => e.startsWith('rack:'))) return `row:${this.site.rows[all[0].row].id}`;
    if (same((p) => p.group)) return `group:${this.site.groups[all[0].group].id}`;
    if (same((p) => p.row)) return `row:${this.site.rows[all[0].row].id}`;
    if (same((p) => p.hall)) return `hall:${this.site.view.halls[all[0].hall].id}`;
    return 'site:site';
  }

  private view(o: Open, firing: Map<string, ActiveAlert>): Incident {
    const alerts = [...o.members].map((k) => firing.get(k)!);
    const racks = new Map<string, ActiveAlert[]>();
    const others: ActiveAlert[] = [];
    for (const a of alerts) {
      const [kind, id] = split(a.entity);
      const list = kind === 'rack' ? racks.get(id) : undefined;
      if (list) list.push(a);
      else if (kind === 'rack') racks.set(id, [a]);
      else others.push(a);
    }
    let roots = others;
    let children = [...racks].map(([rackId, list]) => ({ rackId, alerts: list })).sort((a, b) => a.rackId.localeCompare(b.rackId));
    if (others.length === 0 && children.length === 1) {
      roots = children[0].alerts;
      children = [];
    }
    const ordered = (list: ActiveAlert[]) =>
      [...list].sort((a, b) => SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[b.rule.severity] || a.state.firedAtMs - b.state.firedAtMs);
    roots = ordered(roots);
    for (const c of children) c.alerts = ordered(c.alerts);
    // Most severe first; the sort is stable, so on a tie a root leads.
    const lead = [...roots, ...children.flatMap((c) => c.alerts)].sort((a, b) => SEVERITY_RANK[a.rule.severity] - SEVERITY_RANK[b.rule.severity])[0];
    const affected = new Set(children.map((c) => c.rackId));
    if (roots.length && roots[0].entity.startsWith('rack:')) affected.add(split(roots[0].entity)[1]);
    for (const a of others) {
      const p = a.entity.startsWith('cdu:') ? this.cduPlace.get(split(a.entity)[1]) : undefined;
      if (p) for (const id of this.site.groups[p.group].rackIds) affected.add(id);
    }
    const entities = [...new Set(alerts.map((a) => a.entity))];
    const scope = entities.some((e) => e.startsWith('site:')) ? 'site:site'
      : entities.some((e) => e.startsWith('hall:')) ? (entities.length === 1 ? entities[0] : this.hallScope(entities))
      : this.scopeOf(entities);
    const hallId = this.hallOf(entities);
    return {
      id: o.id,
      severity: lead.rule.severity,
      title: this.title(lead, alerts, children.length, affected.size),
      startedMs: o.startedMs,
      scope,
      hallId,
      roots,
      children,
      racks: [...affected].sort(),
    };
  }

  private hallScope(entities: string[]): string {
    const h = this.hallOf(entities);
    return h ? `hall:${h}` : 'site:site';
  }

  private hallOf(entities: string[]): string | null {
    const halls = new Set<number>();
    for (const e of entities) {
      const [kind, id] = split(e);
      const h = kind === 'rack' ? this.rackPlace.get(id)?.hall
        : kind === 'cdu' ? this.cduPlace.get(id)?.hall
        : kind === 'hall' ? this.hallIndex.get(id)
        : undefined;
      if (h === undefined) return null;
      halls.add(h);
    }
    return halls.size === 1 ? this.site.view.halls[[...halls][0]].id : null;
  }

  /** "16 racks of h1-r07: …", "h1-r03-k05: … — now 62.1 °C", "h1-r01-cdu-a: CDU tripped — 16 racks affected". */
  private title(lead: ActiveAlert, alerts: ActiveAlert[], childRacks: number, servedRacks: number): string {
    const same = alerts.filter((a) => a.rule.id === lead.rule.id);
    const [kind, id] = split(lead.entity);
    const now = same.length === 1 ? signalText(lead.rule.signal, lead.state.value) : '';
    let who = kind === 'site' ? 'site' : id;
    if (same.length > 1) {
      const noun = kind === 'rack' ? 'racks' : kind === 'cdu' ? 'CDUs' : `${kind}s`;
      who = `${same.length} ${noun} of ${this.scopeName(this.scopeOf(same.map((a) => a.entity)))}`;
    }
    const plural = (n: number) => (n > 1 ? 's' : '');
    const affected = kind === 'rack' ? ''
      : childRacks > 0 ? ` — ${childRacks} rack${plural(childRacks)} affected`
      : servedRacks > 0 ? ` — its group serves ${servedRacks} rack${plural(servedRacks)}`
      : '';
    const others = alerts.length - same.length;
    const more = kind === 'rack' && others > 0 ? ` (+ ${others} more alert${plural(others)})` : '';
    return `${who}: ${lead.rule.summary}${now}${affected}${more}`;
  }

  private scopeName(scope: string): string {
    const [kind, id] = split(scope);
    if (kind === 'hall') return this.site.view.halls[this.hallIndex.get(id) ?? 0]?.name ?? id;
    if (kind === 'group') return `group ${id}`;
    if (kind === 'site') return 'the site';
    return id;
  }

  /** Open incidents and their members, for the state file. */
  export(): SavedIncident[] {
    return this.open.map((o) => ({ id: o.id, startedMs: o.startedMs, members: [...o.members] }));
  }

  /** Restores open incidents; members that are not firing leave at the next update. */
  restore(saved: SavedIncident[]): void {
    this.open = saved
      .filter((s) => typeof s?.id === 'string' && Array.isArray(s.members) && Number.isFinite(s.startedMs))
      .map((s) => ({ id: s.id, startedMs: s.startedMs, members: new Set(s.members) }));
  }
}
