import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { parseRules, type Rule } from '../../server/alerts/rules.ts';
import { AlertEvaluator } from '../../server/alerts/evaluator.ts';
import { IncidentTracker } from '../../server/alerts/incidents.ts';
import { MemoryWindow } from '../../server/history/memory-window.ts';
import { groupFlowImbalancePct } from '../../server/alerts/signals.ts';
import { CDU_COL, type CduColumn } from '../../protocol/stream.ts';

const RULES = (() => {
  const r = parseRules(JSON.parse(readFileSync('config/alert-rules.json', 'utf8')));
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();
const T0 = 1_800_000_000_000;

/** Two rows of 4 racks, 2 racks per CDU + a spare per row; every entity reporting each second. */
function world(rules: Rule[] = RULES) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 2, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  const evaluator = new AlertEvaluator(rules, state, new MemoryWindow(600));
  const rack = new Map<string, { returnC: number; flowLpm: number; silent?: boolean; rackKwSwing?: boolean }>();
  site.racks.forEach((r) => rack.set(r.id, { returnC: 48, flowLpm: 182 }));
  const cduRunning = new Map(site.cdus.map((c) => [c.id, true]));
  /** Per-CDU flow and pump speed (default: 700 L/min, speed not reported). */
  const cduPump = new Map<string, { flowLpm: number; pumpPct: number }>();
  let now = T0;
  const tick = (seconds: number) => {
    const transitions = [];
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) {
        const v = rack.get(r.id)!;
        if (v.silent) continue;
        state.applyRack(r.index, { ts: now, rackKw: v.rackKwSwing ? 120 + (s % 5) : 120, supplyC: 40, returnC: v.returnC, flowLpm: v.flowLpm }, now);
      }
      for (const c of site.cdus) {
        const pump = cduPump.get(c.id);
        state.applyCdu(
          c.index,
          { ts: now, supplyC: 40, returnC: 48, flowLpm: pump?.flowLpm ?? 700, pumpPct: pump?.pumpPct, facilitySupplyC: 36, running: cduRunning.get(c.id)! },
          now,
        );
      }
      state.refresh(now);
      transitions.push(...evaluator.evaluate(now));
    }
    return transitions;
  };
  return { site, state, evaluator, rack, cduRunning, cduPump, tick };
}

describe('AlertEvaluator on live state', () => {
  it('resumes a restored firing alert and resolves it when its value clears (a restart keeps what was firing)', () => {
    const w = world();
    w.tick(5);
    w.rack.get('h1-r02-k03')!.returnC = 55.5;
    expect(w.tick(90).some((t) => t.entity === 'rack:h1-r02-k03' && t.events.includes('fired'))).toBe(true);
    const saved = w.evaluator.exportStates();
    // A new server: same site, rules and values, the states restored from the save.
    const again = world();
    again.evaluator.restoreStates(saved);
    again.rack.get('h1-r02-k03')!.returnC = 48;
    const resolved = again.tick(120).filter((t) => t.events.includes('resolved')).map((t) => `${t.rule.id} ${t.entity}`);
    expect(resolved).toEqual(expect.arrayContaining(['rack-return-critical rack:h1-r02-k03', 'rack-return-warning rack:h1-r02-k03']));
    expect(again.evaluator.active()).toEqual([]);
  });

  it('raises nothing on a healthy site', () => {
    const w = world();
    expect(w.tick(180)).toEqual([]);
    expect(w.evaluator.active()).toEqual([]);
  });

  it('fires rack return alerts after their pending periods (critical 30 s, warning 60 s), with the ΔT they imply', () => {
    const w = world();
    w.tick(5);
    w.rack.get('h1-r02-k03')!.returnC = 55.5;
    const fired = w.tick(90).filter((t) => t.events.includes('fired'));
    const afterS = Object.fromEntries(fired.map((t) => [`${t.rule.id}@${t.entity}`, (t.state.firedAtMs - t.state.sinceMs) / 1000]));
    expect(afterS).toEqual({
      'rack-return-critical@rack:h1-r02-k03': 30,
      'rack-delta-t-critical@rack:h1-r02-k03': 60,
      'rack-return-warning@rack:h1-r02-k03': 60,
    });
    expect(fired[0].rule.id).toBe('rack-return-critical');
  });

  it('does not fire threshold alerts for a silent rack, but fires stale instead', () => {
    const w = world();
    w.tick(5);
    w.rack.get('h1-r01-k02')!.returnC = 58;
    w.rack.get('h1-r01-k02')!.silent = true;
    const t = w.tick(120);
    expect(t.filter((x) => x.events.includes('fired')).map((x) => x.rule.id)).toEqual(['rack-stale']);
  });

  it('calls a return sensor frozen while its rack\'s power moves a sensor fault, not a temperature alarm, and clears it when it moves', () => {
    const w = world();
    w.rack.get('h1-r01-k03')!.rackKwSwing = true;
    const fired = w.tick(75).filter((t) => t.events.includes('fired')).map((t) => `${t.rule.id}@${t.entity}`);
    expect(fired).toEqual(['rack-sensor-frozen@rack:h1-r01-k03']);
    w.rack.get('h1-r01-k03')!.returnC = 48.3;
    const resolved = w.tick(2).filter((t) => t.events.includes('resolved')).map((t) => t.rule.id);
    expect(resolved).toEqual(['rack-sensor-frozen']);
  });

  it('fires no capture-drop alert on a return frozen low: heat and capture from it are withheld, only the sensor fault fires', () => {
    const w = world();
    // Stuck at 44 °C while the rack draws 120 kW: read as physics, capture would be 0.42.
    w.rack.get('h1-r02-k01')!.returnC = 44;
    w.rack.get('h1-r02-k01')!.rackKwSwing = true;
    const fired = w.tick(400).filter((t) => t.events.includes('fired')).map((t) => `${t.rule.id}@${t.entity}`);
    expect(fired).toEqual(['rack-sensor-frozen@rack:h1-r02-k01']);
  });

  it('alerts on a pump short of the flow its speed gives, and derates its capacity and the group\'s N+1', () => {
    const w = world();
    const [a, b] = w.site.cdus.filter((c) => c.redundancyGroup === w.site.cdus[0].redundancyGroup);
    const pumpPct = (700 / a.ratedFlowLpm) * 100;
    w.cduPump.set(a.id, { flowLpm: 700, pumpPct });
    w.cduPump.set(b.id, { flowLpm: 700, pumpPct });
    w.tick(5);
    const col = (name: CduColumn, j: number) => w.state.cduCols[CDU_COL[name]][j];
    const healthyN1 = col('n1HeadroomKw', b.index);
    expect(col('pumpShortfallPct', b.index)).toBe(0);
    w.cduPump.set(b.id, { flowLpm: 420, pumpPct });
    const fired = w.tick(65).filter((t) => t.events.includes('fired')).map((t) => `${t.rule.id}@${t.entity}`);
    expect(fired).toContain(`cdu-pump-degraded@cdu:${b.id}`);
    expect(fired.filter((f) => f.startsWith('cdu-pump-degraded'))).toHaveLength(1);
    expect(col('pumpShortfallPct', b.index)).toBe(40);
    expect(col('capacityKw', b.index)).toBeCloseTo(b.capacityKw * 0.6, 6);
    expect(col('n1HeadroomKw', b.index)).toBeLessThan(healthyN1);
  });

  it('flags flow imbalance among the racks of one CDU group', () => {
    const w = world();
    w.rack.get('h1-r01-k04')!.flowLpm = 130;
    w.tick(3);
    expect(groupFlowImbalancePct(w.state, 0)).toBeCloseTo(((182 * 3 + 130) / 4 - 130) / ((182 * 3 + 130) / 4) * 100, 6);
    const ids = w.tick(200).filter((t) => t.events.includes('fired')).map((t) => `${t.rule.id}@${t.entity}`);
    expect(ids).toContain('cdu-flow-imbalance-critical@cdu:h1-r01-cdu-a');
  });

  it('groups a tripped CDU and the racks it serves into one incident; other racks stay separate', () => {
    const w = world();
    w.tick(5);
    w.cduRunning.set('h1-r01-cdu-a', false);
    w.rack.get('h1-r01-k01')!.returnC = 56;
    w.rack.get('h1-r01-k02')!.returnC = 56;
    w.rack.get('h1-r02-k04')!.returnC = 56;
    w.tick(90);
    const incidents = new IncidentTracker(w.site).update(w.evaluator.active());
    expect(incidents.map((i) => i.id)).toEqual(['group:h1-r01', 'rack:h1-r02-k04']);
    const cdu = incidents[0];
    expect(cdu.severity).toBe('critical');
    expect(cdu.title).toMatch(/^h1-r01-cdu-a: CDU tripped — 2 racks affected$/);
    expect(cdu.roots.map((a) => a.rule.id)).toContain('cdu-tripped');
    expect(cdu.children.map((c) => c.rackId)).toEqual(['h1-r01-k01', 'h1-r01-k02']);
  });

  it('keeps alert state across a rules reload and drops removed rules', () => {
    const w = world();
    w.tick(5);
    w.rack.get('h1-r02-k01')!.returnC = 53;
    w.tick(70);
    const phases = () => Object.fromEntries(w.evaluator.active().map((a) => [a.rule.id, a.state.phase]));
    expect(phases()).toEqual({ 'rack-return-warning': 'firing', 'rack-delta-t': 'pending' });
    w.evaluator.setRules(RULES.filter((r) => r.id !== 'rack-stale'));
    expect(phases()).toEqual({ 'rack-return-warning': 'firing', 'rack-delta-t': 'pending' });
    w.evaluator.setRules(RULES.filter((r) => r.id !== 'rack-return-warning'));
    expect(phases()).toEqual({ 'rack-delta-t': 'pending' });
  });
});

describe('AlertEvaluator in slices', () => {
  it('four slices over a second visit every rack and CDU once, and fire what a whole pass fires', () => {
    const whole = world();
    const sliced = world();
    for (const w of [whole, sliced]) {
      w.tick(5);
      w.rack.get('h1-r02-k03')!.returnC = 55.5;
      w.rack.get('h1-r01-k01')!.returnC = 55.5;
    }
    whole.tick(60);
    // The same samples, evaluated as the service's timer does: slice 0…3 of each second.
    const original = sliced.evaluator.evaluate.bind(sliced.evaluator);
    sliced.evaluator.evaluate = (now: number) => [0, 1, 2, 3].flatMap((s) => original(now, s, 4));
    sliced.tick(60);
    const firing = (w: typeof whole) => w.evaluator.active().filter((a) => a.state.phase === 'firing').map((a) => `${a.rule.id}|${a.entity}`).sort();
    expect(firing(sliced)).toEqual(firing(whole));
    expect(firing(whole).filter((k) => k.includes('rack:h1-r02-k03') || k.includes('rack:h1-r01-k01')).length).toBeGreaterThanOrEqual(2);
  });

  it('a slice sees only its own racks', () => {
    const w = world();
    w.tick(5);
    for (const r of w.site.racks) w.rack.get(r.id)!.returnC = 70;
    const visited = new Set<string>();
    const original = w.evaluator.evaluate.bind(w.evaluator);
    w.evaluator.evaluate = (now: number) => {
      const t = original(now, 1, 4);
      for (const x of t) if (x.entity.startsWith('rack:')) visited.add(x.entity);
      return t;
    };
    w.tick(40);
    const expected = w.site.racks.filter((r) => r.index % 4 === 1).map((r) => `rack:${r.id}`).sort();
    expect([...visited].sort()).toEqual(expected);
  });
});
