/**
 * Restored alert state belongs to the site it is restored into: a server run on site A leaves
 * open incidents, an acknowledgement, a silence and a resolved incident in its storage
 * directory; the same directory started on site B shows and keeps none of them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSite } from '../../simulators/generate-site.ts';
import { startServer, startSimulator, type Program } from '../helpers/programs.ts';
import { notYet, waitFor } from '../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'hallwatch-site-switch-'));
const storage = join(dir, 'storage');
const siteA = join(dir, 'a.json');
const siteB = join(dir, 'b.json');
// A has halls 1–3, B only hall 1: everything of A's hall 3 is absent from B.
writeFileSync(siteA, JSON.stringify(generateSite({ halls: 3, rows: 1, racksPerRow: 2, racksPerCdu: 2, name: 'site A' })));
writeFileSync(siteB, JSON.stringify(generateSite({ halls: 1, rows: 1, racksPerRow: 2, racksPerCdu: 2, name: 'site B' })));
// The default rules with a 1 s keep-firing, so a cleared fault resolves within the test.
const rules = JSON.parse(readFileSync('config/alert-rules.json', 'utf8'));
rules.defaults.keepFiringS = 1;
for (const r of rules.rules) if (r.keepFiringS) r.keepFiringS = 1;
const rulesPath = join(dir, 'rules.json');
writeFileSync(rulesPath, JSON.stringify(rules));

describe('restored alert state and the loaded site', () => {
  const programs: Program[] = [];
  afterAll(async () => {
    for (const p of programs.reverse()) await p.stop();
  });

  it('drops incidents, acknowledgements, silences and history of racks another site had', async () => {
    // No sample for 60 s before stale: a simulator starved of CPU for a few seconds on a busy machine must not
    // raise stale alerts here. A stale CDU pulls a rack alerting with it into its incident (the cooling path), and
    // a stale rack of hall 1 leaves incidents or history that site B rightly keeps: either breaks what is counted.
    const a = await startServer(['--site', siteA, '--embedded-broker-port', '0', '--storage-dir', storage, '--alert-rules', rulesPath,
      '--stale-intervals', '60']);
    programs.push(a);
    const sim = await startSimulator(['--site', siteA, '--mqtt', a.mqttUrl, '--control-port', '0', '--fault', 'offline:h3-r01-k01']);
    programs.push(sim);
    const control = `http://127.0.0.1:${/control=(\d+)/.exec(sim.readyLine)![1]}`;
    const alerts = async (base: string) => (await fetch(`${base}/api/alerts?history=1`)).json();
    const post = (path: string, body: unknown) =>
      fetch(a.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // Two causes on two racks of one redundancy group (one rack offline, the other leaking: different rules), so two incidents.
    await waitFor('k02 live', async () => {
      const state = (await (await fetch(`${a.baseUrl}/api/racks/h3-r01-k02`)).json()).state;
      return state === 'live' || notYet({ state });
    }, 20_000);
    expect((await fetch(`${control}/faults`, { method: 'POST', body: 'leak:h3-r01-k02' })).status).toBe(200);
    await waitFor('both incidents on A', async () => {
      const incidents = (await alerts(a.baseUrl)).incidents.map((i: { id: string; title: string }) => `${i.id}: ${i.title}`);
      const has = (rack: string) => incidents.some((i: string) => i.startsWith(`rack:${rack}:`));
      return (has('h3-r01-k01') && has('h3-r01-k02')) || notYet({ incidents });
    }, 20_000);
    expect((await post('/api/incidents/rack%3Ah3-r01-k01/ack', { comment: 'site A: on it' })).status).toBe(200);
    expect((await post('/api/silences', { matcher: 'hall:hall-3', minutes: 60, comment: 'site A: hall 3 works' })).status).toBe(200);
    expect((await fetch(`${control}/faults`, { method: 'POST', body: 'clear:h3-r01-k02' })).status).toBe(200);
    await waitFor('k02 resolved into history', async () => {
      const history = (await alerts(a.baseUrl)).history.map((h: { id: string }) => h.id);
      return history.includes('rack:h3-r01-k02') || notYet({ history });
    }, 20_000);
    const onA = JSON.stringify(await alerts(a.baseUrl));
    expect(onA).toContain('site A: on it');
    expect(onA).toContain('hall:hall-3');
    // Both programs stop cleanly on SIGTERM after runtime fault commands (no SIGKILL: exit code 0). The server
    // first: the simulator's goodbye (every rack announcing `offline`) would otherwise fire alerts on hall 1 that
    // A saves and B keeps, whenever A evaluates between the two stops.
    expect(await a.stop()).toBe(0);
    expect(await sim.stop()).toBe(0);
    expect(readFileSync(join(storage, 'alerts-state.json'), 'utf8')).toContain('h3-r01-k01');

    const b = await startServer(['--site', siteB, '--embedded-broker-port', '0', '--storage-dir', storage, '--alert-rules', rulesPath, '--log-level', 'info']);
    programs.push(b);
    const onB = await alerts(b.baseUrl);
    expect(onB.incidents).toEqual([]);
    // Racks both sites have (hall 1) keep their pending states; nothing of hall 3 survives.
    expect(onB.alerts.filter((x: { phase: string }) => x.phase === 'firing')).toEqual([]);
    expect(onB.silences).toEqual([]);
    expect(onB.history).toEqual([]);
    expect(JSON.stringify(onB)).not.toMatch(/h3-|hall-3|site A/);
    const dropped = new RegExp(
      'dropped saved state naming racks, CDUs, rows or halls not in site "site B": ' +
        '[1-9]\\d* alerts, 1 incidents and acknowledgements, 1 silences, 1 resolved incidents',
    );
    expect(b.output()).toMatch(dropped);
    // The dropped state is gone from disk too, not only hidden.
    await waitFor('state saved without site A', () => {
      const saved = readFileSync(join(storage, 'alerts-state.json'), 'utf8');
      return !saved.includes('h3-') || notYet(saved.slice(Math.max(0, saved.indexOf('h3-') - 200), saved.indexOf('h3-') + 200));
    }, 10_000);
  });
});
