/**
 * A step of the server host's clock by +1 h and −1 h while the simulator (on a correct clock)
 * publishes the demo site: the server runs under Debian's libfaketime with its offset changed at
 * run time (monotonic time untouched, as a real step leaves it). No mass rejection of valid
 * samples, no burst of stale alarms; /healthz names the step.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, startSimulator } from '../../test/helpers/programs.ts';
import { sleep } from '../../test/helpers/wait.ts';
import { fmt, metric } from './kit.ts';
import { row, type ChaosRow, type Scenario } from './scenario.ts';

const LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find(existsSync);

interface Window { skewRejected: number; accepted: number; maxStale: number; staleIncidents: number; health: string }

async function watch(baseUrl: string, ms: number): Promise<Window> {
  const skew0 = await metric(baseUrl, 'hallwatch_messages_rejected_total', 'reason="clock_skew"');
  const acc0 = await metric(baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"');
  let maxStale = 0;
  let staleIncidents = 0;
  let health = '';
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const site = await (await fetch(`${baseUrl}/api/halls/hall-1`)).json() as { totals: { racksStale: number } };
    maxStale = Math.max(maxStale, site.totals.racksStale);
    const alerts = await (await fetch(`${baseUrl}/api/alerts`)).json() as { incidents: { title: string }[] };
    staleIncidents = Math.max(staleIncidents, alerts.incidents.filter((i) => /stale|silent/i.test(i.title)).length);
    const h = await (await fetch(`${baseUrl}/healthz`)).json() as { checks: Record<string, string> };
    if (h.checks.clock) health = h.checks.clock;
    await sleep(500);
  }
  return {
    skewRejected: (await metric(baseUrl, 'hallwatch_messages_rejected_total', 'reason="clock_skew"')) - skew0,
    accepted: (await metric(baseUrl, 'hallwatch_messages_accepted_total', 'kind="rack"')) - acc0,
    maxStale, staleIncidents, health,
  };
}

export const clockStep: Scenario = {
  name: 'clock step on the server host',
  short: true,
  async run(scale, log) {
    if (!LIB) return [row('clock step', 'libfaketime', 'installed (npm test installs faketime)', 'missing: not measured', false)];
    const holdMs = scale === 'short' ? 8000 : 30_000;
    const dir = mkdtempSync(join(tmpdir(), 'hallwatch-chaos-clock-'));
    const offsetFile = join(dir, 'offset');
    writeFileSync(offsetFile, '+0\n');
    const server = await startServer(['--site', 'sites/demo.json', '--embedded-broker-port', '0'], {}, {
      LD_PRELOAD: LIB, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1',
    });
    const sim = await startSimulator(['--site', 'sites/demo.json', '--mqtt', server.mqttUrl]);
    const rows: ChaosRow[] = [];
    try {
      await sleep(4000);
      const base = await watch(server.baseUrl, 3000);
      for (const [label, offset] of [['+1 h', '+1h'], ['−1 h', '-1h']] as const) {
        writeFileSync(offsetFile, `${offset}\n`);
        const w = await watch(server.baseUrl, holdMs);
        log(`${label}: ${JSON.stringify(w)}`);
        rows.push(row(
          'clock step',
          `server host clock stepped ${label} for ${holdMs / 1000} s (simulator's clock right)`,
          '0 valid samples rejected; no stale racks, no stale incidents; /healthz names the step',
          `${fmt(w.skewRejected)} rejected as clock_skew, ${fmt(w.accepted)} accepted; at most ${w.maxStale} racks stale, ` +
            `${w.staleIncidents} stale incidents; /healthz: ${w.health || '—'}`,
          w.skewRejected === 0 && w.accepted > 0.8 * (holdMs / 1000) * 208 && w.maxStale === 0 && w.staleIncidents === base.staleIncidents
            && /stepped by [+-]3600 s/.test(w.health),
        ));
      }
      writeFileSync(offsetFile, '+0\n');
    } finally {
      await sim.stop();
      await server.stop();
    }
    return rows;
  },
};
