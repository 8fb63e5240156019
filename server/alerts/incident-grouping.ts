/**
 * Which open incident a newly firing alert joins (same entity, then the cooling path, then the
 * same rule nearby), and how alerts with nowhere to go open incidents. Pure: time comes from the
 * alerts' own firing times.
 */
import type { ActiveAlert } from './evaluator.ts';
import { splitEntity, type SitePlaces } from './incident-places.ts';

/** Racks of one hall tripping the same rule this close together share an incident, ms. */
export const HALL_WINDOW_MS = 5 * 60_000;

/** An incident being tracked: its ID, start and the keys (`rule|entity`) of its firing alerts. */
export interface OpenIncident {
  id: string;
  startedMs: number;
  members: Set<string>;
}

/** Opens an incident under an ID derived from `base` (made unique) and returns it. */
export type OpenIncidentFn = (base: string, startedMs: number) => OpenIncident;

/** The key an alert is a member by: `{rule}|{entity}`. */
export const alertKey = (a: ActiveAlert) => `${a.rule.id}|${a.entity}`;

/** What the open incidents hold, by each key a new alert may join on. */
class JoinIndex {
  private readonly byEntity = new Map<string, OpenIncident>();
  private readonly byCduGroup = new Map<number, OpenIncident>();
  private readonly byGroup = new Map<number, OpenIncident>();
  private readonly byRuleRow = new Map<string, OpenIncident>();
  private readonly byRuleGroup = new Map<string, OpenIncident>();
  private readonly byRuleHall = new Map<string, { inc: OpenIncident; firstMs: number }>();
  /** Incidents with a cause above the racks (a CDU, a hall): racks of other groups do not join them by rule. */
  private readonly rooted = new Set<OpenIncident>();

  constructor(private readonly places: SitePlaces) {}

  /** The incident already holding an alert of this entity. */
  holder(entity: string): OpenIncident | undefined {
    return this.byEntity.get(entity);
  }

  /** Records that `inc` holds `a`; the first incident to claim a key keeps it. */
  add(inc: OpenIncident, a: ActiveAlert): void {
    const [kind, id] = splitEntity(a.entity);
    if (!this.byEntity.has(a.entity)) this.byEntity.set(a.entity, inc);
    if (kind !== 'rack') this.rooted.add(inc);
    if (kind === 'cdu') {
      const p = this.places.cdu(id);
      if (p && !this.byCduGroup.has(p.group)) this.byCduGroup.set(p.group, inc);
      if (p && !this.byGroup.has(p.group)) this.byGroup.set(p.group, inc);
    } else if (kind === 'rack') {
      const p = this.places.rack(id);
      if (!p) return;
      if (!this.byGroup.has(p.group)) this.byGroup.set(p.group, inc);
      if (this.rooted.has(inc)) return;
      const r = a.rule.id;
      if (!this.byRuleRow.has(`${r}|${p.row}`)) this.byRuleRow.set(`${r}|${p.row}`, inc);
      if (!this.byRuleGroup.has(`${r}|${p.group}`)) this.byRuleGroup.set(`${r}|${p.group}`, inc);
      const h = this.byRuleHall.get(`${r}|${p.hall}`);
      if (!h || h.inc === inc) {
        this.byRuleHall.set(`${r}|${p.hall}`, { inc, firstMs: Math.min(h?.firstMs ?? Infinity, a.state.firedAtMs) });
      }
    }
  }

  /** The incident `a` joins, in the order the tracker documents, or undefined. */
  find(a: ActiveAlert): OpenIncident | undefined {
    const [kind, id] = splitEntity(a.entity);
    const inc = this.byEntity.get(a.entity);
    if (inc) return inc;
    if (kind === 'cdu') {
      const p = this.places.cdu(id);
      return p && this.byGroup.get(p.group);
    }
    if (kind !== 'rack') return undefined;
    const p = this.places.rack(id);
    if (!p) return undefined;
    const r = a.rule.id;
    const h = this.byRuleHall.get(`${r}|${p.hall}`);
    const inHallWindow = h && Math.abs(a.state.firedAtMs - h.firstMs) <= HALL_WINDOW_MS ? h.inc : undefined;
    return this.byCduGroup.get(p.group) ?? this.byRuleRow.get(`${r}|${p.row}`) ?? this.byRuleGroup.get(`${r}|${p.group}`) ?? inHallWindow;
  }
}

/**
 * Places alerts that are firing but in no incident (`fresh`) into the `open` incidents, or into
 * new ones made with `openIncident`. `firing` maps every firing alert by its key.
 */
export function assignFresh(
  fresh: ActiveAlert[],
  firing: Map<string, ActiveAlert>,
  open: OpenIncident[],
  places: SitePlaces,
  openIncident: OpenIncidentFn,
): void {
  const index = new JoinIndex(places);
  // Causes indexed before racks, so a rack's incident is known as rooted when it is indexed.
  for (const rackPass of [false, true]) {
    for (const inc of open) for (const k of inc.members) if (k.includes('|rack:') === rackPass) index.add(inc, firing.get(k)!);
  }
  const join = (inc: OpenIncident, a: ActiveAlert) => {
    inc.members.add(alertKey(a));
    index.add(inc, a);
  };
  // Causes first: a CDU placed before the racks it serves makes them its children.
  const order = (a: ActiveAlert) => (a.entity.startsWith('rack:') ? 1 : 0);
  fresh.sort((a, b) => order(a) - order(b) || a.state.firedAtMs - b.state.firedAtMs || alertKey(a).localeCompare(alertKey(b)));
  const lone: ActiveAlert[] = [];
  for (const a of fresh) {
    const [kind, id] = splitEntity(a.entity);
    const inc = index.find(a);
    if (inc) join(inc, a);
    else if (kind === 'rack') lone.push(a);
    else {
      const p = kind === 'cdu' ? places.cdu(id) : undefined;
      join(openIncident(p ? places.groupScope(p) : a.entity, a.state.firedAtMs), a);
    }
  }
  for (const members of clusterByRuleAndHall(lone, places)) {
    // Racks already placed this pass (another rule of the same rack) stay where they are.
    const free = members.filter((a) => !index.holder(a.entity));
    for (const a of members) {
      const holder = index.holder(a.entity);
      if (holder) join(holder, a);
    }
    if (free.length === 0) continue;
    const racks = [...new Set(free.map((a) => a.entity))];
    const id = racks.length > 1 ? `${places.scopeOf(racks)}/${free[0].rule.id}` : racks[0];
    const inc = openIncident(id, Math.min(...free.map((a) => a.state.firedAtMs)));
    for (const a of free) join(inc, a);
  }
}

/** Racks with nothing to join, grouped by rule and hall: each group opens one incident. */
function clusterByRuleAndHall(lone: ActiveAlert[], places: SitePlaces): ActiveAlert[][] {
  const clusters = new Map<string, ActiveAlert[]>();
  for (const a of lone) {
    const p = places.rack(splitEntity(a.entity)[1]);
    const k = `${a.rule.id}|${p?.hall ?? -1}`;
    const list = clusters.get(k);
    if (list) list.push(a);
    else clusters.set(k, [a]);
  }
  return [...clusters.values()];
}
