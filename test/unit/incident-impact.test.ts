/**
 * What an incident costs, from the live state: a redundancy group's load on its running units,
 * their pumps, N+1 and what one more trip leaves uncooled; a rack's flow against its need and its
 * return against its limit; an action line with its names filled in.
 */
import { describe, expect, it } from 'vitest';
import {
  actionText, groupImpact, groupImpactText, powerText, rackFlowWhy, rackImpactText, type CduNow, type RackNow,
} from '../../server/alerts/incident-impact.ts';

/** A unit of 1,300 kW (three per row of 16 GB300 racks, generate-site.ts), running at `pumpPct`. */
const unit = (id: string, pumpPct: number, capacityKw = 1300): CduNow => ({ id, running: true, capacityKw, pumpPct });
const down = (id: string): CduNow => ({ id, running: false, capacityKw: 0, pumpPct: Number.NaN });

describe('groupImpact() and groupImpactText()', () => {
  const cases: { why: string; loadKw: number; cdus: CduNow[]; unitDown: boolean; impact: string | null; advice?: string | null }[] = [
    {
      why: 'one of three tripped, partners at 69 %: a second trip overloads the row',
      loadKw: 1794, cdus: [down('a'), unit('b', 88), unit('c', 88)], unitDown: true,
      impact: 'partners at 69 %, pumps at 88 %, N+1 lost: a second trip overloads h1-r02 by 494 kW', advice: 'consider capping h1-r02',
    },
    {
      why: 'one of three tripped on a light row: N+1 still holds',
      loadKw: 1000, cdus: [down('a'), unit('b', 60), unit('c', 62)], unitDown: true,
      impact: 'partners at 38 %, pumps at 60–62 %, N+1 holds: a second trip leaves 300 kW spare', advice: null,
    },
    {
      why: 'all running, the group as a whole near its limit',
      loadKw: 2800, cdus: [unit('a', 95), unit('b', 95), unit('c', 95)], unitDown: false,
      impact: 'h1-r02 at 72 %, pumps at 95 %, N+1 lost: a trip of its largest unit overloads h1-r02 by 200 kW', advice: 'consider capping h1-r02',
    },
    {
      why: 'a derated partner (pump 40 % short) counts for what it delivers',
      loadKw: 1500, cdus: [down('a'), unit('b', 90), unit('c', 90, 780)], unitDown: true,
      impact: 'partners at 72 %, pumps at 90 %, N+1 lost: a second trip overloads h1-r02 by 720 kW', advice: 'consider capping h1-r02',
    },
    {
      why: 'two of three tripped: short of cooling now',
      loadKw: 1794, cdus: [down('a'), down('b'), unit('c', 100)], unitDown: true,
      impact: 'partners at 138 %, pumps at 100 %: h1-r02 is short of 494 kW of cooling now', advice: 'cap h1-r02 now',
    },
    {
      why: 'none running',
      loadKw: 1794, cdus: [down('a'), down('b'), down('c')], unitDown: true,
      impact: "no CDU of h1-r02 running: all of its racks' heat is uncooled", advice: 'cap h1-r02 now',
    },
    {
      why: 'pump speed not reported: the load alone',
      loadKw: 2000, cdus: [down('a'), unit('b', Number.NaN), unit('c', Number.NaN)], unitDown: true,
      impact: 'partners at 77 %, N+1 lost: a second trip overloads h1-r02 by 700 kW', advice: 'consider capping h1-r02',
    },
    {
      why: 'a megawatt short is written in MW',
      loadKw: 2500, cdus: [down('a'), unit('b', 99), unit('c', 99)], unitDown: true,
      impact: 'partners at 96 %, pumps at 99 %, N+1 lost: a second trip overloads h1-r02 by 1.2 MW', advice: 'consider capping h1-r02',
    },
    { why: 'capacity unknown (a site file without it): nothing computed', loadKw: 1500, cdus: [unit('a', 90, Number.NaN), down('b')], unitDown: true, impact: null },
    { why: 'load unknown: nothing computed', loadKw: Number.NaN, cdus: [unit('a', 90), down('b')], unitDown: true, impact: null },
  ];
  it.each(cases)('$why', ({ loadKw, cdus, unitDown, impact, advice }) => {
    const i = groupImpact({ loadKw, cdus });
    if (impact === null) return expect(i).toBeNull();
    expect(i).not.toBeNull();
    const t = groupImpactText(i!, 'h1-r02', unitDown);
    expect(t.impact).toBe(impact);
    expect(t.advice).toBe(advice);
  });

  it('N+1 is what the running units keep without the largest of them, and the second trip costs its deficit', () => {
    const i = groupImpact({ loadKw: 1794, cdus: [down('a'), unit('b', 88), unit('c', 88)] })!;
    expect(i).toMatchObject({ running: 2, overloadKw: 0, n1HeadroomKw: -494, nextTripOverloadKw: 494 });
    expect(i.loadPct).toBeCloseTo(69, 0);
  });
});

describe('rack texts', () => {
  const rack = (flowSharePct: number, returnC: number): RackNow => ({
    flowLpm: 182 * (flowSharePct / 100), flowRequiredLpm: 182, flowSharePct, returnC, returnLimitC: 55,
  });
  it.each([
    [rack(45, 62.1), 'flow at 45 % of what its load needs (82 of 182 L/min)'],
    [rack(89.6, 50), 'flow at 90 % of what its load needs (163 of 182 L/min)'],
    [rack(90, 50), null],
    [rack(Number.NaN, 50), null],
  ])('rackFlowWhy(%j) → %s', (r, want) => expect(rackFlowWhy(r)).toBe(want));
  it.each([
    // Its flow rule firing: short by under a tenth still names the flow.
    [rack(95, 59.5), 100, 'flow at 95 % of what its load needs (173 of 182 L/min)'],
    [rack(100, 50), 100, null],
  ])('rackFlowWhy(%j, short under %i %%) → %s', (r, shortPct, want) => expect(rackFlowWhy(r, shortPct)).toBe(want));

  it.each([
    ['over the limit', rack(45, 62.1), Number.NaN, 'return 62.1 °C, 7.1 K over its 55 °C limit'],
    ['at the limit', rack(100, 55), 3, 'return 55.0 °C, 0.0 K over its 55 °C limit'],
    ['a trend projects the limit', rack(60, 53.2), 6.4, 'return 53.2 °C: reaches its 55 °C limit in about 6 min'],
    ['a trend within a minute (never "0 min")', rack(60, 54.9), 0.2, 'return 54.9 °C: reaches its 55 °C limit within a minute'],
    ['short of flow, no trend: the margin', rack(45, 50.5), Number.NaN, 'return 50.5 °C, 4.5 K below its 55 °C limit'],
    ['healthy: nothing to say', rack(100, 48), Number.NaN, null],
  ])('rackImpactText: %s', (_w, r, minutes, want) => expect(rackImpactText(r, minutes)).toBe(want));
});

describe('actionText() and powerText()', () => {
  const names = { entity: 'h1-r02-cdu-a', group: 'h1-r02', hall: 'Hall 1' };
  it.each([
    ['dispatch to {entity}: read its fault code, reset or restart it', 'consider capping h1-r02',
      'dispatch to h1-r02-cdu-a: read its fault code, reset or restart it; consider capping h1-r02'],
    ["cap {group}'s load now", null, "cap h1-r02's load now"],
    ['hold new load off {hall}; {hall} is full', null, 'hold new load off Hall 1; Hall 1 is full'],
    ['no placeholders', null, 'no placeholders'],
  ])('%s + %s', (template, advice, want) => expect(actionText(template, names, advice)).toBe(want));

  it.each([[85.4, '85 kW'], [520, '520 kW'], [999.6, '1.0 MW'], [1000, '1.0 MW'], [1234, '1.2 MW']])('%d kW → %s', (kw, want) => {
    expect(powerText(kw)).toBe(want);
  });
});
