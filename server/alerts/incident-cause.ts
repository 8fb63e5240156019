/**
 * An incident's root cause in words: the entity and why it is the cause, what it costs (from
 * the live state, incident-impact.ts), the action line of its rule with the names filled in,
 * the racks affected (the cause's and those with alerts of their own) and the racks at risk (the
 * rest of the groups whose CDUs alert). Pure: the live state comes in through `IncidentFacts`.
 */
import type { ActiveAlert } from './evaluator.ts';
import { signalText } from './rules.ts';
import { splitEntity, type Place, type SitePlaces } from './incident-places.ts';
import type { RootSplit } from './incident-roots.ts';
import {
  actionText, groupImpact, groupImpactText, rackFlowWhy, rackImpactText, FLOW_SHORT_PCT, type ActionNames, type GroupNow, type RackNow,
} from './incident-impact.ts';

/** What the live state says of the entities an incident names; null when it does not know. */
export interface IncidentFacts {
  /** A live rack now (null when it has no live sample). */
  rack(id: string): RackNow | null;
  /** A redundancy group now, by its index in the site. */
  group(group: number): GroupNow | null;
}

export interface Cause {
  rootCause: { entity: string; why: string } | null;
  impact: string | null;
  action: string | null;
  racks: string[];
  atRisk: string[];
}

/** A rule's headline with its value: "CDU tripped", "rack flow below what its load needs — now -120.0 %". */
const alertWhy = (a: ActiveAlert) => `${a.rule.summary}${signalText(a.rule.signal, a.state.value)}`;

/** Where the rack or CDU an entity names sits (undefined for halls, the site, scopes). */
function placeOf(places: SitePlaces, entity: string): Place | undefined {
  const [kind, id] = splitEntity(entity);
  return kind === 'rack' ? places.rack(id) : kind === 'cdu' ? places.cdu(id) : undefined;
}

/** The names an action line may use, for a cause entity (`rack:…`, `cdu:…`, `group:…`, `hall:…`, a scope) at place `p`. */
function namesFor(places: SitePlaces, entity: string, p: Place | undefined): ActionNames {
  const [kind, id] = splitEntity(entity);
  const scopeName = places.scopeName(entity);
  const group = p ? places.groupName(p) : scopeName;
  const own = kind === 'rack' || kind === 'cdu' ? id : kind === 'group' ? group : scopeName;
  return { entity: own, group, hall: p ? places.hallName(p) : kind === 'hall' ? scopeName : 'the site' };
}

/** The live rack with the least flow for its need among `rackIds`, when it is short. */
function shortestFlow(facts: IncidentFacts, rackIds: readonly string[]): { id: string; rack: RackNow } | null {
  let best: { id: string; rack: RackNow } | null = null;
  for (const id of rackIds) {
    const rack = facts.rack(id);
    if (rack && rack.flowSharePct < FLOW_SHORT_PCT && (!best || rack.flowSharePct < best.rack.flowSharePct)) best = { id, rack };
  }
  return best;
}

/** The cause, its cost, the action and the racks of an incident whose alerts are split as `split`. */
export function describeCause(split: RootSplit, scope: string, places: SitePlaces, facts: IncidentFacts | null): Cause {
  const affected = new Set(split.children.map((c) => c.rackId));
  const groups = new Map<number, Place>();
  for (const a of [...split.roots, ...split.consequences]) {
    const p = a.entity.startsWith('cdu:') ? placeOf(places, a.entity) : undefined;
    if (p) groups.set(p.group, p);
  }
  const c = rootOf(split, scope, places, facts);
  for (const a of split.roots) if (a.entity.startsWith('rack:')) affected.add(splitEntity(a.entity)[1]);
  if (c.entity.startsWith('rack:')) affected.add(splitEntity(c.entity)[1]);
  const atRisk = new Set<string>();
  for (const p of groups.values()) for (const id of places.groupRackIds(p)) if (!affected.has(id)) atRisk.add(id);
  const actor = [c.actor, ...split.roots, ...split.children.flatMap((r) => r.alerts)].find((a) => a?.rule.action);
  const names = namesFor(places, c.entity, c.place);
  return {
    rootCause: { entity: c.entity, why: c.why },
    impact: c.impact,
    action: actor ? actionText(actor.rule.action!, names, c.advice) : null,
    racks: [...affected].sort(),
    atRisk: [...atRisk].sort(),
  };
}

interface Root {
  entity: string;
  why: string;
  /** The alert whose rule's action is the incident's (undefined: the first with one). */
  actor?: ActiveAlert;
  place?: Place;
  impact: string | null;
  advice: string | null;
}

function rootOf(split: RootSplit, scope: string, places: SitePlaces, facts: IncidentFacts | null): Root {
  const lead = split.roots[0];
  if (!lead) {
    // Racks sharing a rule: the cause is common to their scope.
    const first = split.children[0]?.alerts[0];
    return { entity: scope, why: first ? first.rule.summary : scope, actor: first, place: placeOf(places, first?.entity ?? ''), impact: null, advice: null };
  }
  const [kind, id] = splitEntity(lead.entity);
  const place = placeOf(places, lead.entity);
  if (kind === 'rack') return rackRoot(split.roots, places, facts);
  if (kind !== 'cdu' || !place) return { entity: lead.entity, why: alertWhy(lead), actor: lead, impact: null, advice: null };
  if (lead.rule.signal === 'flowImbalancePct') {
    // The group's flows are off because one rack's is: name the rack, even before its own alert fires.
    const short = facts ? shortestFlow(facts, places.groupRackIds(place)) : null;
    if (!short) return { entity: places.groupScope(place), why: alertWhy(lead), actor: lead, place, impact: null, advice: null };
    const why = rackFlowWhy(short.rack)!;
    return { entity: `rack:${short.id}`, why, actor: lead, place: places.rack(short.id), impact: rackImpactText(short.rack, Number.NaN), advice: null };
  }
  const group = facts?.group(place.group) ?? null;
  const impact = group ? groupImpact(group) : null;
  // A unit down (tripped, offline, not reporting) leaves partners; otherwise the group as a whole is short.
  const unitDown = group?.cdus.some((u) => !u.running) ?? false;
  const text = impact ? groupImpactText(impact, places.groupName(place), unitDown) : null;
  const fromLoad = lead.rule.signal === 'headroomPct' || lead.rule.signal === 'n1HeadroomKw';
  const entity = fromLoad ? places.groupScope(place) : `cdu:${id}`;
  return { entity, why: alertWhy(lead), actor: lead, place, impact: text?.impact ?? null, advice: text?.advice ?? null };
}

/** The rack cause among rack `roots` (ordered most severe first): of those at the lead's severity, the least flow for its need. */
function rackRoot(roots: ActiveAlert[], places: SitePlaces, facts: IncidentFacts | null): Root {
  const tied = [...new Set(roots.filter((a) => a.rule.severity === roots[0].rule.severity).map((a) => splitEntity(a.entity)[1]))];
  const share = (r: string) => facts?.rack(r)?.flowSharePct ?? Number.POSITIVE_INFINITY;
  const rackId = tied.reduce((best, r) => (share(r) < share(best) ? r : best), tied[0]);
  const own = roots.filter((a) => a.entity === `rack:${rackId}`);
  const rack = facts?.rack(rackId) ?? null;
  const leak = own.find((a) => a.rule.signal === 'leak');
  // Its flow rule firing says the flow is below need: name the flow even when it is short by under a tenth.
  const flowRuleFiring = own.some((a) => a.rule.signal === 'flowHeadroomPct');
  const flowWhy = rack ? rackFlowWhy(rack, flowRuleFiring ? 100 : FLOW_SHORT_PCT) : null;
  // A leak is acted on first; a rack short of flow by the rule that names its flow.
  const bySignal = (signal: string) => own.find((a) => a.rule.signal === signal);
  const flowAlert = flowWhy ? (bySignal('flowHeadroomPct') ?? bySignal('deltaTK')) : undefined;
  const actor = leak ?? flowAlert ?? own[0];
  const minutes = own.find((a) => a.rule.signal === 'returnMinutesToLimit')?.state.value ?? Number.NaN;
  return {
    entity: `rack:${rackId}`,
    why: leak ? alertWhy(leak) : (flowWhy ?? alertWhy(actor)),
    actor,
    place: places.rack(rackId),
    impact: rack ? rackImpactText(rack, minutes) : null,
    advice: null,
  };
}
