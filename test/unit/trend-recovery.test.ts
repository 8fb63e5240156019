/**
 * The return-trend rule through the evaluator and the incident tracker: a rack whose cold plate
 * clogs climbs from 49 to 62 °C; the clog is cleared and it falls back to 49 °C within a minute.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { parseRules } from '../../server/alerts/rules.ts';
import { AlertEvaluator } from '../../server/alerts/evaluator.ts';
import { IncidentTracker } from '../../server/alerts/incidents.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { RACK_HISTORY } from '../../protocol/history.ts';

const RULES = (() => {
  const r = parseRules(JSON.parse(readFileSync('config/alert-rules.json', 'utf8')));
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();
const T0 = 1_800_000_000_000;
const CLOG_S = 330;
const CLEAR_S = 630;
const RACK = 'h1-r01-k02';

/** The clogged rack's return, °C, `t` seconds in: τ 25 s up at the clogged flow, τ 10 s back down. */
function clogReturnC(t: number): number {
  if (t < CLOG_S) return 49;
  const peakC = 49 + 13 * (1 - Math.exp(-(Math.min(t, CLEAR_S) - CLOG_S) / 25));
  return t < CLEAR_S ? peakC : 49 + (peakC - 49) * Math.exp(-(t - CLEAR_S) / 10);
}

describe('a clog and its recovery through the alert rules', () => {
  it('clears the trend alert as the return falls back under its limit, and the incident never drops from critical to major', () => {
    const site = buildSiteIndex(generateSite({ halls: 1, rows: 1, racksPerRow: 4, racksPerCdu: 2 }));
    const state = new LiveState(site, 3000);
    const memory = new MemoryWindow(600);
    const evaluator = new AlertEvaluator(RULES, state, memory);
    const incidents = new IncidentTracker(site);
    const returnField = RACK_HISTORY.indexOf('returnC');
    const history = new Float64Array(RACK_HISTORY.length).fill(Number.NaN);
    const trend: { t: number; phase: string; value: number }[] = [];
    const severities: string[] = [];
    let underLimitS = Number.NaN;
    let openAfter60s: string[] = [];
    for (let t = 0; t <= CLEAR_S + 120; t++) {
      const now = T0 + t * 1000;
      for (const r of site.racks) {
        const returnC = r.id === RACK ? clogReturnC(t) : 48;
        state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC, flowLpm: 182 }, now);
        // What the recorder keeps: the window the trend is fitted over.
        history[returnField] = returnC;
        memory.push(`rack:${r.id}`, RACK_HISTORY.length, now, history);
      }
      for (const c of site.cdus) state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: true }, now);
      state.refresh(now);
      evaluator.evaluate(now);
      const a = evaluator.active().find((x) => x.rule.id === 'rack-return-trend' && x.entity === `rack:${RACK}`);
      if (a) trend.push({ t, phase: a.state.phase, value: a.state.value });
      const open = incidents.update(evaluator.active());
      if (t === CLEAR_S + 60) openAfter60s = open.map((i) => `${i.severity} ${i.title}`);
      if (open.length && severities.at(-1) !== open[0].severity) severities.push(open[0].severity);
      if (t > CLEAR_S && Number.isNaN(underLimitS) && clogReturnC(t) < 55) underLimitS = t;
    }
    // It fired on the way up: the rule is live in this world.
    expect(trend.some((x) => x.phase === 'firing' && x.t < CLEAR_S)).toBe(true);
    // Gone the second the return is back under its limit (not at the next scheduled refit), never reading 0 after.
    const lastFiringS = Math.max(...trend.filter((x) => x.phase === 'firing').map((x) => x.t));
    expect(lastFiringS).toBeLessThan(underLimitS);
    expect(trend.filter((x) => x.t >= underLimitS && x.value === 0)).toEqual([]);
    // 60 s after the clear, back at 49 °C, nothing is open.
    expect(openAfter60s).toEqual([]);
    expect(severities.indexOf('major', severities.indexOf('critical'))).toBe(-1);
  });
});
