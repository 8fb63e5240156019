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
 * The headline names the cause (incident-roots.ts); the severity is the worst alert's. Pure: time
 * is an argument. Grouping is in `incident-grouping.ts`, places and scopes in `incident-places.ts`,
 * titles in `incident-view.ts`, the cause's words, cost and action in `incident-cause.ts`.
 */
import type { SiteIndex } from '../site/site-index.ts';
import type { ActiveAlert } from './evaluator.ts';
import { SEVERITY_RANK } from '../../protocol/alerts.ts';
import { alertKey, assignFresh, type OpenIncident } from './incident-grouping.ts';
import { SitePlaces } from './incident-places.ts';
import { viewIncident, type Incident } from './incident-view.ts';
import type { IncidentFacts } from './incident-cause.ts';

export { HALL_WINDOW_MS } from './incident-grouping.ts';
export type { Incident } from './incident-view.ts';

/** What survives a restart: which alerts belong to which open incident. */
export interface SavedIncident {
  id: string;
  startedMs: number;
  members: string[];
}

/** Keeps the open incidents across evaluations: who is in which, under which ID, since when. */
export class IncidentTracker {
  private open: OpenIncident[] = [];
  private readonly places: SitePlaces;

  /** `facts`: the live state an incident's cost and cause are read from (null: named by its alerts alone). */
  constructor(site: SiteIndex, private readonly facts: IncidentFacts | null = null) {
    this.places = new SitePlaces(site);
  }

  /** Assigns the firing alerts to incidents and returns them, most severe and oldest first. */
  update(alerts: ActiveAlert[]): Incident[] {
    const firing = new Map<string, ActiveAlert>();
    for (const a of alerts) if (a.state.phase === 'firing') firing.set(alertKey(a), a);
    // Alerts that stopped firing leave; an incident with none left is over.
    const placed = new Set<string>();
    for (const inc of this.open) {
      for (const k of inc.members) if (!firing.has(k)) inc.members.delete(k);
      for (const k of inc.members) placed.add(k);
    }
    this.open = this.open.filter((i) => i.members.size > 0);
    const fresh = [...firing.values()].filter((a) => !placed.has(alertKey(a)));
    if (fresh.length) assignFresh(fresh, firing, this.open, this.places, (base, startedMs) => this.openIncident(base, startedMs));
    return this.open
      .map((o) => viewIncident(o, firing, this.places, this.facts))
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.startedMs - b.startedMs);
  }

  private openIncident(base: string, startedMs: number): OpenIncident {
    const taken = new Set(this.open.map((o) => o.id));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}~${n}`;
    const inc: OpenIncident = { id, startedMs, members: new Set() };
    this.open.push(inc);
    return inc;
  }

  /** Open incidents and their members, for the state file. */
  export(): SavedIncident[] {
    return this.open.map((o) => ({ id: o.id, startedMs: o.startedMs, members: [...o.members] }));
  }

  /** Gives an open incident the start time another server gave it (its notification IDs carry it). */
  adoptStart(id: string, startedMs: number): void {
    const o = this.open.find((x) => x.id === id);
    if (o) o.startedMs = startedMs;
  }

  /** Restores open incidents; members that are not firing leave at the next update. */
  restore(saved: SavedIncident[]): void {
    this.open = saved
      .filter((s) => typeof s?.id === 'string' && Array.isArray(s.members) && Number.isFinite(s.startedMs))
      .map((s) => ({ id: s.id, startedMs: s.startedMs, members: new Set(s.members) }));
  }
}
