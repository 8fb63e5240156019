/**
 * What an incident costs, in one line, from the live state at its root: for a redundancy group
 * (a unit tripped or derated, capacity short) the load its running units carry, their pump
 * speed, the N+1 headroom and what one more trip would leave uncooled (shared/docs/domain.md §3,
 * "CDU capacity headroom"); for a rack, how short its flow is and how far, or how soon, its
 * return is from its limit. Also fills the placeholders of a rule's action line. Pure.
 */

/** One unit of a redundancy group now. */
export interface CduNow {
  id: string;
  /** Live and running: it carries load. */
  running: boolean;
  /** Capacity it contributes now (derated by a pump shortfall; 0 when stopped), kW. */
  capacityKw: number;
  /** Pump speed, % (NaN when not reported). */
  pumpPct: number;
}

/** A redundancy group now: the heat of its racks and its units. */
export interface GroupNow {
  loadKw: number;
  cdus: CduNow[];
}

/** A live rack now. */
export interface RackNow {
  flowLpm: number;
  /** Flow its present load needs at its design ΔT, L/min. */
  flowRequiredLpm: number;
  /** Flow ÷ need, %. */
  flowSharePct: number;
  returnC: number;
  returnLimitC: number;
}

export interface GroupImpact {
  running: number;
  /** Load ÷ capacity of the running units, % (Infinity with none running). */
  loadPct: number;
  /** Pump speeds of the running units, % (NaN when none reports one). */
  pumpMinPct: number;
  pumpMaxPct: number;
  /** Load the running units cannot carry now, kW (0 when they carry it). */
  overloadKw: number;
  /** (Capacity of the running units − the largest of them) − load, kW: below 0, N+1 is lost. */
  n1HeadroomKw: number;
  /** Load left uncarried when the largest running unit trips as well, kW (= −N+1 headroom, at least 0). */
  nextTripOverloadKw: number;
}

/** Under this share of its need a rack's flow is named as the cause, %. */
export const FLOW_SHORT_PCT = 90;

/** The load, pumps and N+1 of a group now; null when its load or a running unit's capacity is unknown. */
export function groupImpact(g: GroupNow): GroupImpact | null {
  const running = g.cdus.filter((c) => c.running);
  if (!Number.isFinite(g.loadKw) || running.some((c) => !Number.isFinite(c.capacityKw))) return null;
  const capacityKw = running.reduce((s, c) => s + c.capacityKw, 0);
  const largestKw = running.reduce((m, c) => Math.max(m, c.capacityKw), 0);
  const pumps = running.map((c) => c.pumpPct).filter(Number.isFinite);
  const n1HeadroomKw = capacityKw - largestKw - g.loadKw;
  return {
    running: running.length,
    loadPct: capacityKw > 0 ? (g.loadKw / capacityKw) * 100 : Number.POSITIVE_INFINITY,
    pumpMinPct: pumps.length ? Math.min(...pumps) : Number.NaN,
    pumpMaxPct: pumps.length ? Math.max(...pumps) : Number.NaN,
    overloadKw: Math.max(0, g.loadKw - capacityKw),
    n1HeadroomKw,
    nextTripOverloadKw: Math.max(0, -n1HeadroomKw),
  };
}

/** "85 kW", "520 kW", "1.2 MW". */
export function powerText(kw: number): string {
  return Math.round(kw) >= 1000 ? `${(kw / 1000).toFixed(1)} MW` : `${Math.round(kw)} kW`;
}

function pumpsText(i: GroupImpact): string {
  if (!Number.isFinite(i.pumpMinPct)) return '';
  const lo = Math.round(i.pumpMinPct);
  const hi = Math.round(i.pumpMaxPct);
  return lo === hi ? `, pumps at ${hi} %` : `, pumps at ${lo}–${hi} %`;
}

/**
 * The cost of a group's state in one line, and what to add to the action: `unitDown` when one of
 * its units is the cause (the others are its partners; the next trip is the second).
 * `name` is how the group's racks are named (`h1-r02`).
 */
export function groupImpactText(i: GroupImpact, name: string, unitDown: boolean): { impact: string; advice: string | null } {
  const who = unitDown ? 'partners' : name;
  const load = `${who} at ${Math.round(i.loadPct)} %${pumpsText(i)}`;
  if (i.running === 0) return { impact: `no CDU of ${name} running: all of its racks' heat is uncooled`, advice: `cap ${name} now` };
  if (i.overloadKw > 0) return { impact: `${load}: ${name} is short of ${powerText(i.overloadKw)} of cooling now`, advice: `cap ${name} now` };
  const trip = unitDown ? 'a second trip' : 'a trip of its largest unit';
  if (i.n1HeadroomKw < 0) {
    return { impact: `${load}, N+1 lost: ${trip} overloads ${name} by ${powerText(i.nextTripOverloadKw)}`, advice: `consider capping ${name}` };
  }
  return { impact: `${load}, N+1 holds: ${trip} leaves ${powerText(i.n1HeadroomKw)} spare`, advice: null };
}

/** Why a rack is the cause when its flow is short: "flow at 45 % of what its load needs (82 of 182 L/min)"; null when it is not. */
export function rackFlowWhy(r: RackNow, shortPct = FLOW_SHORT_PCT): string | null {
  if (!(r.flowSharePct < shortPct)) return null;
  return `flow at ${Math.round(r.flowSharePct)} % of what its load needs (${Math.round(r.flowLpm)} of ${Math.round(r.flowRequiredLpm)} L/min)`;
}

/**
 * How far, or how soon, a rack's return is from its limit: over it now, the trend's projection
 * (`minutesToLimit`, NaN without one), or the margin left while its flow is short; null otherwise.
 */
export function rackImpactText(r: RackNow, minutesToLimit: number): string | null {
  const now = `return ${r.returnC.toFixed(1)} °C`;
  const limit = `its ${r.returnLimitC} °C limit`;
  if (r.returnC >= r.returnLimitC) return `${now}, ${(r.returnC - r.returnLimitC).toFixed(1)} K over ${limit}`;
  if (Number.isFinite(minutesToLimit)) {
    return `${now}: reaches ${limit} ${minutesToLimit < 1 ? 'within a minute' : `in about ${Math.round(minutesToLimit)} min`}`;
  }
  if (r.flowSharePct < FLOW_SHORT_PCT) return `${now}, ${(r.returnLimitC - r.returnC).toFixed(1)} K below ${limit}`;
  return null;
}

/** What a rule's action line names (rules.ts ACTION_PLACEHOLDERS). */
export interface ActionNames {
  entity: string;
  group: string;
  hall: string;
}

/** The action line with its placeholders filled, and the advice the live state adds (`, consider capping h1-r02`). */
export function actionText(template: string, names: ActionNames, advice: string | null): string {
  const text = template.replace(/\{(entity|group|hall)\}/g, (_m, k: keyof ActionNames) => names[k]);
  return advice ? `${text}; ${advice}` : text;
}
