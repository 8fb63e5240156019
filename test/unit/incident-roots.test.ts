/**
 * The root of an incident is the entity whose own physics is off: a clogged rack among the 16 of
 * its row, not the flow imbalance its group's CDUs report; a tripped CDU, not its partners' N+1.
 * Racks with alerts of their own are affected, the rest of the group at risk.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { parseRules } from '../../server/alerts/rules.ts';
import { IncidentTracker } from '../../server/alerts/incidents.ts';
import type { ActiveAlert } from '../../server/alerts/evaluator.ts';
import type { IncidentFacts } from '../../server/alerts/incident-cause.ts';
import type { RackNow } from '../../server/alerts/incident-impact.ts';
import { initialState } from '../../server/alerts/rule-state.ts';

const RULES = (() => {
  const r = parseRules(JSON.parse(readFileSync('config/alert-rules.json', 'utf8')));
  if (!r.ok) throw new Error(r.message);
  return new Map(r.value.map((x) => [x.id, x]));
})();
const T0 = 1_800_000_000_000;
/** One hall of 2 rows × 16 racks, 3 CDUs per row (2 of 8 racks + a spare): one redundancy group per row. */
const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 16, racksPerCdu: 8 }));
const ROW1 = site.racks.filter((r) => r.rowId === 'h1-r01').map((r) => r.id);
const CDUS1 = ['h1-r01-cdu-a', 'h1-r01-cdu-b', 'h1-r01-cdu-c'];

/** `rule@entity`, firing since `s` seconds after T0, last value `value`. */
function alert(spec: string, s = 0, value = Number.NaN): ActiveAlert {
  const [ruleId, entity] = spec.split('@');
  const rule = RULES.get(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return { rule, entity, state: { ...initialState(), phase: 'firing', firedAtMs: T0 + s * 1000, sinceMs: T0 + s * 1000, value } };
}

/** Live racks at full flow, but for those in `shares` (flow ÷ need, %); return 48 °C unless given. */
function facts(shares: Record<string, number> = {}, returnC: Record<string, number> = {}): IncidentFacts {
  return {
    rack: (id): RackNow => {
      const share = shares[id] ?? 100;
      return { flowLpm: 182 * (share / 100), flowRequiredLpm: 182, flowSharePct: share, returnC: returnC[id] ?? 48, returnLimitC: 55 };
    },
    group: () => null,
  };
}

const imbalance = CDUS1.map((c) => alert(`cdu-flow-imbalance-critical@cdu:${c}`, 0, 31));
const others = (except: string[]) => ROW1.filter((r) => !except.includes(r));

describe('root choice', () => {
  const cases: {
    why: string;
    alerts: ActiveAlert[];
    facts?: IncidentFacts;
    root: string;
    rootWhy?: RegExp;
    roots: string[];
    consequences: string[];
    children: string[];
    racks: string[];
    atRisk: string[];
    action?: RegExp;
    impact?: RegExp;
  }[] = [
    {
      why: 'a clogged rack among the 16 of its row heads the flow imbalance its group\'s three CDUs report; the other 15 are at risk',
      alerts: [
        ...imbalance,
        alert('rack-delta-t-critical@rack:h1-r01-k05', 30, 22.1),
        alert('rack-flow-below-need@rack:h1-r01-k05', 40, -122),
        alert('rack-return-critical@rack:h1-r01-k05', 50, 62.1),
      ],
      facts: facts({ 'h1-r01-k05': 45 }, { 'h1-r01-k05': 62.1 }),
      root: 'rack:h1-r01-k05',
      rootWhy: /^flow at 45 % of what its load needs \(82 of 182 L\/min\)$/,
      roots: ['rack:h1-r01-k05'],
      consequences: CDUS1.map((c) => `cdu:${c}`),
      children: [],
      racks: ['h1-r01-k05'],
      atRisk: others(['h1-r01-k05']),
      action: /^dispatch to h1-r01-k05: check its valve/,
      impact: /^return 62\.1 °C, 7\.1 K over its 55 °C limit$/,
    },
    {
      why: 'the imbalance before the rack\'s own alert fires: the rack the live state shows short of flow is named',
      alerts: imbalance,
      facts: facts({ 'h1-r01-k05': 45, 'h1-r01-k09': 95 }),
      root: 'rack:h1-r01-k05',
      rootWhy: /^flow at 45 %/,
      roots: CDUS1.map((c) => `cdu:${c}`),
      consequences: [],
      children: [],
      racks: ['h1-r01-k05'],
      atRisk: others(['h1-r01-k05']),
      action: /^dispatch to h1-r01-k05: check the valve, strainer and cold plates of the rack whose flow is off$/,
    },
    {
      why: 'the imbalance with no live state to name a rack: the group is the cause',
      alerts: imbalance,
      root: 'group:h1-r01',
      roots: CDUS1.map((c) => `cdu:${c}`),
      consequences: [],
      children: [],
      racks: [],
      atRisk: ROW1,
      action: /^dispatch to h1-r01: check the valve/,
    },
    {
      why: 'two clogged racks: both are roots, the one with less flow is named',
      alerts: [...imbalance, alert('rack-flow-below-need@rack:h1-r01-k02', 40), alert('rack-flow-below-need@rack:h1-r01-k11', 40)],
      facts: facts({ 'h1-r01-k02': 70, 'h1-r01-k11': 40 }),
      root: 'rack:h1-r01-k11',
      roots: ['rack:h1-r01-k02', 'rack:h1-r01-k11'],
      consequences: CDUS1.map((c) => `cdu:${c}`),
      children: [],
      racks: ['h1-r01-k02', 'h1-r01-k11'],
      atRisk: others(['h1-r01-k02', 'h1-r01-k11']),
    },
    {
      why: 'a rack with only a sensor fault does not explain the imbalance: it stays a child',
      alerts: [...imbalance, alert('rack-sensor-noisy@rack:h1-r01-k03', 10)],
      root: 'group:h1-r01',
      roots: CDUS1.map((c) => `cdu:${c}`),
      consequences: [],
      children: ['h1-r01-k03'],
      racks: ['h1-r01-k03'],
      atRisk: others(['h1-r01-k03']),
    },
    {
      why: 'a CDU trip: the tripped unit is the root, its partners\' N+1 a consequence, hot racks affected, the rest at risk',
      alerts: [
        alert('cdu-tripped@cdu:h1-r01-cdu-a', 0, 1),
        alert('cdu-n1-lost@cdu:h1-r01-cdu-b', 30, -494),
        alert('cdu-n1-lost@cdu:h1-r01-cdu-c', 30, -494),
        alert('rack-return-warning@rack:h1-r01-k01', 60, 52.5),
        alert('rack-return-warning@rack:h1-r01-k02', 60, 52.5),
      ],
      root: 'cdu:h1-r01-cdu-a',
      rootWhy: /^CDU tripped$/,
      roots: ['cdu:h1-r01-cdu-a'],
      consequences: ['cdu:h1-r01-cdu-b', 'cdu:h1-r01-cdu-c'],
      children: ['h1-r01-k01', 'h1-r01-k02'],
      racks: ['h1-r01-k01', 'h1-r01-k02'],
      atRisk: others(['h1-r01-k01', 'h1-r01-k02']),
      action: /^dispatch to h1-r01-cdu-a: read its fault code/,
    },
    {
      why: 'a group short of capacity with no unit at fault: the group is the root, a hot rack a child',
      alerts: [...CDUS1.map((c) => alert(`cdu-headroom-critical@cdu:${c}`, 0, 3)), alert('rack-return-warning@rack:h1-r01-k07', 30, 52.4)],
      root: 'group:h1-r01',
      roots: CDUS1.map((c) => `cdu:${c}`),
      consequences: [],
      children: ['h1-r01-k07'],
      racks: ['h1-r01-k07'],
      atRisk: others(['h1-r01-k07']),
      action: /^cap h1-r01's load now/,
    },
    {
      why: 'a leak: the rack is its own cause and the action is to isolate it',
      alerts: [alert('rack-leak-critical@rack:h1-r02-k03', 0, 2), alert('rack-return-warning@rack:h1-r02-k03', 5, 52.1)],
      facts: facts(),
      root: 'rack:h1-r02-k03',
      rootWhy: /^leak detected: isolate the rack/,
      roots: ['rack:h1-r02-k03'],
      consequences: [],
      children: [],
      racks: ['h1-r02-k03'],
      atRisk: [],
      action: /^isolate h1-r02-k03: close its supply and return valves/,
    },
    {
      why: 'racks sharing a rule: no alert names the cause, their row is',
      alerts: ['k01', 'k02', 'k03', 'k04'].map((k) => alert(`rack-stale@rack:h1-r01-${k}`, 0, 1)),
      root: 'row:h1-r01',
      roots: [],
      consequences: [],
      children: ['h1-r01-k01', 'h1-r01-k02', 'h1-r01-k03', 'h1-r01-k04'],
      racks: ['h1-r01-k01', 'h1-r01-k02', 'h1-r01-k03', 'h1-r01-k04'],
      atRisk: [],
      action: /^check h1-r01's telemetry link/,
    },
  ];
  it.each(cases)('$why', (c) => {
    const incidents = new IncidentTracker(site, c.facts ?? null).update(c.alerts);
    expect(incidents).toHaveLength(1);
    const [inc] = incidents;
    expect(inc.rootCause?.entity).toBe(c.root);
    if (c.rootWhy) expect(inc.rootCause?.why).toMatch(c.rootWhy);
    expect([...new Set(inc.roots.map((a) => a.entity))].sort()).toEqual(c.roots);
    expect(inc.consequences.map((a) => a.entity).sort()).toEqual(c.consequences);
    expect(inc.children.map((r) => r.rackId)).toEqual(c.children);
    expect(inc.racks).toEqual(c.racks);
    expect(inc.atRisk).toEqual(c.atRisk);
    if (c.action) expect(inc.action).toMatch(c.action);
    if (c.impact) expect(inc.impact).toMatch(c.impact);
    // Every alert is in exactly one place.
    expect(inc.roots.length + inc.consequences.length + inc.children.reduce((n, r) => n + r.alerts.length, 0)).toBe(c.alerts.length);
  });

  it('titles a clog after the rack, with the worst severity of everything in it', () => {
    const alerts = [...imbalance, alert('rack-flow-below-need@rack:h1-r01-k05', 40, -122), alert('rack-return-critical@rack:h1-r01-k05', 50, 62.1)];
    const [inc] = new IncidentTracker(site, facts({ 'h1-r01-k05': 45 })).update(alerts);
    expect(inc.severity).toBe('critical');
    expect(inc.title).toBe('h1-r01-k05: rack return temperature at the 55 °C limit — now 62.1 °C (+ 4 more alerts)');
    expect(inc.impact).toBe('return 48.0 °C, 7.0 K below its 55 °C limit');
  });

  it('titles the imbalance after the rack the live state names, before that rack\'s own alert fires', () => {
    const [inc] = new IncidentTracker(site, facts({ 'h1-r01-k05': 45 })).update(imbalance);
    expect(inc.title).toBe('h1-r01-k05: flow at 45 % of what its load needs (82 of 182 L/min) — 15 racks at risk');
    expect(inc.severity).toBe('major');
  });

  it('titles a CDU trip by the racks it puts at risk', () => {
    const [inc] = new IncidentTracker(site).update([alert('cdu-tripped@cdu:h1-r01-cdu-a', 0, 1), alert('cdu-n1-lost@cdu:h1-r01-cdu-b', 30, -494)]);
    expect(inc.title).toBe('h1-r01-cdu-a: CDU tripped — 16 racks at risk');
    expect(inc.severity).toBe('critical');
  });
});
