/**
 * Which alerts of an incident are its cause and which report what the cause did. The root is the
 * entity whose own physics is off: a tripped, degraded or blind CDU; a rack whose own flow or
 * heat is off; a hall or Hallwatch itself. CDU signals computed from other entities — the flow
 * imbalance of a group (from its racks' flows), capacity headroom and N+1 (from the group's load
 * and its other units) — are consequences when something of their group is off on its own. Pure.
 */
import type { ActiveAlert } from './evaluator.ts';
import { splitEntity } from './incident-places.ts';

/** CDU and hall signals computed from the group's racks' flows. */
const FROM_RACK_FLOWS: ReadonlySet<string> = new Set(['flowImbalancePct']);
/** CDU and hall signals computed from the group's load and its units: a unit's fault moves them. */
const FROM_GROUP_LOAD: ReadonlySet<string> = new Set(['headroomPct', 'n1HeadroomKw']);
/** Rack signals of the rack's own flow or heat: such a rack explains its group's flow imbalance. */
const RACK_FLOW_OR_HEAT: ReadonlySet<string> = new Set(['flowHeadroomPct', 'returnC', 'deltaTK', 'thermalHeadroomPct', 'returnMinutesToLimit']);

export interface RackAlerts {
  rackId: string;
  alerts: ActiveAlert[];
}

/** An incident's alerts by role; every alert is in exactly one of them. */
export interface RootSplit {
  /** Alerts on the cause. */
  roots: ActiveAlert[];
  /** Alerts of CDUs or halls reacting to the cause (a group's flow imbalance, its N+1). */
  consequences: ActiveAlert[];
  /** Racks with alerts of their own under the cause, by rack ID. */
  children: RackAlerts[];
}

/** Splits an incident's alerts into cause, consequences and racks affected (see the file comment). */
export function splitRoots(alerts: readonly ActiveAlert[]): RootSplit {
  const byRack = new Map<string, ActiveAlert[]>();
  const own: ActiveAlert[] = [];
  const fromLoad: ActiveAlert[] = [];
  const fromFlows: ActiveAlert[] = [];
  for (const a of alerts) {
    const [kind, id] = splitEntity(a.entity);
    if (kind === 'rack') {
      const list = byRack.get(id);
      if (list) list.push(a);
      else byRack.set(id, [a]);
    } else if (FROM_GROUP_LOAD.has(a.rule.signal)) fromLoad.push(a);
    else if (FROM_RACK_FLOWS.has(a.rule.signal)) fromFlows.push(a);
    else own.push(a);
  }
  const racks = [...byRack].map(([rackId, list]) => ({ rackId, alerts: list })).sort((a, b) => a.rackId.localeCompare(b.rackId));
  if (own.length) return { roots: own, consequences: [...fromLoad, ...fromFlows], children: racks };
  if (fromLoad.length) return { roots: fromLoad, consequences: fromFlows, children: racks };
  if (fromFlows.length) {
    const causes = racks.filter((r) => r.alerts.some((a) => RACK_FLOW_OR_HEAT.has(a.rule.signal)));
    if (causes.length === 0) return { roots: fromFlows, consequences: [], children: racks };
    return { roots: causes.flatMap((r) => r.alerts), consequences: fromFlows, children: racks.filter((r) => !causes.includes(r)) };
  }
  // Racks alone: one rack is its own cause; racks sharing a rule have a common one no alert names.
  if (racks.length === 1) return { roots: racks[0].alerts, consequences: [], children: [] };
  return { roots: [], consequences: [], children: racks };
}
