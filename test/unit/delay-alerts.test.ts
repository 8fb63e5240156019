import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { LiveState } from '../../server/state/live-state.ts';
import { buildSiteIndex } from '../../server/site/site-index.ts';
import { generateSite } from '../../simulators/generate-site.ts';
import { parseRules, type Rule } from '../../server/alerts/rules.ts';
import { AlertEvaluator } from '../../server/alerts/evaluator.ts';
import { IncidentTracker } from '../../server/alerts/incidents.ts';

const RULES = (() => {
  const r = parseRules(JSON.parse(readFileSync('config/alert-rules.json', 'utf8')));
  if (!r.ok) throw new Error(r.message);
  return r.value;
})();
const T0 = 1_800_000_000_000;

/** One hall of 3 rows × 4 racks, 3 CDUs a row (21 entities: 3 going stale together are a delay); every entity reporting each second unless silent. */
function world(rules: Rule[]) {
  const site = buildSiteIndex(generateSite({ halls: 1, rows: 3, racksPerRow: 4, racksPerCdu: 2 }));
  const state = new LiveState(site, 3000);
  const evaluator = new AlertEvaluator(rules, state, null);
  const tracker = new IncidentTracker(site);
  const silent = new Set<string>();
  const fired: string[] = [];
  /** Last title of each incident opened, by ID and start. */
  const opened = new Map<string, string>();
  let open: string[] = [];
  let now = T0;
  const tick = (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      for (const r of site.racks) if (!silent.has(r.id)) state.applyRack(r.index, { ts: now, rackKw: 120, supplyC: 40, returnC: 48, flowLpm: 182 }, now);
      for (const c of site.cdus) {
        if (!silent.has(c.id)) state.applyCdu(c.index, { ts: now, supplyC: 40, returnC: 48, flowLpm: 700, facilitySupplyC: 36, running: true }, now);
      }
      state.refresh(now);
      for (const t of evaluator.evaluate(now)) if (t.events.includes('fired')) fired.push(`${t.rule.id}@${t.entity}`);
      const incidents = tracker.update(evaluator.active());
      for (const i of incidents) opened.set(`${i.id}@${(i.startedMs - T0) / 1000}`, i.title);
      open = incidents.map((i) => i.id);
    }
  };
  const everything = [...site.racks.map((r) => r.id), ...site.cdus.map((c) => c.id)];
  return { tick, silent, everything, fired, opened, open: () => open };
}

type World = ReturnType<typeof world>;
const silence = (w: World, ids: string[]) => ids.forEach((id) => w.silent.add(id));
const speak = (w: World, ids: string[]) => ids.forEach((id) => w.silent.delete(id));

describe('stale alerts during a delay of the telemetry', () => {
  it.each<[string, (w: World) => void, { fired: string[]; opened: string[]; openAtEnd: string[] }, Rule[]?]>([
    [
      'the whole site silent 6 s (a broker pause), then back: one delay incident, no stale one',
      (w) => (w.tick(5), silence(w, w.everything), w.tick(6), speak(w, w.everything), w.tick(10)),
      { fired: ['telemetry-delayed@site:site'], opened: ['site:site@9'], openAtEnd: [] },
    ],
    [
      'the whole site silent, one rack never back: the delay, then that rack\'s own incident once the delay is over',
      (w) => (w.tick(5), silence(w, w.everything), w.tick(6), speak(w, w.everything.filter((id) => id !== 'h1-r02-k03')), w.tick(10)),
      { fired: ['telemetry-delayed@site:site', 'rack-stale@rack:h1-r02-k03'], opened: ['site:site@9', 'rack:h1-r02-k03@15'], openAtEnd: ['rack:h1-r02-k03'] },
    ],
    [
      'a rack dead before the delay: its incident stays its own through it',
      (w) => (w.tick(5), silence(w, ['h1-r01-k01']), w.tick(10), silence(w, w.everything), w.tick(6), speak(w, w.everything.filter((id) => id !== 'h1-r01-k01')), w.tick(10)),
      { fired: ['rack-stale@rack:h1-r01-k01', 'telemetry-delayed@site:site'], opened: ['rack:h1-r01-k01@12', 'site:site@19'], openAtEnd: ['rack:h1-r01-k01'] },
    ],
    [
      'one rack silent: its own incident, once 3 s showed no others following',
      (w) => (w.tick(5), silence(w, ['h1-r03-k02']), w.tick(10)),
      { fired: ['rack-stale@rack:h1-r03-k02'], opened: ['rack:h1-r03-k02@12'], openAtEnd: ['rack:h1-r03-k02'] },
    ],
    [
      'two racks of a row silent together: too few for a delay, one incident for the row',
      (w) => (w.tick(5), silence(w, ['h1-r01-k01', 'h1-r01-k02']), w.tick(10)),
      { fired: ['rack-stale@rack:h1-r01-k01', 'rack-stale@rack:h1-r01-k02'], opened: ['row:h1-r01/rack-stale@12'], openAtEnd: ['row:h1-r01/rack-stale'] },
    ],
    [
      'the whole site silent with no telemetry-delayed rule: every rack and CDU stale at once, an incident per group',
      (w) => (w.tick(5), silence(w, w.everything), w.tick(6)),
      { fired: expect.arrayContaining(['cdu-stale@cdu:h1-r01-cdu-a', 'rack-stale@rack:h1-r03-k04']) as unknown as string[],
        opened: ['group:h1-r01@9', 'group:h1-r02@9', 'group:h1-r03@9'], openAtEnd: ['group:h1-r01', 'group:h1-r02', 'group:h1-r03'] },
      RULES.filter((r) => r.id !== 'telemetry-delayed'),
    ],
  ])('%s', (_what, script, want, rules = RULES) => {
    const w = world(rules);
    script(w);
    expect(w.fired).toEqual(want.fired);
    expect([...w.opened.keys()]).toEqual(want.opened);
    expect(w.open().sort()).toEqual(want.openAtEnd);
  });

  it('titles the delay with what went stale and how old the oldest sample is', () => {
    const w = world(RULES);
    w.tick(5);
    silence(w, w.everything);
    w.tick(8);
    // Last samples at 5 s, stale at 9 s (no sample for more than 3 s), the title as of 13 s.
    expect(w.opened.get('site:site@9')).toBe('site: telemetry delayed: 12 racks, 9 CDUs, oldest sample 8.0 s — broker or gateway?');
  });
});
