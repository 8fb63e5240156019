import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { parseRules } from '../../server/alerts/rules.ts';
import { IncidentTracker, HALL_WINDOW_MS } from '../../server/alerts/incidents.ts';
import type { ActiveAlert } from '../../server/alerts/evaluator.ts';
import { initialState } from '../../server/alerts/rule-state.ts';

const RULES = (() => {
  const r = parseRules(JSON.parse(readFileSync('config/alert-rules.json', 'utf8')));
  if (!r.ok) throw new Error(r.message);
  return new Map(r.value.map((x) => [x.id, x]));
})();
const T0 = 1_800_000_000_000;
/** Two halls of 3 rows × 4 racks, 2 racks per CDU + a spare per row: one redundancy group per row. */
const site = buildSiteIndex(generateSite({ halls: 2, rows: 3, racksPerRow: 4, racksPerCdu: 2 }));

/** `rule@entity` fired `s` seconds after T0 with `value`. */
function alert(spec: string, s = 0, value = Number.NaN): ActiveAlert {
  const [ruleId, entity] = spec.split('@');
  const rule = RULES.get(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return { rule, entity, state: { ...initialState(), phase: 'firing', firedAtMs: T0 + s * 1000, sinceMs: T0 + s * 1000, value } };
}
const row = (r: string, rule: string, s = 0, n = 4) => Array.from({ length: n }, (_, k) => alert(`${rule}@rack:${r}-k0${k + 1}`, s));

describe('IncidentTracker: one incident per cause', () => {
  const cases: { why: string; alerts: ActiveAlert[]; ids: string[]; title?: RegExp; scope?: string }[] = [
    {
      why: 'one rack over its limit',
      alerts: [alert('rack-return-critical@rack:h1-r03-k02', 0, 62.1)],
      ids: ['rack:h1-r03-k02'],
      title: /^h1-r03-k02: rack return temperature at the 55 °C limit — now 62\.1 °C$/,
      scope: 'rack:h1-r03-k02',
    },
    {
      why: 'a row of racks on the same rule in one evaluation',
      alerts: row('h1-r02', 'rack-return-trend'),
      ids: ['row:h1-r02/rack-return-trend'],
      title: /^4 racks of h1-r02: return/,
      scope: 'row:h1-r02',
    },
    {
      why: 'racks of two rows of one hall within the window',
      alerts: [...row('h1-r01', 'rack-stale', 0, 2), ...row('h1-r03', 'rack-stale', 0, 2)],
      ids: ['hall:hall-1/rack-stale'],
      title: /^4 racks of Hall 1: rack telemetry stale/,
      scope: 'hall:hall-1',
    },
    {
      why: 'the same rule in two halls',
      alerts: [...row('h1-r01', 'rack-stale', 0, 2), ...row('h2-r01', 'rack-stale', 0, 2)],
      ids: ['row:h1-r01/rack-stale', 'row:h2-r01/rack-stale'],
    },
    {
      why: 'different rules on different racks are different causes',
      alerts: [alert('rack-leak-critical@rack:h1-r01-k01'), alert('rack-return-warning@rack:h1-r01-k03', 1)],
      ids: ['rack:h1-r01-k01', 'rack:h1-r01-k03'],
    },
    {
      why: 'several rules on one rack',
      alerts: [alert('rack-return-critical@rack:h1-r01-k01'), alert('rack-delta-t@rack:h1-r01-k01'), alert('rack-return-warning@rack:h1-r01-k01')],
      ids: ['rack:h1-r01-k01'],
      title: /^h1-r01-k01: rack return temperature at the 55 °C limit \(\+ 2 more alerts\)$/,
    },
    {
      why: 'a CDU trip roots its group; the racks it serves are children, a rack elsewhere on the same rule stays apart',
      alerts: [
        alert('cdu-tripped@cdu:h1-r01-cdu-a'),
        alert('cdu-n1-lost@cdu:h1-r01-cdu-b'),
        alert('rack-return-critical@rack:h1-r01-k01', 5),
        alert('rack-return-critical@rack:h1-r02-k01', 5),
      ],
      ids: ['group:h1-r01', 'rack:h1-r02-k01'],
      title: /^h1-r01-cdu-a: CDU tripped — 1 rack affected$/,
    },
    {
      why: 'a rack over its limit heads the CDU imbalance it causes',
      alerts: [alert('cdu-flow-imbalance-critical@cdu:h1-r03-cdu-a', 0, 31), alert('rack-return-critical@rack:h1-r03-k02', 2, 62.1)],
      ids: ['group:h1-r03'],
      title: /^h1-r03-k02: rack return temperature at the 55 °C limit — now 62\.1 °C/,
    },
  ];
  it.each(cases)('$why', ({ alerts, ids, title, scope }) => {
    const incidents = new IncidentTracker(site).update(alerts);
    expect(incidents.map((i) => i.id).sort()).toEqual([...ids].sort());
    if (title) expect(incidents[0].title).toMatch(title);
    if (scope) expect(incidents[0].scope).toBe(scope);
    expect(incidents.flatMap((i) => [...i.roots, ...i.consequences, ...i.children.flatMap((c) => c.alerts)])).toHaveLength(alerts.length);
  });

  const pending = (spec: string): ActiveAlert => {
    const a = alert(spec);
    return { ...a, state: { ...a.state, phase: 'pending', firedAtMs: Number.NaN } };
  };
  it.each([
    { why: 'a rack over its limit and trending: critical', alerts: [alert('rack-return-critical@rack:h1-r03-k02'), alert('rack-return-trend@rack:h1-r03-k02')], severity: 'critical' },
    { why: 'the critical one cleared, the trend still firing: major', alerts: [alert('rack-return-trend@rack:h1-r03-k02')], severity: 'major' },
    { why: 'a critical only pending does not count', alerts: [pending('rack-return-critical@rack:h1-r03-k02'), alert('rack-return-trend@rack:h1-r03-k02')], severity: 'major' },
    {
      why: 'a critical rack under a major CDU root: critical',
      alerts: [alert('cdu-n1-lost@cdu:h1-r01-cdu-a'), alert('rack-return-critical@rack:h1-r01-k01', 5)],
      severity: 'critical',
    },
    { why: 'a leak warning over a return warning: major', alerts: [alert('rack-return-warning@rack:h1-r01-k01'), alert('rack-leak-warning@rack:h1-r01-k01')], severity: 'major' },
  ])('is as severe as the worst alert firing in it: $why', ({ alerts, severity }) => {
    const incidents = new IncidentTracker(site).update(alerts);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].severity).toBe(severity);
  });

  it('follows the worst alert open in it as members clear and fire again, under the same ID', () => {
    const t = new IncidentTracker(site);
    const critical = alert('rack-return-critical@rack:h1-r03-k02');
    const trend = alert('rack-return-trend@rack:h1-r03-k02', 1);
    const seen = [[critical, trend], [trend], [trend, critical], [critical], []].map((alerts) => t.update(alerts).map((i) => `${i.id} ${i.severity}`));
    expect(seen).toEqual([
      ['rack:h1-r03-k02 critical'], ['rack:h1-r03-k02 major'], ['rack:h1-r03-k02 critical'], ['rack:h1-r03-k02 critical'], [],
    ]);
  });

  it('puts every rack a tripped CDU leaves on reduced redundancy at risk (none affected yet), and names the hall', () => {
    const [inc] = new IncidentTracker(site).update([alert('cdu-tripped@cdu:h1-r01-cdu-a')]);
    expect(inc.atRisk).toEqual(['h1-r01-k01', 'h1-r01-k02', 'h1-r01-k03', 'h1-r01-k04']);
    expect(inc.racks).toEqual([]);
    expect(inc.hallId).toBe('hall-1');
    expect(inc.children).toEqual([]);
  });

  it('keeps the ID while members come and go, until the last one clears', () => {
    const t = new IncidentTracker(site);
    const first = alert('rack-return-trend@rack:h1-r02-k01', 0);
    expect(t.update([first]).map((i) => i.id)).toEqual(['rack:h1-r02-k01']);
    const rest = row('h1-r02', 'rack-return-trend', 20).slice(1);
    const grown = t.update([first, ...rest]);
    expect(grown.map((i) => i.id)).toEqual(['rack:h1-r02-k01']);
    expect(grown[0].title).toMatch(/^4 racks of h1-r02: /);
    expect(grown[0].scope).toBe('row:h1-r02');
    // The first rack recovers; the incident lives on under its ID with the other three.
    const shrunk = t.update(rest);
    expect(shrunk.map((i) => i.id)).toEqual(['rack:h1-r02-k01']);
    expect(shrunk[0].children.map((c) => c.rackId)).toEqual(['h1-r02-k02', 'h1-r02-k03', 'h1-r02-k04']);
    // A CDU root that clears leaves its racks in the same incident.
    const cdu = alert('cdu-headroom-low@cdu:h1-r02-cdu-a', 30);
    expect(t.update([...rest, cdu]).map((i) => i.id)).toEqual(['rack:h1-r02-k01']);
    expect(t.update(rest).map((i) => i.id)).toEqual(['rack:h1-r02-k01']);
    expect(t.update([])).toEqual([]);
    // The same cause later is a new incident.
    expect(t.update([first]).map((i) => i.id)).toEqual(['rack:h1-r02-k01']);
  });

  it('joins a hall cluster only within the window', () => {
    const t = new IncidentTracker(site);
    const a = alert('rack-stale@rack:h1-r01-k01', 0);
    t.update([a]);
    const near = alert('rack-stale@rack:h1-r03-k01', HALL_WINDOW_MS / 1000 - 1);
    expect(t.update([a, near]).map((i) => i.id)).toEqual(['rack:h1-r01-k01']);
    const far = alert('rack-stale@rack:h1-r02-k01', HALL_WINDOW_MS / 1000 + 60);
    expect(t.update([a, near, far]).map((i) => i.id).sort()).toEqual(['rack:h1-r01-k01', 'rack:h1-r02-k01']);
  });

  it('restores open incidents with their IDs', () => {
    const t = new IncidentTracker(site);
    const alerts = row('h1-r02', 'rack-return-trend');
    const before = t.update(alerts.slice(0, 1));
    t.update(alerts);
    const saved = JSON.parse(JSON.stringify(t.export()));
    const again = new IncidentTracker(site);
    again.restore(saved);
    expect(again.update(alerts).map((i) => i.id)).toEqual(before.map((i) => i.id));
  });

  it('groups 2,000 stale racks of a hall into one incident', () => {
    const big = buildSiteIndex(generateSite({ halls: 1, rows: 40, racksPerRow: 50, racksPerCdu: 10 }));
    const alerts = big.racks.map((r, i) => alert(`rack-stale@rack:${r.id}`, i % 30));
    const t = new IncidentTracker(big);
    const incidents = t.update(alerts);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].title).toBe('2000 racks of Hall 1: rack telemetry stale (no sample for 3 intervals)');
    expect(incidents[0].children).toHaveLength(2000);
  });
});
